# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintReplacementInvoicing(ComplaintCase):
    """A replacement ships goods the customer already paid for: it never makes the order invoiceable.

    Every combination of the product's invoicing policy, a credit note before the
    replacement or none, and a replacement by the same or another product is run by
    the users who do it for real: the salesman invoices, the accountant credits, the
    warehouse replaces and ships.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_complaint_user = new_test_user(
            cls.env,
            login="replacement_warehouse_user",
            groups="odoo_addon_complaints.group_complaint_user,stock.group_stock_user",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="replacement_accountant",
            groups="odoo_addon_complaints.group_complaint_user,account.group_account_invoice",
        )
        cls.salesman = new_test_user(
            cls.env,
            login="replacement_salesman",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )
        cls.product.standard_price = 40.0
        cls.other_product = cls.env["product.product"].create(
            {
                "name": "Infusion Pump IP-300",
                "type": "consu",
                "is_storable": True,
                "list_price": 150.0,
                "standard_price": 65.0,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.other_product, cls.stock_location, 10)

    def _invoiced_order(self, invoice_policy):
        """An order of 4 pumps at 100, delivered from LOT-A and invoiced by the salesman."""
        self.product.invoice_policy = invoice_policy
        self.other_product.invoice_policy = invoice_policy
        order = self._deliver_order(self.customer, self.product, 4, self.lot_a)
        order.order_line.write({"price_unit": 100.0, "tax_id": [Command.clear()]})
        invoice = order.with_user(self.salesman)._create_invoices()
        invoice.with_user(self.salesman).action_post()
        self.assertEqual(order.invoice_status, "invoiced")
        return order

    def _complaint_about(self, order):
        return self._create_delivered_lot_complaint(
            qty=2,
            order=order,
            line_values={"sale_line_id": order.order_line.id, "qty_defective": 2},
            subject="Pumps stop during infusion",
        )

    def _post_credit_note(self, complaint):
        action = complaint.with_user(self.accountant).action_open_credit_note()
        wizard_model = (
            self.env[action["res_model"]].with_user(self.accountant).with_context(**action["context"])
        )
        Form(wizard_model).save().action_create_credit_note()
        credit_note = complaint.credit_note_ids
        credit_note.with_user(self.accountant).action_post()
        self.assertEqual(credit_note.state, "posted")
        return credit_note

    def _create_replacement(self, complaint, product, quantity):
        """Create the replacement from the complaint, as the warehouse user."""
        action = complaint.with_user(self.warehouse_complaint_user).action_open_replacement()
        wizard_model = (
            self.env[action["res_model"]]
            .with_user(self.warehouse_complaint_user)
            .with_context(**action["context"])
        )
        with Form(wizard_model) as wizard_form:
            wizard_form.complaint_line_id = complaint.line_ids
            wizard_form.product_id = product
            wizard_form.quantity = quantity
        wizard_form.record.action_create_replacement()
        replacement = complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "replacement"
        )
        self.assertEqual(len(replacement), 1)
        return replacement

    def _ship(self, pickings, user=None):
        pickings = pickings.with_user(user or self.warehouse_complaint_user)
        pickings.action_assign()
        self.assertEqual(set(pickings.mapped("state")), {"assigned"})
        pickings.move_ids.picked = True
        pickings.button_validate()
        self.assertEqual(set(pickings.mapped("state")), {"done"})

    def _replace(self, complaint, product, quantity):
        """Create the replacement from the complaint and ship it, as the warehouse user."""
        replacement = self._create_replacement(complaint, product, quantity)
        self._ship(replacement)
        return replacement

    @staticmethod
    def _invoicing(order):
        order.invalidate_recordset()
        order.order_line.invalidate_recordset()
        return {
            "invoice_status": order.invoice_status,
            "amount_to_invoice": order.amount_to_invoice,
            "qty_to_invoice": {line.id: line.qty_to_invoice for line in order.order_line},
        }

    def _check_replacement_not_invoiced(self, invoice_policy, credit_note, other_product):
        order = self._invoiced_order(invoice_policy)
        complaint = self._complaint_about(order)
        before = self._invoicing(order)
        if credit_note:
            self._post_credit_note(complaint)
            self.assertEqual(
                self._invoicing(order), before, "the credit note does not reopen the order's invoicing"
            )
        deliveries_before = order.delivery_count
        product = self.other_product if other_product else self.product

        replacement = self._replace(complaint, product, 2)

        self.assertEqual(self._invoicing(order), before, "the replacement leaves the invoicing untouched")
        self.assertFalse(replacement.move_ids.sale_line_id)
        self.assertEqual(replacement.sale_id, order, "the replacement stays one of the order's deliveries")
        self.assertIn(replacement, order.picking_ids)
        self.assertEqual(order.delivery_count, deliveries_before + 1)
        self.assertEqual(complaint.replacement_count, 1)
        self.assertEqual(replacement.complaint_count, 1)
        cost = complaint.cost_ids.filtered(lambda c: c.cost_type == "replacement")
        self.assertEqual(len(cost), 1)
        self.assertEqual(cost.amount, product.standard_price * 2, "at product cost")
        self.assertEqual(cost.amount_company, product.standard_price * 2)
        return order, complaint, replacement

    # Invoiced on ordered quantities

    def test_order_policy_same_product_without_credit_note(self):
        order, _complaint, _replacement = self._check_replacement_not_invoiced("order", False, False)
        self.assertEqual(order.invoice_status, "invoiced", "no upselling either")

    def test_order_policy_same_product_after_credit_note(self):
        self._check_replacement_not_invoiced("order", True, False)

    def test_order_policy_other_product_without_credit_note(self):
        order, _complaint, _replacement = self._check_replacement_not_invoiced("order", False, True)
        self.assertNotIn(self.other_product, order.order_line.product_id)

    def test_order_policy_other_product_after_credit_note(self):
        self._check_replacement_not_invoiced("order", True, True)

    # Invoiced on delivered quantities

    def test_delivery_policy_same_product_without_credit_note(self):
        order, _complaint, _replacement = self._check_replacement_not_invoiced("delivery", False, False)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(order.order_line.qty_delivered, 4, "the replaced units are not delivered twice")

    def test_delivery_policy_same_product_after_credit_note(self):
        self._check_replacement_not_invoiced("delivery", True, False)

    def test_delivery_policy_other_product_without_credit_note(self):
        order, _complaint, _replacement = self._check_replacement_not_invoiced("delivery", False, True)
        self.assertNotIn(self.other_product, order.order_line.product_id)

    def test_delivery_policy_other_product_after_credit_note(self):
        self._check_replacement_not_invoiced("delivery", True, True)

    # Around the replacement

    def test_complaint_return_and_credit_note_leave_the_order_invoiced(self):
        for policy in ("delivery", "order"):
            with self.subTest(policy=policy):
                order = self._invoiced_order(policy)
                complaint = self._complaint_about(order)
                before = self._invoicing(order)
                action = complaint.with_user(self.warehouse_complaint_user).action_open_return()
                wizard = Form(
                    self.env[action["res_model"]]
                    .with_user(self.warehouse_complaint_user)
                    .with_context(**action["context"])
                ).save()
                wizard.action_create_returns()
                returned = complaint.complaint_picking_ids.filtered(
                    lambda p: p.complaint_picking_kind == "return"
                )
                self.assertFalse(
                    any(returned.move_ids.mapped("to_refund")), "the complaint settles the money"
                )
                self._ship(returned)
                self._post_credit_note(complaint)
                self.assertEqual(self._invoicing(order), before, "nothing to invoice or refund a second time")
                self.assertEqual(order.invoice_status, "invoiced")

    def test_returned_replacement_is_not_credited_either(self):
        order = self._invoiced_order("delivery")
        complaint = self._complaint_about(order)
        replacement = self._replace(complaint, self.other_product, 2)
        before = self._invoicing(order)

        return_wizard = Form(
            self.env["stock.return.picking"]
            .with_user(self.warehouse_complaint_user)
            .with_context(active_id=replacement.id, active_ids=replacement.ids, active_model="stock.picking")
        ).save()
        self.assertTrue(return_wizard.product_return_moves.to_refund, "Odoo's default: update the order")
        action = return_wizard.action_create_returns_all()
        returned = self.env["stock.picking"].browse(action["res_id"])
        self.assertEqual(returned.move_ids.origin_returned_move_id, replacement.move_ids)
        self._ship(returned)

        self.assertEqual(self._invoicing(order), before, "goods never invoiced are not credited")
        self.assertNotIn(self.other_product, order.order_line.product_id)

    def test_backorder_of_a_replacement_stays_a_replacement(self):
        order = self._invoiced_order("delivery")
        complaint = self._complaint_about(order)
        before = self._invoicing(order)
        replacement = self._create_replacement(complaint, self.other_product, 2)
        replacement.write({"complaint_tightened_inspection": True, "complaint_reworked": True})
        replacement = replacement.with_user(self.warehouse_complaint_user)
        replacement.action_assign()
        replacement.move_ids.quantity = 1
        replacement.move_ids.picked = True
        action = replacement.button_validate()
        Form(
            self.env[action["res_model"]]
            .with_user(self.warehouse_complaint_user)
            .with_context(**action["context"])
        ).save().process()
        backorder = replacement.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertEqual(
            (backorder.complaint_id, backorder.complaint_picking_kind, backorder.move_ids.complaint_id),
            (complaint, "replacement", complaint),
        )
        self.assertTrue(backorder.complaint_tightened_inspection and backorder.complaint_reworked)
        self.assertEqual(complaint.replacement_count, 2)
        self.assertIn(backorder, order.picking_ids)

        self._ship(backorder)

        self.assertEqual(self._invoicing(order), before)
        self.assertNotIn(self.other_product, order.order_line.product_id)

    def test_other_goods_delivered_for_the_order_are_still_added_to_it(self):
        """Only the replacement is left out of sale_stock's lines, even when validated together."""
        order = self._invoiced_order("delivery")
        complaint = self._complaint_about(order)
        replacement = self._create_replacement(complaint, self.product, 2)
        customer_location = self.customer.property_stock_customer
        extra_delivery = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.customer.id,
                "location_id": self.stock_location.id,
                "location_dest_id": customer_location.id,
                "move_type": "direct",
                "move_ids": [
                    Command.create(
                        {
                            "name": self.other_product.name,
                            "product_id": self.other_product.id,
                            "product_uom_qty": 1,
                            "product_uom": self.other_product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": customer_location.id,
                            "group_id": order.procurement_group_id.id,
                        }
                    )
                ],
            }
        )
        extra_delivery.action_confirm()
        self.assertEqual(extra_delivery.sale_id, order)

        self._ship(replacement | extra_delivery, user=self.env.user)

        new_lines = order.order_line - order.order_line.filtered(lambda line: line.product_id == self.product)
        self.assertEqual(len(order.order_line.filtered(lambda line: line.product_id == self.product)), 1)
        self.assertEqual(new_lines.product_id, self.other_product, "sale_stock's line for the extra goods")
        self.assertEqual((new_lines.qty_delivered, new_lines.qty_to_invoice), (1, 1))
        self.assertEqual(new_lines.move_ids, extra_delivery.move_ids)
        self.assertEqual(order.invoice_status, "to invoice", "the extra goods, not the replacement")
        self.assertEqual(
            order.order_line.filtered(lambda line: line.product_id == self.product).qty_to_invoice, 0
        )
