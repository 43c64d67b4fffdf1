# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .quality_scar_answer_mixin import ANSWER_ROW_PORTAL_FIELDS

#: where suspect stock is contained: the supplier's own stock and work in progress,
#: what is on its way, and what already reached the customer (sorting on site)
CONTAINMENT_PLACES = [
    ("supplier_stock", "Supplier: Finished Goods"),
    ("supplier_wip", "Supplier: Work in Progress"),
    ("in_transit", "In Transit"),
    ("customer", "At the Customer"),
    ("other", "Elsewhere"),
]


class QualityScarContainment(models.Model):
    """A D3 containment action the supplier answered: what was done, where, how much was sorted."""

    _name = "quality.scar.containment"
    _inherit = ["quality.scar.answer.mixin"]
    _description = "Supplier's Containment Action"
    _portal_readable_fields = ANSWER_ROW_PORTAL_FIELDS | frozenset(
        {
            "name",
            "place",
            "qty_checked",
            "qty_nonconforming",
            "responsible",
            "date_introduced",
            "proof",
            "method",
            "risk",
            "effectiveness",
        }
    )

    name = fields.Text(
        string="Containment Action",
        help="What the supplier did to stop suspect parts flowing on (sorting, blocking, extra inspection).",
    )
    place = fields.Selection(
        CONTAINMENT_PLACES,
        string="Where",
        help="Which stock the action covers: at the supplier, in transit or already at the customer.",
    )
    qty_checked = fields.Float(
        string="Checked", digits="Product Unit of Measure", help="How many parts the supplier checked."
    )
    qty_nonconforming = fields.Float(
        string="Nonconforming Found",
        digits="Product Unit of Measure",
        help="How many of the checked parts were nonconforming.",
    )
    responsible = fields.Char(help="Who at the supplier carries the action out.")
    date_introduced = fields.Date(string="Introduced On", help="When the action took effect.")
    proof = fields.Text(string="Proof of Effectiveness", help="How the supplier shows that the action works.")
    method = fields.Char(string="Check Method", help="How the supplier checked the action's effectiveness.")
    risk = fields.Text(help="Risk the action itself brings, as the supplier judges it.")
    effectiveness = fields.Integer(help="How effective the supplier found the action, 0-100 %.")
    eight_d_id = fields.Many2one(
        "quality.eight.d",
        string="Our 8D",
        readonly=True,
        ondelete="set null",
        help="The 8D whose containment this accepted action was added to.",
    )

    @api.constrains("name", "proof", "qty_checked", "qty_nonconforming")
    def _check_containment(self):
        for row in self:
            if not (row.name or "").strip() and not (row.proof or "").strip():
                raise ValidationError(
                    self.env._(
                        "SCAR %(scar)s: a containment action says what was done or how it was proven.",
                        scar=row.scar_id.name,
                    )
                )
            if row.qty_checked < 0 or row.qty_nonconforming < 0:
                raise ValidationError(
                    self.env._(
                        "SCAR %(scar)s: containment quantities cannot be negative.", scar=row.scar_id.name
                    )
                )
            if row.qty_checked and row.qty_nonconforming > row.qty_checked:
                raise ValidationError(
                    self.env._(
                        "SCAR %(scar)s: more parts found nonconforming (%(found)s) than checked (%(checked)s).",
                        scar=row.scar_id.name,
                        found=row.qty_nonconforming,
                        checked=row.qty_checked,
                    )
                )

    @api.depends("name", "proof", "place")
    def _compute_display_name(self):
        places = dict(self._fields["place"]._description_selection(self.env))
        for row in self:
            text = ((row.name or row.proof or "").strip().splitlines() or [""])[0]
            row.display_name = f"{places[row.place]}: {text}" if row.place else text
