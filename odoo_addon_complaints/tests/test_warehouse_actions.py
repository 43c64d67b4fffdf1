# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestWarehouseActions(ComplaintCase):
    """Warehouse users only read complaints, yet make the returns, replacements and quarantine moves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_user = new_test_user(
            cls.env, login="only_warehouse", name="Warehouse Worker", groups="stock.group_stock_user"
        )
        cls.complaint = cls._create_delivered_lot_complaint(
            2, line_values={"qty_defective": 2}, subject="Cracked housings", user_id=cls.quality_user.id
        )

    def _wizard(self, opener, **values):
        complaint = self.complaint.with_user(self.warehouse_user)
        action = getattr(complaint, opener)()
        with Form(
            self.env[action["res_model"]].with_user(self.warehouse_user).with_context(**action["context"])
        ) as form:
            for name, value in values.items():
                setattr(form, name, value)
        return form.record

    def _last_note(self):
        return self.complaint.message_ids.sorted("id")[-1]

    def test_still_reads_only(self):
        with self.assertRaises(AccessError):
            self.complaint.with_user(self.warehouse_user).subject = "Edited"

    def test_creates_the_customer_return_and_the_system_notes_it(self):
        self._wizard("action_open_return").action_create_returns()
        returned = self.complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "return"
        )
        self.assertEqual(returned.move_ids.product_uom_qty, 2)
        note = self._last_note()
        self.assertIn("Customer return created", note.body)
        self.assertIn("Warehouse Worker", note.body, "the note names the user")
        self.assertEqual(note.author_id, self.warehouse_user.partner_id)

    def test_ships_a_replacement(self):
        self._wizard(
            "action_open_replacement", complaint_line_id=self.complaint.line_ids
        ).action_create_replacement()
        replacement = self.complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "replacement"
        )
        self.assertEqual(replacement.move_ids.product_uom_qty, 2)
        self.assertIn("Warehouse Worker", self._last_note().body)
        self.assertEqual(
            self.complaint.cost_ids.filtered(lambda c: c.cost_type == "replacement").name[:11], "Replacement"
        )

    def test_a_second_replacement_joins_the_open_one(self):
        self._wizard(
            "action_open_replacement", complaint_line_id=self.complaint.line_ids
        ).action_create_replacement()
        self._wizard(
            "action_open_replacement", complaint_line_id=self.complaint.line_ids, quantity=1
        ).action_create_replacement()
        replacement = self.complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "replacement"
        )
        self.assertEqual(len(replacement), 1, "one open delivery to the customer")
        self.assertEqual(sum(replacement.move_ids.mapped("product_uom_qty")), 3)
        self.assertEqual(len(self.complaint.cost_ids.filtered(lambda c: c.cost_type == "replacement")), 2)

    def test_moves_suspect_stock_into_quarantine(self):
        self._wizard("action_open_containment").action_quarantine_on_hand()
        transfer = self.complaint.complaint_picking_ids.filtered(
            lambda p: p.complaint_picking_kind == "quarantine"
        )
        self.assertEqual(transfer.state, "done")
        self.assertIn("quarantine", self._last_note().body)
        self.assertIn("Warehouse Worker", self._last_note().body)
