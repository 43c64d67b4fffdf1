# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .quality_scar_answer_mixin import ANSWER_ROW_PORTAL_FIELDS


class QualityScarCause(models.Model):
    """A D4 root cause the supplier answered, typed as our own 8D's causes."""

    _name = "quality.scar.cause"
    _inherit = ["quality.root.cause.mixin", "quality.scar.answer.mixin"]
    _description = "Supplier's Root Cause"
    _portal_readable_fields = ANSWER_ROW_PORTAL_FIELDS | frozenset(
        {
            "cause_kind",
            "cause_level",
            "description",
            "date_clarified",
            "verification",
            "verified_by",
            "hypothesis_result",
        }
    )

    verified_by = fields.Char(help="Who at the supplier investigated the cause.")
    hypothesis_result = fields.Text(
        string="Result", help="What the supplier's investigation of the cause found."
    )
    eight_d_cause_id = fields.Many2one(
        "quality.eight.d.root.cause",
        string="Our 8D Cause",
        readonly=True,
        ondelete="set null",
        help="The root cause of our 8D this accepted cause was copied into.",
    )
