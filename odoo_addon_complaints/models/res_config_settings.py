# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    company_currency_id = fields.Many2one(
        "res.currency",
        related="company_id.currency_id",
        string="Company Currency",
        readonly=True,
        help="Currency of the company.",
    )
    complaint_credit_approval_limit = fields.Monetary(
        related="company_id.complaint_credit_approval_limit",
        readonly=False,
        currency_field="company_currency_id",
        help="Credit notes from complaints above this total need a Complaints Manager's approval.",
    )
    complaints_sync_agent_silence_minutes = fields.Integer(
        string="Agent Silence (Minutes)",
        config_parameter="odoo_addon_complaints.sync_agent_silence_minutes",
        default=10,
        help="When events are due and no sync agent has claimed any for this many minutes, "
        "Sync Events and queued regulator reports say that no agent runs.",
    )
