# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

import pytz

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
    market_id = fields.Many2one("quality.regulatory.market", required=True, ondelete="cascade", help="Market the rule applies in.")
    sequence = fields.Integer(default=10, help="Order in lists.")
    event_class = fields.Selection(
        EVENT_CLASSES, help="Event class the rule applies to; empty: every class (with remedial action only, say)."
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

    def _report_due_date(self, awareness, calendar):
        """Due date of the report for an event known since ``awareness`` (naive UTC).

        Laws count days after the day of awareness: calendar days and hours run
        from the awareness itself, work days from the end of the awareness day,
        so five work days from a Friday end on the next Friday.
        """
        self.ensure_one()
        if self.unit not in ("working_days", "working_hours") or not calendar:
            return self._compute_due_date(awareness, calendar)
        tz = pytz.timezone(calendar.tz or "UTC")
        local_day = pytz.utc.localize(awareness).astimezone(tz).date()
        next_midnight = tz.localize(datetime.combine(local_day + timedelta(days=1), time.min))
        return self._compute_due_date(next_midnight.astimezone(pytz.utc).replace(tzinfo=None), calendar)
