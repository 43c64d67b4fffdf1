# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields, models

from .quality_complaint_stage import DEADLINE_KINDS


class QualityComplaintDeadlineRule(models.Model):
    _name = "quality.complaint.deadline.rule"
    _description = "Complaint Deadline Rule"
    _order = "severity_id, kind"

    severity_id = fields.Many2one(
        "quality.complaint.severity",
        required=True,
        ondelete="cascade",
        index=True,
        help="Severity level this due time belongs to.",
    )
    kind = fields.Selection(
        DEADLINE_KINDS,
        string="Deadline",
        required=True,
        help="Step of the complaint that must be done in time.",
    )
    duration = fields.Float(
        required=True, help="How long the step may take after receipt."
    )
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
        (
            "severity_kind_unique",
            "unique(severity_id, kind)",
            "A severity level has at most one rule per deadline.",
        ),
        ("duration_positive", "check(duration >= 0)", "A duration cannot be negative."),
    ]

    def _compute_due_date(self, start, calendar):
        """Return the due datetime (naive UTC) of this rule for a complaint received at ``start``.

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
