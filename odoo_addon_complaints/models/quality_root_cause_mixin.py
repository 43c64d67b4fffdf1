# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

CAUSE_KINDS = [
    ("occurrence", "Occurrence (why it was made)"),
    ("non_detection", "Non-Detection (why it escaped)"),
]
CAUSE_LEVELS = [("technical", "Technical"), ("systemic", "Systemic")]


class QualityRootCauseMixin(models.AbstractModel):
    """A D4 root cause: occurrence or non-detection, technical or systemic.

    Our own 8D's causes and the causes a supplier answers on a SCAR are the
    same thing; a partner's codes for them (Catena-X TUA, TUN, SUA, SUN) are
    the mappings' business, never the model's.
    """

    _name = "quality.root.cause.mixin"
    _description = "Root Cause (Occurrence / Non-Detection, Technical / Systemic)"

    sequence = fields.Integer(default=10, help="Order of the causes.")
    cause_kind = fields.Selection(
        CAUSE_KINDS,
        required=True,
        help="Whether the cause explains why the defect was made or why it was not detected.",
    )
    cause_level = fields.Selection(
        CAUSE_LEVELS,
        required=True,
        default="technical",
        help="Technical causes lie in product or process; systemic ones in the management system.",
    )
    description = fields.Text(required=True, help="The root cause.")
    date_clarified = fields.Date(string="Clarified On", help="When the cause was (or is to be) clarified.")
    verification = fields.Text(help="How the cause was verified.")
