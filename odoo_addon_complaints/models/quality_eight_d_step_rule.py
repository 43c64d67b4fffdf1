# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .quality_eight_d import EIGHT_D_STEPS


class QualityEightDStepRule(models.Model):
    _name = "quality.eight.d.step.rule"
    _inherit = "quality.duration.mixin"
    _description = "8D Step Due Time"
    _order = "code"

    code = fields.Selection(EIGHT_D_STEPS, string="Step", required=True, help="Step the due time applies to.")

    _sql_constraints = [("code_unique", "unique(code)", "Each step has one default due time.")]
