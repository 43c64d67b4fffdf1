# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintReturns(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_complaint_user = new_test_user(
            cls.env,
            login="warehouse_complaint_user",
            groups="odoo_addon_complaints.group_complaint_user,stock.group_stock_user",
        )
        cls.quarantine = cls.warehouse.complaint_quarantine_location_id
        cls.complaint = cls._create_complaint_for_class(2)

    @classmethod
    def _create_complaint_for_class(cls, quantity):
        return cls._create_delivered_lot_complaint(
            quantity, line_values={"qty_defective": quantity}, subject="Cracked housings"
        )

    def _return_wizard(self, user=None, quantity=None):
        complaint = self.complaint.with_user(user or self.warehouse_complaint_user)
        action = complaint.action_open_return()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(user or self.warehouse_complaint_user)
            .with_context(**action["context"])
        )
        if quantity is not None:
            with wizard_form.line_ids.edit(0) as line:
                line.quantity = quantity
        return wizard_form.save()

    def test_every_warehouse_has_quarantine_and_operation_types(self):
        self.assertEqual(self.quarantine.usage, "internal")
        self.assertEqual(self.warehouse.complaint_return_type_id.default_location_dest_id, self.quarantine)
        self.assertEqual(self.warehouse.complaint_quarantine_type_id.code, "internal")
        new_warehouse = self.env["stock.warehouse"].create({"name": "Returns Hub", "code": "RHUB"})
        self.assertEqual(
            new_warehouse.complaint_quarantine_location_id.location_id, new_warehouse.view_location_id
        )
        self.assertTrue(new_warehouse.complaint_return_type_id.sequence_id)

    def test_return_of_the_complained_lot_into_quarantine(self):
        wizard = self._return_wizard()
        self.assertEqual(wizard.line_ids.quantity, 2, "defaults to the complained quantity")
        self.assertEqual(wizard.line_ids.qty_returnable, 4)
        wizard.action_create_returns()
        return_picking = self.complaint.complaint_picking_ids
        self.assertEqual(return_picking.complaint_picking_kind, "return")
        self.assertEqual(return_picking.picking_type_id, self.warehouse.complaint_return_type_id)
        self.assertEqual(return_picking.location_dest_id, self.quarantine)
        self.assertEqual(return_picking.return_id, self.picking, "made by Odoo's return of the delivery")
        self.assertEqual(return_picking.move_line_ids.lot_id, self.lot_a)
        self.assertEqual(sum(return_picking.move_line_ids.mapped("quantity")), 2)
        line = self.complaint.line_ids
        self.assertEqual((line.qty_return_expected, line.qty_returned), (2, 0))
        self.assertEqual(self.complaint.return_count, 1)
        self.assertEqual(return_picking.complaint_count, 1)

        return_picking.move_ids.picked = True
        return_picking.button_validate()
        self.assertEqual(return_picking.state, "done")
        line.invalidate_recordset()
        self.assertEqual((line.qty_return_expected, line.qty_returned), (0, 2))
        in_quarantine = self.env["stock.quant"]._get_available_quantity(
            self.product, self.quarantine, lot_id=self.lot_a
        )
        self.assertEqual(in_quarantine, 2)

    def test_returning_more_than_delivered_is_refused(self):
        with self.assertRaisesRegex(UserError, "only 4.0 of what was delivered"):
            self._return_wizard(quantity=5).action_create_returns()
        self._return_wizard(quantity=4).action_create_returns()
        with self.assertRaisesRegex(UserError, "only 0.0 of what was delivered"):
            self._return_wizard(quantity=1).action_create_returns()

    def test_a_line_without_delivery_has_nothing_to_return(self):
        complaint = self.env["quality.complaint"].create(
            {
                "subject": "Bought at a pharmacy",
                "partner_id": self.other_customer.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.product.id, "lot_id": self.lot_c.id, "qty_complained": 1}
                    )
                ],
            }
        )
        wizard = self.env["quality.complaint.return"].create(
            {
                "complaint_id": complaint.id,
                "line_ids": [Command.create({"complaint_line_id": complaint.line_ids.id, "quantity": 1})],
            }
        )
        with self.assertRaisesRegex(UserError, "no delivery to this customer"):
            wizard.action_create_returns()

    def test_returns_need_inventory_rights(self):
        with self.assertRaises(AccessError):
            self._return_wizard(user=self.quality_user).action_create_returns()

    def test_replacement_is_a_delivery_of_the_order_and_not_invoiced_again(self):
        self.product.standard_price = 40.0
        sale_line = self.order.order_line
        delivered_before = sale_line.qty_delivered
        action = self.complaint.with_user(self.warehouse_complaint_user).action_open_replacement()
        with Form(
            self.env[action["res_model"]]
            .with_user(self.warehouse_complaint_user)
            .with_context(**action["context"])
        ) as wizard_form:
            wizard_form.complaint_line_id = self.complaint.line_ids
            self.assertEqual(wizard_form.product_id, self.product)
            self.assertEqual(wizard_form.quantity, 2)
            wizard_form.tightened_inspection = True
            wizard_form.reworked = True
        wizard_form.record.action_create_replacement()
        replacement = self.complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "replacement"
        )
        self.assertEqual(len(replacement), 1)
        self.assertEqual(replacement.picking_type_id.code, "outgoing")
        self.assertEqual(replacement.partner_id, self.customer)
        self.assertIn(replacement, self.order.picking_ids, "linked to the original order")
        self.assertTrue(replacement.complaint_tightened_inspection)
        self.assertTrue(replacement.complaint_reworked)
        self.assertEqual(replacement.move_ids.product_uom_qty, 2)
        self.assertFalse(replacement.move_ids.sale_line_id)

        replacement.action_assign()
        replacement.move_ids.picked = True
        replacement._action_done()
        self.assertEqual(sale_line.qty_delivered, delivered_before, "replacement goods are not re-invoiced")
        self.assertEqual(self.order.order_line, sale_line, "nor added to the order on a line of their own")
        cost = self.complaint.cost_ids
        self.assertEqual((cost.cost_type, cost.amount, cost.is_automatic), ("replacement", 80.0, True))
        self.assertEqual(self.complaint.cost_total, 80.0)

        html = self.env["ir.actions.report"]._render_qweb_html(
            "stock.action_report_delivery", replacement.ids
        )[0]
        self.assertIn("重工品", html.decode())
        normal_html = self.env["ir.actions.report"]._render_qweb_html(
            "stock.action_report_delivery", self.picking.ids
        )[0]
        self.assertNotIn("重工品", normal_html.decode())

    def test_replacement_quantity_must_be_positive(self):
        wizard = self.env["quality.complaint.replacement"].create(
            {"complaint_id": self.complaint.id, "product_id": self.product.id, "quantity": 0}
        )
        with self.assertRaisesRegex(UserError, "must be positive"):
            wizard.action_create_replacement()
        self.assertFalse(self.complaint.complaint_picking_ids)
