# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintLines(ComplaintCase):
    def test_delivered_quantity_comes_from_real_deliveries(self):
        complaint = self._create_complaint(line_ids=[Command.create(self._line_vals(2))])
        line = complaint.line_ids
        self.assertEqual(line.qty_delivered, 4)
        self.assertEqual(line.move_line_ids.picking_id, self.picking)
        self.assertEqual(line.move_line_ids.lot_id, self.lot_a)
        self.assertEqual(complaint.picking_ids, self.picking)
        self.assertEqual(complaint.sale_order_ids, self.order)
        self.assertEqual(complaint.lot_ids, self.lot_a)

    def test_complaining_more_than_delivered_is_refused_naming_the_line(self):
        with self.assertRaises(ValidationError) as error:
            self._create_complaint(line_ids=[Command.create(self._line_vals(5))])
        message = str(error.exception)
        self.assertIn("Infusion Pump IP-200 / LOT-A", message)
        self.assertIn("exceeds the quantity delivered", message)

    def test_raising_quantity_later_is_refused_too(self):
        complaint = self._create_complaint(line_ids=[Command.create(self._line_vals(4))])
        with self.assertRaises(ValidationError):
            complaint.line_ids.qty_complained = 4.5

    def test_lot_never_delivered_to_the_customer_is_refused(self):
        with self.assertRaises(ValidationError) as error:
            self._create_complaint(line_ids=[Command.create(self._line_vals(1, lot=self.lot_b))])
        self.assertIn("LOT-B was never delivered to Test Customer Ltd", str(error.exception))

    def test_order_of_another_customer_delivers_nothing(self):
        with self.assertRaises(ValidationError):
            self._create_complaint(
                line_ids=[Command.create(self._line_vals(1, lot=self.lot_b, order=self.other_order))]
            )

    def test_defective_cannot_exceed_complained(self):
        with self.assertRaises(ValidationError) as error:
            self._create_complaint(line_ids=[Command.create(self._line_vals(2, qty_defective=3))])
        self.assertIn("defective quantity", str(error.exception))

    def test_negative_quantities_are_refused(self):
        with self.assertRaises(ValidationError):
            self._create_complaint(line_ids=[Command.create(self._line_vals(-1))])

    def test_complaint_without_order_through_a_distributor(self):
        end_user = self.env["res.partner"].create({"name": "Hospital bought via distributor"})
        complaint = self._create_complaint(
            partner_id=end_user.id,
            line_ids=[
                Command.create({"product_id": self.product.id, "lot_id": self.lot_c.id, "qty_complained": 7})
            ],
        )
        line = complaint.line_ids
        self.assertFalse(line.sale_order_id)
        self.assertEqual(line.qty_complained, 7)
        self.assertIn(self.lot_c, line.allowed_lot_ids, "any lot of the product is possible")

    def test_choices_narrow_to_what_was_delivered_to_the_customer(self):
        complaint = self._create_complaint(line_ids=[Command.create(self._line_vals(1))])
        line = complaint.line_ids
        self.assertEqual(line.allowed_lot_ids, self.lot_a)
        self.assertEqual(line.allowed_picking_ids, self.picking)
        other = self._create_complaint(
            partner_id=self.other_customer.id,
            line_ids=[Command.create(self._line_vals(1, lot=self.lot_b, order=self.other_order))],
        )
        self.assertEqual(other.line_ids.allowed_lot_ids, self.lot_b)
        self.assertNotIn(self.picking, other.line_ids.allowed_picking_ids)

    def test_delivery_without_order_is_checked_too(self):
        complaint = self._create_complaint(
            line_ids=[
                Command.create(
                    {
                        "product_id": self.product.id,
                        "lot_id": self.lot_a.id,
                        "picking_id": self.picking.id,
                        "qty_complained": 4,
                    }
                )
            ]
        )
        self.assertEqual(complaint.line_ids.qty_delivered, 4)
        with self.assertRaises(ValidationError):
            complaint.line_ids.qty_complained = 6
