# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    complaint_credit_approval_limit = fields.Monetary(
        string="Complaint Credit Approval Limit",
        currency_field="currency_id",
        help="Credit notes from complaints whose total exceeds this amount need a "
        "Complaints Manager's approval before posting. Zero: no approval needed.",
    )
    eu_srn = fields.Char(
        string="EU Single Registration Number", help="SRN of the manufacturer in EUDAMED, e.g. DE-MF-000012345."
    )
    fda_registration_number = fields.Char(
        string="FDA Registration Number",
        help="FDA establishment registration (FEI/CFN) number; it starts the 3500A manufacturer report numbers.",
    )
    vigilance_user_id = fields.Many2one(
        "res.users", string="Vigilance Contact",
        help="Person named as the manufacturer's contact in regulator reports; receives overdue report escalations.",
    )
