# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields, models


class QualityDurationMixin(models.AbstractModel):
    """A due time: so many working or calendar hours or days after a start.

    Complaint deadlines and 8D step due dates are both planned this way, on
    the company's working calendar with its public holidays.
    """

    _name = "quality.duration.mixin"
    _description = "Due Time Rule"

    duration = fields.Float(required=True, help="How long the step may take.")
    unit = fields.Selection(
        [
            ("working_hours", "Working Hours"),
            ("working_days", "Working Days"),
            ("hours", "Hours"),
            ("days", "Calendar Days"),
        ],
        required=True,
        default="working_days",
        help="Working hours and days follow the company's working calendar and "
        "skip its public holidays; a working day counts as the calendar's "
        "average hours per day.",
    )

    _sql_constraints = [
        ("duration_positive", "check(duration >= 0)", "A duration cannot be negative."),
    ]

    def _compute_due_date(self, start, calendar):
        """Return the due datetime (naive UTC) for a step starting at ``start``.

        Working time is planned on ``calendar`` with its global leaves (public
        holidays); without a calendar, working time falls back to calendar time.
        """
        self.ensure_one()
        if self.unit == "hours" or (self.unit == "working_hours" and not calendar):
            return start + timedelta(hours=self.duration)
        if self.unit == "days" or not calendar:
            return start + timedelta(days=self.duration)
        hours = self.duration
        if self.unit == "working_days":
            hours = self.duration * (calendar.hours_per_day or 8.0)
        if not hours:
            return start
        return calendar.plan_hours(hours, start, compute_leaves=True) or start
