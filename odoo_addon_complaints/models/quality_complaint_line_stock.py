# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class QualityComplaintLine(models.Model):
    """Returned quantities of an affected line, from the complaint's return transfers."""

    _inherit = "quality.complaint.line"

    qty_return_expected = fields.Float(
        string="Return Expected",
        compute="_compute_return_quantities",
        digits="Product Unit of Measure",
        help="Quantity on complaint returns not yet received.",
    )
    qty_returned = fields.Float(
        string="Returned",
        compute="_compute_return_quantities",
        digits="Product Unit of Measure",
        help="Quantity received back from the customer into quarantine.",
    )

    def _invoiced_sale_lines(self):
        """Order lines that sold these goods: the chosen one, else those of the delivery."""
        self.ensure_one()
        return self.sale_line_id or self.move_line_ids.move_id.sale_line_id

    def _sale_lines_for_credit(self):
        return self.env["sale.order.line"].union(*(line._invoiced_sale_lines() for line in self))

    def _return_move_lines(self):
        """Move lines of this complaint's returns that bring back this line's goods."""
        self.ensure_one()
        return self._return_move_lines_by_line()[self]

    def _return_move_lines_by_line(self):
        """{line: move lines of its complaint's returns that bring back its goods}, one search for all."""
        returns = empty = self.env["stock.move.line"].sudo()
        saved = self.filtered(lambda line: line.id and line.move_line_ids)
        if saved:
            returns = returns.search(
                [
                    ("move_id.complaint_id", "in", saved.complaint_id.ids),
                    ("move_id.origin_returned_move_id", "in", saved.move_line_ids.move_id.ids),
                    ("product_id", "in", saved.product_id.ids),
                    ("state", "!=", "cancel"),
                ]
            )
        return {
            line: returns.filtered(
                lambda move_line, line=line: (
                    move_line.move_id.complaint_id == line.complaint_id
                    and move_line.move_id.origin_returned_move_id in line.move_line_ids.move_id
                    and move_line.product_id == line.product_id
                    and move_line.lot_id == line.lot_id
                )
            )
            if line in saved
            else empty
            for line in self
        }

    @api.depends("move_line_ids", "complaint_id.complaint_picking_ids.state")
    def _compute_return_quantities(self):
        # the form computes a complaint's lines at once: one search for all of them
        returns_by_line = self._return_move_lines_by_line()
        for line in self:
            expected = returned = 0.0
            if line.id:
                mine = returns_by_line[line]
                for move_line in mine:
                    quantity = move_line.product_uom_id._compute_quantity(
                        move_line.quantity, line.product_id.uom_id
                    )
                    if move_line.state == "done":
                        returned += quantity
                    else:
                        expected += quantity
            line.qty_return_expected = expected
            line.qty_returned = returned
