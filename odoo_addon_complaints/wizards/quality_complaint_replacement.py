# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class QualityComplaintReplacement(models.TransientModel):
    """Ship replacement goods for a complaint.

    The replacement is a delivery in the original order's procurement group,
    made by a procurement like Odoo's own exchange on returns, and not a new
    order line: it appears on the order's deliveries (smart button and count)
    and follows the warehouse's routes, but it is neither invoiced again nor
    counted in the order line's delivered quantity, which stays what the
    customer paid for. What it costs goes to the complaint's costs, at the
    product's cost.

    Why not the alternatives:

    * a zero-priced order line still has its quantity to invoice (on delivered
      quantities) or makes the order an upsell (on ordered quantities), and
      puts goods the customer did not buy on the order;
    * a procurement group of its own takes the replacement off the order's
      deliveries, which are the transfers of the order's group.

    So the replacement keeps the order's group, and the order line sale_stock
    would add on validation for goods delivered without one is left out (see
    ``stock.picking._action_done``), whatever the product and its invoicing
    policy, with or without a credit note.
    """

    _name = "quality.complaint.replacement"
    _description = "Complaint Replacement Delivery"

    complaint_id = fields.Many2one(
        "quality.complaint", required=True, ondelete="cascade", help="Complaint to replace goods for."
    )
    complaint_line_id = fields.Many2one(
        "quality.complaint.line",
        string="Affected Line",
        domain="[('complaint_id', '=', complaint_id)]",
        help="Line whose goods are replaced; its order and warehouse are used.",
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain=[("type", "=", "consu")],
        help="Product shipped as replacement: the same or another one.",
    )
    quantity = fields.Float(
        required=True, default=1.0, digits="Product Unit of Measure", help="Quantity to ship."
    )
    tightened_inspection = fields.Boolean(
        help="Flag the delivery for tightened outgoing inspection of the replacement lot."
    )
    reworked = fields.Boolean(
        string="Reworked Goods",
        help="The replacement goods were reworked: the delivery slip marks them (重工品).",
    )

    @api.onchange("complaint_line_id")
    def _onchange_complaint_line_id(self):
        line = self.complaint_line_id
        if line:
            self.product_id = line.product_id
            self.quantity = line.qty_defective or line.qty_complained or 1.0

    def _origin_picking(self):
        line = self.complaint_line_id or self.complaint_id.line_ids[:1]
        return line.picking_id or line.move_line_ids.picking_id[:1]

    def action_create_replacement(self):
        self.ensure_one()
        complaint = self.complaint_id
        if float_compare(self.quantity, 0, precision_rounding=self.product_id.uom_id.rounding) <= 0:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: the replacement quantity must be positive.",
                    complaint=complaint.name,
                )
            )
        origin_picking = self._origin_picking()
        warehouse = origin_picking.picking_type_id.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", complaint.company_id.id)], limit=1
        )
        group = origin_picking.group_id or self.env["procurement.group"].create(
            {"name": complaint.name, "partner_id": complaint.partner_id.id, "move_type": "direct"}
        )
        customer_location = complaint.partner_id.property_stock_customer
        picking_model = self.env["stock.picking"]
        kind_domain = [("complaint_id", "=", complaint.id), ("complaint_picking_kind", "=", "replacement")]
        existing = picking_model.search(kind_domain)
        # A replacement still open takes the new goods in (same group and route):
        # compare the moves, not only the deliveries.
        quantities_before = {move: move.product_uom_qty for move in existing.move_ids}
        values = {
            "group_id": group,
            "warehouse_id": warehouse,
            "partner_id": complaint.partner_id.id,
            "company_id": complaint.company_id,
            "date_planned": fields.Datetime.now(),
            "location_final_id": customer_location,
            "complaint_id": complaint.id,
        }
        self.env["procurement.group"].run(
            [
                self.env["procurement.group"].Procurement(
                    self.product_id,
                    self.quantity,
                    self.product_id.uom_id,
                    customer_location,
                    self.env._("Replacement for %s", complaint.name),
                    complaint.name,
                    complaint.company_id,
                    values,
                )
            ]
        )
        replacements = picking_model.search(kind_domain).filtered(
            lambda picking: any(
                move not in quantities_before or move.product_uom_qty != quantities_before[move]
                for move in picking.move_ids
            )
        )
        if not replacements:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: no delivery route leads %(product)s to the customer "
                    "from warehouse %(warehouse)s.",
                    complaint=complaint.name,
                    product=self.product_id.display_name,
                    warehouse=warehouse.name,
                )
            )
        replacements.write(
            {"complaint_tightened_inspection": self.tightened_inspection, "complaint_reworked": self.reworked}
        )
        complaint._add_replacement_cost(self.product_id, self.quantity)
        complaint._note_stock_action(
            self.env._(
                "Replacement of %(quantity)s %(product)s created: %(pickings)s",
                quantity=self.quantity,
                product=self.product_id.display_name,
                pickings=", ".join(replacements.mapped("name")),
            )
        )
        return complaint._action_view_records(replacements, self.env._("Replacements"))
