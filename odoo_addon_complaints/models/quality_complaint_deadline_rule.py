# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .quality_complaint_stage import DEADLINE_KINDS


class QualityComplaintDeadlineRule(models.Model):
    _name = "quality.complaint.deadline.rule"
    _inherit = "quality.duration.mixin"
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

    _sql_constraints = [
        (
            "severity_kind_unique",
            "unique(severity_id, kind)",
            "A severity level has at most one rule per deadline.",
        ),
    ]
