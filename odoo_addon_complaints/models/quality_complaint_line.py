# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class QualityComplaintLine(models.Model):
    """One product (and lot) a complaint is about, traced to its delivery."""

    _name = "quality.complaint.line"
    _description = "Complaint Affected Line"
    _order = "complaint_id, sequence, id"
    _check_company_auto = True

    complaint_id = fields.Many2one(
        "quality.complaint",
        required=True,
        ondelete="cascade",
        index=True,
        help="Complaint this line belongs to.",
    )
    sequence = fields.Integer(default=10, help="Order of the lines.")
    company_id = fields.Many2one(
        related="complaint_id.company_id", store=True, index=True, help="Company of the complaint."
    )
    partner_id = fields.Many2one(
        related="complaint_id.commercial_partner_id",
        string="Customer",
        help="Customer entity of the complaint.",
    )
    category_id = fields.Many2one(
        related="complaint_id.category_id",
        store=True,
        index=True,
        string="Category",
        help="Category of the complaint, for repeat-complaint statistics.",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        index=True,
        check_company=True,
        domain="[('partner_id', 'child_of', partner_id), ('state', '=', 'sale')]",
        help="Order the goods were sold on; leave empty when they were bought through a distributor.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        index=True,
        domain="[('order_id', '=', sale_order_id), ('display_type', '=', False)]",
        help="Order line of the complained product.",
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        help="Product complained about.",
    )
    product_tracking = fields.Selection(
        related="product_id.tracking", help="Whether the product is tracked by lot or serial."
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit", help="Unit of the quantities.")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        index=True,
        check_company=True,
        domain="[('product_id', '=', product_id), ('id', 'in', allowed_lot_ids)]",
        help="Lot or serial number of the complained goods.",
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        index=True,
        check_company=True,
        domain="[('id', 'in', allowed_picking_ids)]",
        help="Delivery the goods left with.",
    )
    allowed_lot_ids = fields.Many2many(
        "stock.lot",
        compute="_compute_allowed_delivery_records",
        help="Lots of this product delivered to the customer (on the order, if set).",
    )
    allowed_picking_ids = fields.Many2many(
        "stock.picking",
        compute="_compute_allowed_delivery_records",
        help="Deliveries of this product to the customer (on the order, if set).",
    )
    move_line_ids = fields.Many2many(
        "stock.move.line",
        "quality_complaint_line_move_line_rel",
        "complaint_line_id",
        "move_line_id",
        string="Delivered Move Lines",
        compute="_compute_move_line_ids",
        store=True,
        help="The done stock move lines that delivered these goods to the customer.",
    )
    qty_delivered = fields.Float(
        string="Delivered",
        compute="_compute_qty_delivered",
        store=True,
        digits="Product Unit of Measure",
        help="Quantity really delivered to the customer, from the done deliveries "
        "that match the order, delivery, product and lot.",
    )
    qty_complained = fields.Float(
        string="Complained",
        digits="Product Unit of Measure",
        help="Quantity the customer complains about.",
    )
    qty_defective = fields.Float(
        string="Defective",
        digits="Product Unit of Measure",
        help="Quantity found defective, after checking.",
    )

    # Delivered goods

    def _delivered_move_line_domain(self, with_lot=True, with_picking=True):
        """Done move lines that delivered this line's goods to its customer."""
        self.ensure_one()
        domain = [
            ("state", "=", "done"),
            ("location_dest_id.usage", "=", "customer"),
            ("company_id", "=", self.company_id.id or self.env.company.id),
        ]
        if self.partner_id:
            domain.append(("picking_id.partner_id", "child_of", self.partner_id.id))
        if self.product_id:
            domain.append(("product_id", "=", self.product_id.id))
        if self.sale_line_id:
            domain.append(("move_id.sale_line_id", "=", self.sale_line_id.id))
        elif self.sale_order_id:
            domain.append(("move_id.sale_line_id.order_id", "=", self.sale_order_id.id))
        if with_picking and self.picking_id:
            domain.append(("picking_id", "=", self.picking_id.id))
        if with_lot and self.lot_id:
            domain.append(("lot_id", "=", self.lot_id.id))
        return domain

    def _is_traced_to_delivery(self):
        """Whether the line names an order or a delivery to check quantities against."""
        return bool(self.sale_order_id or self.picking_id)

    @api.depends("partner_id", "product_id", "sale_order_id", "sale_line_id")
    def _compute_allowed_delivery_records(self):
        # The form of a complaint computes all its lines at once: the lines that
        # name an order line (or an order) share one search by order lines (or
        # orders), selective whatever the customer's history, split per line in
        # Python with the same rules as _delivered_move_line_domain; the others
        # keep one search each.
        move_line_model = self.env["stock.move.line"].sudo()
        lot_model = self.env["stock.lot"].sudo()
        empty = move_line_model.browse()
        traced = {}
        for line in self:
            if not line.partner_id or not line.product_id:
                line.allowed_lot_ids = False
                line.allowed_picking_ids = False
            elif line.sale_line_id or line.sale_order_id:
                traced.setdefault(line.company_id.id or self.env.company.id, []).append(line)
            else:
                move_lines = move_line_model.search(
                    line._delivered_move_line_domain(with_lot=False, with_picking=False)
                )
                line.allowed_picking_ids = move_lines.picking_id
                # Bought through a distributor: any lot of the product is possible.
                line.allowed_lot_ids = lot_model.search([("product_id", "=", line.product_id.id)])
        for company_id, lines in traced.items():
            base = [
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
                ("company_id", "=", company_id),
            ]
            sale_lines = self.env["sale.order.line"].union(*(line.sale_line_id for line in lines))
            orders = self.env["sale.order"].union(
                *(line.sale_order_id for line in lines if not line.sale_line_id)
            )
            found = empty
            if sale_lines:
                found |= move_line_model.search([*base, ("move_id.sale_line_id", "in", sale_lines.ids)])
            if orders:
                found |= move_line_model.search([*base, ("move_id.sale_line_id.order_id", "in", orders.ids)])
            customers = {}
            for line in lines:
                partner = line.partner_id
                if partner not in customers:
                    customers[partner] = (
                        self.env["res.partner"]
                        .sudo()
                        .with_context(active_test=False)
                        .search([("id", "child_of", partner.id)])
                    )
                mine = found.filtered(
                    lambda move_line, line=line, partners=customers[partner]: (
                        move_line.picking_id.partner_id in partners and line._delivers_line(move_line)
                    )
                )
                line.allowed_picking_ids = mine.picking_id
                line.allowed_lot_ids = mine.lot_id

    def _delivers_line(self, move_line):
        """Whether ``move_line`` has this line's product and order line (or order)."""
        if move_line.product_id != self.product_id:
            return False
        if self.sale_line_id:
            return move_line.move_id.sale_line_id == self.sale_line_id
        if self.sale_order_id:
            return move_line.move_id.sale_line_id.order_id == self.sale_order_id
        return True

    @api.depends(
        "complaint_id.commercial_partner_id",
        "product_id",
        "lot_id",
        "sale_order_id",
        "sale_line_id",
        "picking_id",
    )
    def _compute_move_line_ids(self):
        move_line_model = self.env["stock.move.line"].sudo()
        for line in self:
            if (
                not line.product_id
                or not line.partner_id
                or not (line._is_traced_to_delivery() or line.lot_id)
            ):
                line.move_line_ids = False
                continue
            line.move_line_ids = move_line_model.search(line._delivered_move_line_domain())

    @api.depends("move_line_ids", "product_id")
    def _compute_qty_delivered(self):
        for line in self:
            total = 0.0
            for move_line in line.move_line_ids.sudo():
                total += move_line.product_uom_id._compute_quantity(
                    move_line.quantity, line.product_id.uom_id
                )
            line.qty_delivered = total

    # Onchanges

    @api.onchange("sale_line_id")
    def _onchange_sale_line_id(self):
        if self.sale_line_id:
            self.product_id = self.sale_line_id.product_id

    @api.onchange("sale_order_id")
    def _onchange_sale_order_id(self):
        if self.sale_line_id and self.sale_line_id.order_id != self.sale_order_id:
            self.sale_line_id = False
        if self.sale_order_id and self.picking_id not in self.sale_order_id.picking_ids:
            self.picking_id = False

    @api.onchange("picking_id")
    def _onchange_picking_id(self):
        if self.picking_id and not self.sale_order_id and self.picking_id.sale_id:
            self.sale_order_id = self.picking_id.sale_id

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.lot_id and self.lot_id.product_id != self.product_id:
            self.lot_id = False

    # Constraints

    def _line_label(self):
        self.ensure_one()
        label = self.product_id.display_name
        if self.lot_id:
            label = f"{label} / {self.lot_id.name}"
        return label

    def _quantity_problem(self):
        """The first quantity or lot rule this line breaks, as ``(field name, explanation)``, else None.

        One list of rules for every client: the constraint below refuses a
        saved line with it, and the customer portal checks each line a
        customer typed with it (on a new record) before registering anything,
        to show the error beside the right field of the right line.
        """
        self.ensure_one()
        rounding = self.product_id.uom_id.rounding or 0.01
        if self.qty_complained < 0 or self.qty_defective < 0:
            field = "qty_complained" if self.qty_complained < 0 else "qty_defective"
            return field, self.env._("quantities cannot be negative.")
        if float_compare(self.qty_defective, self.qty_complained, precision_rounding=rounding) > 0:
            return "qty_defective", self.env._(
                "the defective quantity (%(defective)s) cannot exceed the complained quantity (%(complained)s).",
                defective=self.qty_defective,
                complained=self.qty_complained,
            )
        if not self._is_traced_to_delivery():
            return None
        if self.lot_id and not self.move_line_ids:
            return "lot_id", self.env._(
                "lot %(lot)s was never delivered to %(customer)s on %(reference)s.",
                lot=self.lot_id.name,
                customer=self.partner_id.display_name,
                reference=(self.picking_id or self.sale_order_id).display_name,
            )
        if float_compare(self.qty_complained, self.qty_delivered, precision_rounding=rounding) > 0:
            return "qty_complained", self.env._(
                "the complained quantity (%(complained)s) exceeds the quantity delivered to the customer "
                "(%(delivered)s).",
                complained=self.qty_complained,
                delivered=self.qty_delivered,
            )
        return None

    @api.constrains(
        "qty_complained",
        "qty_defective",
        "product_id",
        "lot_id",
        "sale_order_id",
        "sale_line_id",
        "picking_id",
    )
    def _check_quantities(self):
        for line in self:
            problem = line._quantity_problem()
            if problem:
                raise ValidationError(
                    self.env._(
                        "Complaint %(complaint)s, line %(line)s: %(problem)s",
                        complaint=line.complaint_id.name,
                        line=line._line_label(),
                        problem=problem[1],
                    )
                )

    @api.depends("product_id", "lot_id", "sale_order_id")
    def _compute_display_name(self):
        for line in self:
            label = line._line_label() if line.product_id else self.env._("New line")
            if line.sale_order_id:
                label = f"{label} ({line.sale_order_id.name})"
            line.display_name = label
