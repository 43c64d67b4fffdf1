# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    complaint_id = fields.Many2one(
        "quality.complaint",
        index="btree_not_null",
        copy=False,
        help="Complaint this return, replacement or quarantine move was made for.",
    )

    def _search_picking_for_assignation_domain(self):
        # A replacement never joins an open delivery of the order, nor the reverse:
        # its flags (tightened inspection, reworked goods) belong to it alone.
        return super()._search_picking_for_assignation_domain() + [
            ("complaint_id", "=", self.complaint_id.id)
        ]

    def _get_new_picking_values(self):
        values = super()._get_new_picking_values()
        complaint = self.complaint_id[:1]
        if complaint:
            values["complaint_id"] = complaint.id
            values["complaint_picking_kind"] = "replacement"
        return values

    def _prepare_procurement_values(self):
        values = super()._prepare_procurement_values()
        if self.complaint_id:
            values["complaint_id"] = self.complaint_id.id
        return values

    def _prepare_move_split_vals(self, qty):
        # The rest of a complaint's move, split off into a backorder, is still
        # the complaint's: it is found from the complaint and, for a
        # replacement, still not invoiced.
        values = super()._prepare_move_split_vals(qty)
        if self.complaint_id:
            values["complaint_id"] = self.complaint_id.id
        return values

    def _complaint_replacement_moves(self):
        """The moves of ``self`` that ship a complaint replacement or bring such goods back.

        A move belongs to a replacement when its transfer is a complaint
        replacement, or when it returns (directly or through earlier returns) a
        move of one. The customer paid for these goods with the replaced ones:
        they are neither invoiced when shipped nor credited when returned.
        """

        def is_replacement(move):
            while move:
                if move.complaint_id and move.picking_id.complaint_picking_kind == "replacement":
                    return True
                move = move.origin_returned_move_id
            return False

        return self.filtered(is_replacement)
