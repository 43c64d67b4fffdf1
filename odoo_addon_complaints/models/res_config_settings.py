# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


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
    complaint_alias_name = fields.Char(
        string="Complaint Alias",
        compute="_compute_complaint_alias_name",
        inverse="_inverse_complaint_alias_name",
        help="Local part of the address (e.g. complaints) whose new mails register complaints of this company.",
    )
    complaint_alias_domain = fields.Char(
        related="company_id.complaint_alias_id.alias_domain",
        string="Complaint Alias Domain",
        help="Domain of the complaint alias, from the company's alias domain.",
    )
    complaint_auto_acknowledge = fields.Boolean(
        related="company_id.complaint_auto_acknowledge",
        readonly=False,
        help="Send the acknowledgement template as soon as a complaint arrives by e-mail.",
    )
    complaint_ack_template_id = fields.Many2one(
        related="company_id.complaint_ack_template_id",
        readonly=False,
        help="Mail sent to acknowledge a complaint received by e-mail.",
    )
    complaint_rating_request = fields.Boolean(
        related="company_id.complaint_rating_request",
        readonly=False,
        help="When a complaint is closed, e-mail the customer a satisfaction rating request.",
    )
    complaint_rating_template_id = fields.Many2one(
        related="company_id.complaint_rating_template_id",
        readonly=False,
        help="Mail that asks the customer to rate the handling of a closed complaint.",
    )

    @api.depends("company_id.complaint_alias_id.alias_name")
    def _compute_complaint_alias_name(self):
        for settings in self:
            settings.complaint_alias_name = settings.company_id.complaint_alias_id.alias_name

    def _inverse_complaint_alias_name(self):
        for settings in self:
            company = settings.company_id
            if not company.complaint_alias_id:
                company._complaints_ensure_alias()
            if settings.complaint_alias_name != company.complaint_alias_id.alias_name:
                company.complaint_alias_id.sudo().alias_name = settings.complaint_alias_name
