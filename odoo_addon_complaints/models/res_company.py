# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

import pytz

from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    complaint_credit_approval_limit = fields.Monetary(
        currency_field="currency_id",
        help="Credit notes from complaints whose total exceeds this amount need a "
        "Complaints Manager's approval before posting. Zero: no approval needed.",
    )
    eu_srn = fields.Char(
        string="EU Single Registration Number",
        help="SRN of the manufacturer in EUDAMED, e.g. DE-MF-000012345.",
    )
    fda_registration_number = fields.Char(
        string="FDA Registration Number",
        help="FDA establishment registration (FEI/CFN) number; it starts the 3500A manufacturer report numbers.",
    )
    vigilance_user_id = fields.Many2one(
        "res.users",
        string="Vigilance Contact",
        help="Person named as the manufacturer's contact in regulator reports; receives overdue report escalations.",
    )
    complaints_tz = fields.Char(
        string="Time Zone of Complaint Dates",
        compute="_compute_complaints_tz",
        help="Time zone whose calendar day is written on regulator reports, customer letters, 8D reports and "
        "complaint numbers, and from which reporting deadlines are counted: the time zone of the company's "
        "working calendar, else of the company's address, else UTC. Change it on the working calendar.",
    )

    complaint_alias_id = fields.Many2one(
        "mail.alias",
        copy=False,
        ondelete="restrict",
        help="E-mail address (e.g. complaints@) whose new mails register complaints of this company; "
        "replies to a complaint's mails thread on it.",
    )
    complaint_auto_acknowledge = fields.Boolean(
        string="Acknowledge E-mailed Complaints",
        default=True,
        help="Send the acknowledgement template as soon as a complaint arrives by e-mail; it meets the "
        "acknowledgement deadline and moves the complaint to Acknowledged.",
    )
    complaint_ack_template_id = fields.Many2one(
        "mail.template",
        string="Acknowledgement Template",
        domain=[("model", "=", "quality.complaint")],
        default=lambda self: self.env.ref(
            "odoo_addon_complaints.mail_template_complaint_acknowledgement", raise_if_not_found=False
        ),
        help="Mail sent to the customer to acknowledge a complaint received by e-mail.",
    )
    complaint_rating_request = fields.Boolean(
        string="Ask Customers to Rate Closed Complaints",
        default=True,
        help="When a complaint is closed, e-mail the customer a satisfaction rating request.",
    )
    complaint_rating_template_id = fields.Many2one(
        "mail.template",
        string="Rating Request Template",
        domain=[("model", "=", "quality.complaint")],
        default=lambda self: self.env.ref(
            "odoo_addon_complaints.mail_template_complaint_rating_request", raise_if_not_found=False
        ),
        help="Mail that asks the customer to rate the handling of a closed complaint.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._complaints_setup_mail()
        return companies

    def _complaints_setup_mail(self):
        """Complaint alias and default templates of companies that have none (install, new company).

        The templates' defaults cannot fill companies that exist before the
        module's data is loaded, so the install hook fills them here.
        """
        self._complaints_ensure_alias()
        ack = self.env.ref(
            "odoo_addon_complaints.mail_template_complaint_acknowledgement", raise_if_not_found=False
        )
        rating = self.env.ref(
            "odoo_addon_complaints.mail_template_complaint_rating_request", raise_if_not_found=False
        )
        for company in self.sudo():
            if ack and not company.complaint_ack_template_id:
                company.complaint_ack_template_id = ack
            if rating and not company.complaint_rating_template_id:
                company.complaint_rating_template_id = rating

    def _complaints_ensure_alias(self):
        """Give each company its complaint alias: ``complaints``, or ``complaints-<id>`` when taken.

        Mails to it create complaints of that company with the channel
        e-mail. Anyone may write to it: customers are not followers.
        """
        alias_model = self.env["mail.alias"].sudo()
        model = self.env["ir.model"]._get("quality.complaint")
        for company in self.sudo().filtered(lambda c: not c.complaint_alias_id).sorted("id"):
            domain = company.alias_domain_id
            name = "complaints"
            if alias_model.search_count([("alias_name", "=", name), ("alias_domain_id", "=", domain.id)]):
                name = f"complaints-{company.id}"
            company.complaint_alias_id = alias_model.create(
                {
                    "alias_name": name,
                    "alias_domain_id": domain.id,
                    "alias_model_id": model.id,
                    "alias_defaults": repr({"company_id": company.id, "channel": "email"}),
                    "alias_contact": "everyone",
                }
            )

    @api.depends("resource_calendar_id.tz", "partner_id.tz")
    def _compute_complaints_tz(self):
        for company in self:
            company.complaints_tz = company._complaints_tz()

    # One place for the company's local calendar day. Odoo stores date-times as
    # naive UTC, but regulators, customers and complaint numbers speak of days:
    # the day is the company's, never the day of the user who happens to click
    # (nor UTC for a cron, the sync agent or an import).

    def _complaints_tz(self):
        """Name of the time zone in which the company's complaint dates are read.

        The working calendar's time zone comes first because reporting and
        complaint deadlines are already counted in working time on that very
        calendar; then the company's address (partner) time zone; then UTC.
        It is the company's, not the vigilance contact's nor the current
        user's: those are people who may work elsewhere or change, and a
        regulator knows the manufacturer, so one company reads one day for an
        event whoever enters it and whenever the agent renders it.
        """
        company = (self[:1] or self.env.company).sudo()
        return company.resource_calendar_id.tz or company.partner_id.tz or "UTC"

    def _complaints_local_datetime(self, value):
        """The aware local date-time, in the company's time zone, of ``value`` (naive UTC)."""
        value = fields.Datetime.to_datetime(value)
        if not value:
            return None
        if value.tzinfo is None:
            value = pytz.utc.localize(value)
        return value.astimezone(pytz.timezone(self._complaints_tz()))

    def _complaints_local_date(self, value):
        """The company's calendar day of ``value``: a naive UTC date-time (a date is kept as it is)."""
        if not value:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        return self._complaints_local_datetime(value).date()

    def _complaints_today(self):
        """Today in the company's time zone."""
        return self._complaints_local_date(fields.Datetime.now())

    def _complaints_to_utc(self, local):
        """The naive UTC date-time of ``local``, a naive wall-clock time in the company's time zone.

        A time skipped by a daylight-saving change (02:30 on the spring-forward
        night in Europe) is read as standard time, an ambiguous one (the
        repeated hour in autumn) as the standard-time one, so the calendar day
        stays the one asked for.
        """
        tz = pytz.timezone(self._complaints_tz())
        return tz.normalize(tz.localize(local, is_dst=False)).astimezone(pytz.utc).replace(tzinfo=None)

    def _complaints_format_datetime(self, value):
        """``value`` (naive UTC) as the company's wall-clock time, for messages written by crons.

        ``2026-12-18 00:30 (Europe/Brussels)``: not the UTC time, and the zone
        is named because the reader may live in another one.
        """
        if not value:
            return ""
        local = self._complaints_local_datetime(value)
        return f"{local:%Y-%m-%d %H:%M} ({local.tzinfo.zone})"
