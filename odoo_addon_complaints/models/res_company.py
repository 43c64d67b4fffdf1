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
