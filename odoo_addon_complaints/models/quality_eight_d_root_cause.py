# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class QualityEightDRootCause(models.Model):
    """A D4 root cause, typed like Catena-X Report8D: occurrence or non-detection, technical or systemic."""

    _name = "quality.eight.d.root.cause"
    _description = "8D Root Cause"
    _order = "eight_d_id, sequence, id"

    eight_d_id = fields.Many2one(
        "quality.eight.d", required=True, ondelete="cascade", index=True, help="8D report."
    )
    sequence = fields.Integer(default=10, help="Order of the causes.")
    cause_kind = fields.Selection(
        [("occurrence", "Occurrence (why it was made)"), ("non_detection", "Non-Detection (why it escaped)")],
        required=True,
        help="Whether the cause explains why the defect was made or why it was not detected.",
    )
    cause_level = fields.Selection(
        [("technical", "Technical"), ("systemic", "Systemic")],
        required=True,
        default="technical",
        help="Technical causes lie in product or process; systemic ones in the management system.",
    )
    catena_x_type = fields.Selection(
        [
            ("technicalOccurrence", "Technical Occurrence"),
            ("technicalNonDetection", "Technical Non-Detection"),
            ("systemicOccurrence", "Systemic Occurrence"),
            ("systemicNonDetection", "Systemic Non-Detection"),
        ],
        compute="_compute_catena_x_type",
        store=True,
        help="The four root-cause types of the Catena-X 8D model.",
    )
    ishikawa = fields.Selection(
        [
            ("man", "Man"),
            ("machine", "Machine"),
            ("material", "Material"),
            ("method", "Method"),
            ("measurement", "Measurement"),
            ("environment", "Environment"),
        ],
        string="Ishikawa (6M)",
        help="Fishbone category of the cause.",
    )
    description = fields.Text(required=True, help="The root cause.")
    why_ids = fields.One2many(
        "quality.eight.d.why", "root_cause_id", string="5 Why", help="The chain of whys."
    )
    verified = fields.Boolean(help="The cause was verified: switching it on and off switches the defect.")
    date_clarified = fields.Date(
        string="Clarified On",
        default=fields.Date.context_today,
        help="When the cause was (or is to be) clarified.",
    )
    verification = fields.Text(help="How the cause was verified.")

    @api.depends("cause_kind", "cause_level")
    def _compute_catena_x_type(self):
        for cause in self:
            if cause.cause_kind and cause.cause_level:
                suffix = "Occurrence" if cause.cause_kind == "occurrence" else "NonDetection"
                cause.catena_x_type = f"{cause.cause_level}{suffix}"
            else:
                cause.catena_x_type = False


class QualityEightDWhy(models.Model):
    _name = "quality.eight.d.why"
    _description = "5 Why"
    _order = "root_cause_id, sequence, id"

    root_cause_id = fields.Many2one(
        "quality.eight.d.root.cause", required=True, ondelete="cascade", index=True, help="Root cause."
    )
    sequence = fields.Integer(default=10, help="Order in the chain.")
    question = fields.Char(string="Why?", required=True, help="The question asked.")
    answer = fields.Char(string="Because", required=True, help="The answer found.")
