# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityEightDIsNot(models.Model):
    _name = "quality.eight.d.is.not"
    _description = "8D IS / IS NOT"

    eight_d_id = fields.Many2one(
        "quality.eight.d", required=True, ondelete="cascade", index=True, help="8D report."
    )
    dimension = fields.Selection(
        [("what", "What"), ("where", "Where"), ("when", "When"), ("extent", "How Much")],
        required=True,
        help="Dimension of the comparison.",
    )
    is_text = fields.Text(string="IS", help="Where, when, what the problem is.")
    is_not_text = fields.Text(string="IS NOT", help="Where, when, what it could be but is not.")
