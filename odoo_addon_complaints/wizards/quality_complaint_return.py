# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero


class QualityComplaintReturn(models.TransientModel):
    _name = "quality.complaint.return"
    _description = "Complaint Customer Return"

    complaint_id = fields.Many2one(
        "quality.complaint", required=True, ondelete="cascade", help="Complaint to return goods for."
    )
    line_ids = fields.One2many(
        "quality.complaint.return.line", "wizard_id", string="Lines", help="Quantities to return."
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if values.get("complaint_id") and "line_ids" in fields_list:
            values["line_ids"] = self._default_line_commands(values["complaint_id"])
        return values

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("complaint_id") and "line_ids" not in vals:
                vals["line_ids"] = self._default_line_commands(vals["complaint_id"])
        return super().create(vals_list)

    @api.model
    def _default_line_commands(self, complaint_id):
        """One line per affected line with a delivery, for what is complained and not yet returned."""
        complaint = self.env["quality.complaint"].browse(complaint_id)
        return [
            Command.create(
                {
                    "complaint_line_id": line.id,
                    "quantity": max(line.qty_complained - line.qty_return_expected - line.qty_returned, 0),
                }
            )
            for line in complaint.line_ids
            if line.move_line_ids
        ]

    def action_create_returns(self):
        """Create one return per original delivery through Odoo's return wizard.

        The return moves are limited to the quantities asked for and carry the
        complained lots, so the warehouse receives exactly those into quarantine.
        """
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda line: not float_is_zero(line.quantity, precision_rounding=line.uom_id.rounding or 0.01)
        )
        if not lines:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: enter a quantity to return.", complaint=self.complaint_id.name
                )
            )
        lines._check_returnable()
        by_move = defaultdict(list)
        for line in lines:
            line._allocate_to_delivered_moves(by_move)
        returns = self.env["stock.picking"]
        for picking, move_quantities in self._group_by_picking(by_move).items():
            returns |= self._create_return_for(picking, move_quantities)
        self.complaint_id._note_stock_action(
            self.env._("Customer return created: %s", ", ".join(returns.mapped("name")))
        )
        return self.complaint_id._action_view_records(returns, self.env._("Returns"))

    @staticmethod
    def _group_by_picking(by_move):
        grouped = defaultdict(dict)
        for move, lot_quantities in by_move.items():
            grouped[move.picking_id][move] = lot_quantities
        return grouped

    def _create_return_for(self, picking, move_quantities):
        warehouse = picking.picking_type_id.warehouse_id
        if not warehouse.complaint_return_type_id or not warehouse.complaint_quarantine_location_id:
            warehouse._create_complaint_quarantine_data()
        return_wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_ids=picking.ids, active_model="stock.picking")
            .create({"picking_id": picking.id, "complaint_id": self.complaint_id.id})
        )
        for return_line in return_wizard.product_return_moves:
            lot_quantities = move_quantities.get(return_line.move_id, [])
            return_line.quantity = sum(quantity for _lot, quantity in lot_quantities)
        return_picking = return_wizard._create_return()
        for move in return_picking.move_ids:
            lot_quantities = move_quantities.get(move.origin_returned_move_id, [])
            move.move_line_ids.unlink()
            self.env["stock.move.line"].create(
                [
                    {
                        "move_id": move.id,
                        "picking_id": return_picking.id,
                        "product_id": move.product_id.id,
                        "product_uom_id": move.product_uom.id,
                        "lot_id": lot.id,
                        "quantity": quantity,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                    for lot, quantity in lot_quantities
                ]
            )
            move.picked = False
        return return_picking


class QualityComplaintReturnLine(models.TransientModel):
    _name = "quality.complaint.return.line"
    _description = "Complaint Customer Return Line"

    wizard_id = fields.Many2one("quality.complaint.return", required=True, ondelete="cascade", help="Return.")
    complaint_line_id = fields.Many2one(
        "quality.complaint.line", required=True, ondelete="cascade", help="Affected line to return."
    )
    product_id = fields.Many2one(related="complaint_line_id.product_id", help="Product to return.")
    lot_id = fields.Many2one(related="complaint_line_id.lot_id", help="Lot to return.")
    uom_id = fields.Many2one(related="complaint_line_id.uom_id", help="Unit.")
    qty_returnable = fields.Float(
        string="Returnable",
        compute="_compute_qty_returnable",
        digits="Product Unit of Measure",
        help="Delivered quantity of this lot not yet returned or on a return.",
    )
    quantity = fields.Float(
        string="To Return", digits="Product Unit of Measure", help="Quantity the customer sends back."
    )

    @api.depends("complaint_line_id")
    def _compute_qty_returnable(self):
        for line in self:
            complaint_line = line.complaint_line_id
            line.qty_returnable = max(complaint_line.qty_delivered - line._already_returned(), 0.0)

    def _already_returned(self):
        """Quantity of the delivered moves already on a return (any return, done or not)."""
        moves = self.complaint_line_id.move_line_ids.move_id
        return_lines = moves.returned_move_ids.filtered(lambda m: m.state != "cancel").move_line_ids
        return sum(
            move_line.product_uom_id._compute_quantity(move_line.quantity, self.product_id.uom_id)
            for move_line in return_lines
            if move_line.lot_id == self.lot_id
        )

    def _check_returnable(self):
        for line in self:
            complaint_line = line.complaint_line_id
            if not complaint_line.move_line_ids:
                raise UserError(
                    self.env._(
                        "Complaint %(complaint)s, line %(line)s: no delivery to this customer "
                        "is known, so there is nothing to return against.",
                        complaint=complaint_line.complaint_id.name,
                        line=complaint_line._line_label(),
                    )
                )
            rounding = line.uom_id.rounding or 0.01
            if float_compare(line.quantity, line.qty_returnable, precision_rounding=rounding) > 0:
                raise UserError(
                    self.env._(
                        "Complaint %(complaint)s, line %(line)s: %(quantity)s cannot be "
                        "returned; only %(returnable)s of what was delivered is not yet "
                        "returned.",
                        complaint=complaint_line.complaint_id.name,
                        line=complaint_line._line_label(),
                        quantity=line.quantity,
                        returnable=line.qty_returnable,
                    )
                )

    def _allocate_to_delivered_moves(self, by_move):
        """Spread the quantity over the delivered move lines of the lot, oldest first."""
        self.ensure_one()
        remaining = self.quantity
        rounding = self.uom_id.rounding or 0.01
        for move_line in self.complaint_line_id.move_line_ids.sorted("date"):
            if float_compare(remaining, 0, precision_rounding=rounding) <= 0:
                break
            already = sum(
                quantity for lot, quantity in by_move.get(move_line.move_id, []) if lot == move_line.lot_id
            )
            available = (
                move_line.product_uom_id._compute_quantity(move_line.quantity, self.product_id.uom_id)
                - already
            )
            quantity = min(available, remaining)
            if quantity > 0:
                by_move[move_line.move_id].append((move_line.lot_id, quantity))
                remaining -= quantity
