# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

COST_TYPES = [
    ("freight", "Freight"),
    ("replacement", "Replacement"),
    ("credit", "Credit / Refund"),
    ("repair", "Repair"),
    ("labour", "Labour"),
    ("compensation", "Compensation"),
    ("chargeback", "Supplier Chargeback"),
]


class QualityComplaintCost(models.Model):
    _name = "quality.complaint.cost"
    _description = "Complaint Cost"
    _order = "date desc, id desc"
    _check_company_auto = True

    complaint_id = fields.Many2one(
        "quality.complaint",
        required=True,
        ondelete="cascade",
        index=True,
        help="Complaint the cost belongs to.",
    )
    company_id = fields.Many2one(
        related="complaint_id.company_id", store=True, index=True, help="Company of the complaint."
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency", help="Currency of the totals."
    )
    cost_type = fields.Selection(COST_TYPES, string="Type", required=True, help="Kind of cost.")
    name = fields.Char(string="Description", required=True, help="What the cost is for.")
    date = fields.Date(required=True, default=fields.Date.context_today, help="When the cost arose.")
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the amount.",
    )
    amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        help="Amount of the cost; a supplier chargeback is the amount recovered from the "
        "supplier. A credit note's cost follows the credit note's total.",
    )
    amount_company = fields.Monetary(
        string="Amount (Company Currency)",
        currency_field="company_currency_id",
        compute="_compute_amount_company",
        store=True,
        help="Amount converted to the company currency at the cost date; chargebacks count negative.",
    )
    account_move_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        ondelete="set null",
        check_company=True,
        help="Credit note whose total this cost follows.",
    )
    is_automatic = fields.Boolean(
        string="Automatic", readonly=True, help="Filled in from a credit note or replacement."
    )

    @api.depends("account_move_id.amount_total_signed")
    def _compute_amount(self):
        for cost in self:
            if cost.account_move_id:
                cost.amount = abs(cost.account_move_id.amount_total_signed)
            else:
                cost.amount = cost.amount or 0.0

    @api.depends("amount", "currency_id", "date", "cost_type", "company_id")
    def _compute_amount_company(self):
        for cost in self:
            company = cost.company_id or self.env.company
            amount = (
                cost.currency_id._convert(
                    cost.amount, company.currency_id, company, cost.date or fields.Date.today()
                )
                if cost.currency_id
                else cost.amount
            )
            cost.amount_company = -amount if cost.cost_type == "chargeback" else amount
