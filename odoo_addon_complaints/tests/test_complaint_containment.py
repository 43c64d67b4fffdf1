# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintContainment(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # LOT-A: 20 in stock, 4 delivered to the customer, 2 to another customer,
        # 3 reserved on an open delivery to a third one.
        cls.third_customer = cls.env["res.partner"].create({"name": "Third Clinic", "is_company": True})
        cls.other_order_a = cls._deliver_order(cls.other_customer, cls.product, 2, cls.lot_a)
        cls.open_order = cls.env["sale.order"].create(
            {
                "partner_id": cls.third_customer.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 3})],
            }
        )
        cls.open_order.action_confirm()
        cls.open_picking = cls.open_order.picking_ids
        cls.open_picking.move_line_ids.unlink()
        cls.open_picking.move_ids._action_assign()
        cls.open_picking.move_line_ids.write({"lot_id": cls.lot_a.id, "quantity": 3})
        cls.complaint = cls._create_delivered_lot_complaint(1, subject="Leaks", user_id=cls.quality_user.id)

    def _containment(self):
        action = self.complaint.action_open_containment()
        return self.env[action["res_model"]].with_context(**action["context"]).create({})

    def _rows(self, containment, kind):
        return {
            (line.location_id or line.partner_id or line.picking_id).display_name: line.quantity
            for line in containment.line_ids.filtered(lambda row: row.kind == kind)
        }

    def test_finds_stock_on_hand_in_transit_and_at_customers(self):
        containment = self._containment()
        self.assertEqual(containment.lot_ids, self.lot_a)
        self.assertEqual(self._rows(containment, "on_hand"), {self.stock_location.display_name: 14})
        self.assertEqual(
            self._rows(containment, "in_transit"),
            {self.open_picking.picking_type_id.default_location_dest_id.display_name: 3},
        )
        self.assertEqual(
            self._rows(containment, "at_customer"),
            {self.customer.display_name: 4, self.other_customer.display_name: 2},
        )
        others = containment.line_ids.filtered("is_other_customer")
        self.assertEqual(others.partner_id, self.other_customer)

    def test_quarantine_moves_on_hand_stock_in_one_traceable_transfer(self):
        self._containment().action_quarantine_on_hand()
        transfer = self.complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "quarantine"
        )
        self.assertEqual(transfer.state, "done")
        self.assertEqual(transfer.picking_type_id, self.warehouse.complaint_quarantine_type_id)
        self.assertEqual(transfer.move_line_ids.lot_id, self.lot_a)
        quarantine = self.warehouse.complaint_quarantine_location_id
        quant_model = self.env["stock.quant"]
        self.assertEqual(quant_model._get_available_quantity(self.product, quarantine, lot_id=self.lot_a), 14)
        self.assertEqual(
            quant_model._get_available_quantity(
                self.product, self.stock_location, lot_id=self.lot_a, strict=True
            ),
            0,
        )
        self.assertNotIn(
            self.lot_a, self.open_picking.move_line_ids.lot_id, "the suspect lot can no longer ship"
        )
        self.assertEqual(self.complaint.quarantine_count, 1)
        with self.assertRaisesRegex(UserError, "no stock of the suspect lots"):
            self._containment().action_quarantine_on_hand()

    def test_a_second_window_does_not_quarantine_the_same_stock_again(self):
        first, second = self._containment(), self._containment()
        first.action_quarantine_on_hand()
        with self.assertRaisesRegex(UserError, r"Lot LOT-A of complaint .* is no longer on hand in WH/Stock"):
            second.action_quarantine_on_hand()
        self.assertEqual(self.complaint.quarantine_count, 1, "one transfer")
        quants = self.env["stock.quant"].search([("lot_id", "=", self.lot_a.id)])
        self.assertFalse(quants.filtered(lambda q: q.location_id.usage == "internal" and q.quantity < 0))

    def test_other_customers_get_a_follow_up(self):
        self._containment().action_notify_other_customers()
        activity = self.other_customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.quality_user)
        self.assertIn(self.complaint.name, activity.summary)
        self.assertIn("LOT-A (2)", activity.note)
        self.assertFalse(self.customer.activity_ids, "the complainant is not a recall candidate")

    def test_sorting_results(self):
        self.complaint.sorting_ids = [
            Command.create(
                {"lot_id": self.lot_a.id, "place": "WH/Stock", "qty_checked": 14, "qty_defective": 2}
            )
        ]
        self.assertEqual(self.complaint.sorting_ids.qty_defective, 2)
        with self.assertRaisesRegex(ValidationError, "between 0 and the checked quantity"):
            self.complaint.sorting_ids = [
                Command.create(
                    {"lot_id": self.lot_a.id, "place": "Customer site", "qty_checked": 1, "qty_defective": 2}
                )
            ]

    def test_repair_of_returned_goods(self):
        with self.assertRaisesRegex(UserError, "receive the customer return first"):
            self.complaint.action_create_repairs()
        action = self.complaint.action_open_return()
        self.env[action["res_model"]].with_context(**action["context"]).create({}).action_create_returns()
        return_picking = self.complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "return"
        )
        return_picking.move_ids.picked = True
        return_picking._action_done()
        self.complaint.action_create_repairs()
        repair = self.complaint.repair_ids
        self.assertEqual(len(repair), 1)
        self.assertEqual((repair.lot_id, repair.product_qty, repair.under_warranty), (self.lot_a, 1, True))
        self.assertEqual(repair.location_id, self.warehouse.complaint_quarantine_location_id)
        with self.assertRaisesRegex(UserError, "no returned lot/serial is waiting"):
            self.complaint.action_create_repairs()

    def test_costs_total_in_company_currency_less_chargebacks(self):
        self.complaint.cost_ids = [
            Command.create({"cost_type": "freight", "name": "Courier", "amount": 30.0}),
            Command.create({"cost_type": "labour", "name": "Sorting 2 h", "amount": 70.0}),
            Command.create({"cost_type": "chargeback", "name": "Supplier share", "amount": 40.0}),
        ]
        self.assertEqual(self.complaint.cost_total, 60.0)
