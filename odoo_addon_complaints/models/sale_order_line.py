# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        """Create order lines, except sale_stock's lines for complaint replacements.

        While transfers are validated, ``complaint_replacement_move_ids`` in the
        context lists the moves of complaint replacements (see
        ``stock.picking._action_done``). A line whose only moves are such moves
        is the line sale_stock adds for goods delivered outside of the order
        lines: for a replacement it would invoice goods already paid (on
        delivered quantities), or flag an upsell (on ordered quantities), so it
        is not created. The replacement stays one of the order's deliveries.
        """
        replacement_move_ids = set(self.env.context.get("complaint_replacement_move_ids") or ())
        if replacement_move_ids:
            vals_list = [
                vals
                for vals in vals_list
                if not self._complaint_only_replacement_moves(vals, replacement_move_ids)
            ]
        return super().create(vals_list)

    @api.model
    def _complaint_only_replacement_moves(self, vals, replacement_move_ids):
        """Whether the values link the new line to moves of complaint replacements only."""
        move_ids = set()
        for command in vals.get("move_ids") or ():
            if command[0] == Command.LINK:
                move_ids.add(command[1])
            elif command[0] == Command.SET:
                move_ids.update(command[2])
        return bool(move_ids) and move_ids <= replacement_move_ids
