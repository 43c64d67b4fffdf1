# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

from odoo import fields, models

EVENT_CLASSES = [
    ("serious_public_health_threat", "Serious Public Health Threat"),
    ("death", "Death"),
    ("serious_injury", "Serious Injury or Deterioration"),
    ("malfunction", "Malfunction That Could Cause Serious Harm"),
    ("group_event", "Group Event"),
]


class QualityRegulatoryRule(models.Model):
    """How long after awareness a report is due, per market and event class.

    Seeded from EU MDR Art. 87, 21 CFR 803 and China's adverse-event measures;
    regulatory managers change them as the law or guidance changes.
    """

    _name = "quality.regulatory.rule"
    _description = "Reporting Deadline Rule"
    _inherit = ["quality.duration.mixin"]
    _order = "market_id, sequence, id"

    name = fields.Char(required=True, translate=True, help="What the rule is, as the law puts it.")
    market_id = fields.Many2one(
        "quality.regulatory.market", required=True, ondelete="cascade", help="Market the rule applies in."
    )
    sequence = fields.Integer(default=10, help="Order in lists.")
    event_class = fields.Selection(
        EVENT_CLASSES,
        help="Event class the rule applies to; empty: every class (with remedial action only, say).",
    )
    remedial_action_only = fields.Boolean(
        string="Only with Remedial Action",
        help="Applies only when remedial action is needed to prevent a risk of substantial harm "
        "(US: five work days), or the regulator asked for the report.",
    )
    legal_reference = fields.Char(help="Article or section of the law.")
    active = fields.Boolean(default=True, help="Archived rules are not applied.")

    def _applies_to(self, event_class, remedial_action):
        self.ensure_one()
        if self.remedial_action_only and not remedial_action:
            return False
        return not self.event_class or self.event_class == event_class

    def _report_due_date(self, awareness, company):
        """Due date of the report for an event known to ``company`` since ``awareness`` (naive UTC).

        Laws count days after the day of awareness, and that day is the
        company's local calendar day (``res.company._complaints_tz``): calendar
        days run from the awareness at the same local time of day, whatever
        daylight-saving change lies between, so the due day is the awareness
        day plus the days of the rule; hours are elapsed hours; work days run
        on the company's working calendar from the end of the local awareness
        day, so five work days from a Friday end on the next Friday.
        """
        self.ensure_one()
        calendar = company.resource_calendar_id
        if self.unit == "hours" or (self.unit == "working_hours" and not calendar):
            return self._compute_due_date(awareness, calendar)
        local = company._complaints_local_datetime(awareness).replace(tzinfo=None)
        if self.unit == "days" or not calendar:
            return company._complaints_to_utc(local + timedelta(days=self.duration))
        next_midnight = datetime.combine(local.date() + timedelta(days=1), time.min)
        return self._compute_due_date(company._complaints_to_utc(next_midnight), calendar)
