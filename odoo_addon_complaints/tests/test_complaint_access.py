# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintAccess(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.complaint = cls._create_delivered_lot_complaint(1, subject="Cracked housing")
        cls.warehouse_user = new_test_user(cls.env, login="warehouse_user", groups="stock.group_stock_user")
        cls.internal_user = new_test_user(cls.env, login="internal_user", groups="base.group_user")

    def test_complaint_user_registers_and_edits_but_cannot_delete(self):
        complaint = self.complaint.with_user(self.complaint_user)
        complaint.description = "<p>Housing cracked at the hinge.</p>"
        complaint.line_ids.qty_defective = 1
        self.assertEqual(complaint.line_ids.qty_defective, 1)
        with self.assertRaises(AccessError):
            complaint.unlink()
        with self.assertRaises(AccessError):
            self.severity_minor.with_user(self.complaint_user).name = "Changed"

    def test_complaint_user_sees_the_traced_delivery(self):
        complaint = self.complaint.with_user(self.quality_user)
        self.assertEqual(complaint.line_ids.move_line_ids.lot_id.name, "LOT-A")
        self.assertEqual(complaint.picking_ids.name, self.picking.name)
        self.assertEqual(self.order.with_user(self.quality_user).complaint_count, 1)

    def test_warehouse_user_reads_only(self):
        complaint = self.complaint.with_user(self.warehouse_user)
        self.assertEqual(complaint.subject, "Cracked housing")
        self.assertEqual(self.lot_a.with_user(self.warehouse_user).complaint_count, 1)
        with self.assertRaises(AccessError):
            complaint.subject = "Edited by the warehouse"
        with self.assertRaises(AccessError):
            self.env["quality.complaint"].with_user(self.warehouse_user).create(
                {"subject": "New", "partner_id": self.customer.id}
            )

    def test_other_employees_cannot_open_customer_files(self):
        with self.assertRaises(AccessError):
            self.complaint.with_user(self.internal_user).read(["subject"])
        with self.assertRaises(AccessError):
            self.env["quality.complaint"].with_user(self.internal_user).search([])

    def test_manager_configures_and_deletes(self):
        manager_env = self.env(user=self.complaint_manager)
        level = manager_env["quality.complaint.severity"].create({"name": "Critical"})
        self.assertEqual(level.name, "Critical")
        self.complaint.with_user(self.complaint_manager).unlink()
        self.assertFalse(self.complaint.exists())


@tagged("post_install", "-at_install")
class TestComplaintMultiCompany(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Complaints Company B"})
        cls.user_b = new_test_user(
            cls.env,
            login="complaint_user_b",
            groups="odoo_addon_complaints.group_complaint_user",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.complaint_a = cls.env["quality.complaint"].create(
            {"subject": "Company A complaint", "partner_id": cls.customer.id}
        )

    def test_complaints_of_another_company_are_invisible(self):
        complaint_b = (
            self.env["quality.complaint"]
            .with_user(self.user_b)
            .create({"subject": "Company B complaint", "partner_id": self.customer.id})
        )
        self.assertEqual(complaint_b.company_id, self.company_b)
        visible_to_b = self.env["quality.complaint"].with_user(self.user_b).search([])
        self.assertIn(complaint_b, visible_to_b)
        self.assertNotIn(self.complaint_a, visible_to_b)
        with self.assertRaises(AccessError):
            self.complaint_a.with_user(self.user_b).read(["subject"])
        visible_to_a = self.env["quality.complaint"].with_user(self.complaint_user).search([])
        self.assertNotIn(complaint_b, visible_to_a)
        self.assertFalse(
            self.env["quality.complaint.deadline"]
            .with_user(self.user_b)
            .search([("complaint_id", "=", self.complaint_a.id)])
        )

    def test_numbers_are_unique_per_company_not_across(self):
        complaint_b = (
            self.env["quality.complaint"]
            .with_user(self.user_b)
            .create({"subject": "B", "partner_id": self.customer.id, "date_received": "2032-01-05 10:00:00"})
        )
        complaint_a = self.env["quality.complaint"].create(
            {"subject": "A", "partner_id": self.customer.id, "date_received": "2032-01-05 10:00:00"}
        )
        self.assertNotEqual(complaint_a.name, complaint_b.name)
