# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import models


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "quality.complaint.link.mixin"]

    def _complaint_domain(self):
        return [("line_ids.lot_id", "=", self.id)]

    def _complaint_whereabouts(self):
        """Where the goods of these lots are: on hand, in transit and at customers.

        Returns a list of dicts with kind (on_hand, in_transit,
        at_customer), lot, product, quantity and, depending on the
        kind, location, picking or partner (the commercial entity).
        Quantities at customers are net of what they returned. Each kind is one
        grouped query, so the cost grows with the lots' own movements, not with
        the size of the stock history.
        """
        if not self:
            return []
        rows = []
        quants = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [("lot_id", "in", self.ids), ("location_id.usage", "=", "internal"), ("quantity", ">", 0)],
                ["lot_id", "location_id"],
                ["quantity:sum"],
            )
        )
        for lot, location, quantity in quants:
            rows.append(
                {
                    "kind": "on_hand",
                    "lot": lot,
                    "product": lot.product_id,
                    "location": location,
                    "quantity": quantity,
                }
            )
        move_lines = self.env["stock.move.line"].sudo()
        in_transit = move_lines._read_group(
            [
                ("lot_id", "in", self.ids),
                ("state", "not in", ("done", "cancel")),
                ("picking_id", "!=", False),
            ],
            ["lot_id", "picking_id"],
            ["quantity:sum"],
        )
        for lot, picking, quantity in in_transit:
            rows.append(
                {
                    "kind": "in_transit",
                    "lot": lot,
                    "product": lot.product_id,
                    "picking": picking,
                    "location": picking.location_dest_id,
                    "partner": picking.partner_id.commercial_partner_id,
                    "quantity": quantity,
                }
            )
        at_customer = defaultdict(float)
        for sign, usage_field in ((1, "location_dest_id.usage"), (-1, "location_id.usage")):
            grouped = move_lines._read_group(
                [("lot_id", "in", self.ids), ("state", "=", "done"), (usage_field, "=", "customer")],
                ["lot_id", "picking_id"],
                ["quantity:sum"],
            )
            for lot, picking, quantity in grouped:
                at_customer[lot, picking.partner_id.commercial_partner_id] += sign * quantity
        for (lot, partner), quantity in at_customer.items():
            if quantity > 0:
                rows.append(
                    {
                        "kind": "at_customer",
                        "lot": lot,
                        "product": lot.product_id,
                        "partner": partner,
                        "quantity": quantity,
                    }
                )
        return rows
