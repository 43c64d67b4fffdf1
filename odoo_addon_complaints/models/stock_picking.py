# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "quality.complaint.link.mixin"]

    complaint_id = fields.Many2one(
        "quality.complaint",
        index="btree_not_null",
        copy=False,
        help="Complaint this return, replacement or quarantine transfer was made for.",
    )
    complaint_picking_kind = fields.Selection(
        [
            ("return", "Customer Return"),
            ("replacement", "Replacement"),
            ("quarantine", "Quarantine Transfer"),
        ],
        string="Complaint Transfer",
        copy=False,
        help="What the transfer does for its complaint.",
    )
    complaint_tightened_inspection = fields.Boolean(
        string="Tightened Inspection",
        copy=False,
        help="Outgoing inspection of this replacement must be tightened before it ships.",
    )
    complaint_reworked = fields.Boolean(
        string="Reworked Goods",
        copy=False,
        help="The goods were reworked; the delivery slip marks them as reworked goods (重工品).",
    )

    def _complaint_domain(self):
        return [
            "|",
            "|",
            ("id", "=", self.complaint_id.id),
            ("line_ids.picking_id", "=", self.id),
            ("line_ids.move_line_ids.picking_id", "=", self.id),
        ]

    def _complaint_default_context(self):
        return {"default_partner_id": self.partner_id.id}

    def _create_backorder_picking(self):
        """Keep the backorder of a complaint's transfer the complaint's, of the same kind.

        The complaint fields are not copied with a transfer, but a backorder
        ships or receives the rest of the same goods: it counts among the
        complaint's returns, replacements or quarantine transfers, and a
        replacement's backorder keeps the inspection and rework flags.
        """
        backorder = super()._create_backorder_picking()
        if self.complaint_id:
            backorder.write(
                {
                    "complaint_id": self.complaint_id.id,
                    "complaint_picking_kind": self.complaint_picking_kind,
                    "complaint_tightened_inspection": self.complaint_tightened_inspection,
                    "complaint_reworked": self.complaint_reworked,
                }
            )
        return backorder

    def _action_done(self):
        """Validate the transfers; a replacement adds nothing to invoice to its order.

        sale_stock adds a line to the order of the procurement group for every
        move it delivers (or takes back for a refund) without an order line: an
        extra delivery the customer pays for, at the order's price on delivered
        quantities. A complaint replacement ships in the order's procurement
        group on purpose, so that the order keeps showing it among its
        deliveries; but its goods were paid with the replaced ones. The moves of
        replacements are handed down in the context, and the order line
        creation leaves them out (see ``sale.order.line.create``).
        """
        replacement_moves = self.move_ids._complaint_replacement_moves()
        if not replacement_moves:
            return super()._action_done()
        pickings = self.with_context(complaint_replacement_move_ids=replacement_moves.ids)
        return super(StockPicking, pickings)._action_done()
