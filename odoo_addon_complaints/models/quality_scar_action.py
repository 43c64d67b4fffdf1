# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .quality_scar_answer_mixin import ANSWER_ROW_PORTAL_FIELDS

#: the 8D steps whose actions a supplier answers
ACTION_STEPS = [("D5", "D5 Corrective Action"), ("D6", "D6 Implementation"), ("D7", "D7 Prevention")]
ACTION_STATUSES = [("open", "Open"), ("in_progress", "In Progress"), ("done", "Done")]


class QualityScarAction(models.Model):
    """A D5-D7 action the supplier answered: what, who, by when, for which step."""

    _name = "quality.scar.action"
    _inherit = ["quality.scar.answer.mixin"]
    _description = "Supplier's Action"
    _portal_readable_fields = ANSWER_ROW_PORTAL_FIELDS | frozenset(
        {"eight_d_step", "name", "responsible", "date_planned", "status", "proof", "effectiveness"}
    )

    eight_d_step = fields.Selection(
        ACTION_STEPS, string="8D Step", required=True, help="Discipline of the 8D the action belongs to."
    )
    name = fields.Text(string="Action", required=True, help="What the supplier does.")
    responsible = fields.Char(help="Who at the supplier carries the action out.")
    date_planned = fields.Date(
        string="Due / Implemented On",
        help="When the action is due, or, once done, when it was implemented.",
    )
    status = fields.Selection(
        ACTION_STATUSES, default="open", help="How far the supplier says the action is."
    )
    proof = fields.Text(string="Proof of Effectiveness", help="How the supplier shows that it works.")
    effectiveness = fields.Integer(help="How effective the supplier found the action, 0-100 %.")
    capa_id = fields.Many2one(
        "quality.capa",
        string="Our CAPA",
        readonly=True,
        ondelete="set null",
        help="The CAPA of our 8D this accepted action was copied into.",
    )
