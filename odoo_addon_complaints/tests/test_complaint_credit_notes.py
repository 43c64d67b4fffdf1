# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintCreditNotes(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order.order_line.price_unit = 100.0
        cls.order.order_line.tax_id = [Command.clear()]
        cls.invoice = cls.order._create_invoices()
        cls.invoice.action_post()
        cls.accountant = new_test_user(
            cls.env,
            login="complaint_accountant",
            groups="odoo_addon_complaints.group_complaint_user,account.group_account_invoice",
        )
        cls.complaint = cls._create_delivered_lot_complaint(
            qty=2,
            line_values={"sale_line_id": cls.order.order_line.id, "qty_defective": 1},
            subject="Pumps fail",
        )

    def _credit_note(self, **values):
        action = self.complaint.with_user(self.accountant).action_open_credit_note()
        with Form(
            self.env[action["res_model"]].with_user(self.accountant).with_context(**action["context"])
        ) as wizard_form:
            self.assertEqual(wizard_form.invoice_id, self.invoice)
            for name, value in values.items():
                setattr(wizard_form, name, value)
        wizard_form.record.action_create_credit_note()
        return self.complaint.credit_note_ids[-1:]

    def test_credit_note_for_the_complained_quantity_with_extra_lines(self):
        credit_note = self._credit_note(discount_amount=10.0, compensation_amount=5.0)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.reversed_entry_id, self.invoice, "made by Odoo's reversal")
        product_line = credit_note.invoice_line_ids.filtered("product_id")
        self.assertEqual(product_line.quantity, 2)
        self.assertFalse(
            product_line.sale_line_ids, "linked, it would make the order invoice the units again"
        )
        self.assertEqual(credit_note.complaint_id.sale_order_ids, self.order, "traced through the complaint")
        self.assertEqual(credit_note.amount_total, 215.0)
        self.assertEqual(len(credit_note.invoice_line_ids), 3)
        cost = self.complaint.cost_ids
        self.assertEqual((cost.cost_type, cost.amount, cost.account_move_id), ("credit", 215.0, credit_note))
        self.assertEqual(credit_note.complaint_approval_state, "not_required")
        credit_note.action_post()
        self.assertEqual(credit_note.state, "posted")

    def test_defective_basis_credits_the_defective_quantity(self):
        credit_note = self._credit_note(quantity_basis="defective")
        self.assertEqual(credit_note.invoice_line_ids.quantity, 1)

    def test_above_the_limit_a_manager_must_approve_before_posting(self):
        self.company.complaint_credit_approval_limit = 150.0
        credit_note = self._credit_note()
        self.assertEqual(credit_note.amount_total, 200.0)
        self.assertEqual(credit_note.complaint_approval_state, "to_approve")
        with self.assertRaisesRegex(UserError, "must approve it"):
            credit_note.with_user(self.accountant).action_post()
        with self.assertRaisesRegex(UserError, "Only a Complaints Manager"):
            credit_note.with_user(self.accountant).action_complaint_approve()
        credit_note.with_user(self.complaint_manager).action_complaint_approve()
        self.assertEqual(credit_note.complaint_approval_state, "approved")
        self.assertEqual(credit_note.complaint_approved_by_id, self.complaint_manager)
        self.assertEqual(credit_note.complaint_approved_amount, 200.0)
        self.assertTrue(credit_note.complaint_approved_on)
        self.assertIn("approved by Quality Manager", self.complaint.message_ids[0].body)
        credit_note.with_user(self.accountant).action_post()
        self.assertEqual(credit_note.state, "posted")

    def test_raising_an_approved_credit_note_needs_a_new_approval(self):
        self.company.complaint_credit_approval_limit = 150.0
        credit_note = self._credit_note()
        credit_note.action_complaint_approve()
        credit_note.invoice_line_ids.filtered("product_id").quantity = 3
        self.assertEqual(credit_note.complaint_approval_state, "to_approve")
        self.assertEqual(self.complaint.cost_ids.amount, 300.0, "the cost follows the credit note")
        self.assertEqual(self.complaint.cost_total, 300.0)
        with self.assertRaises(UserError):
            credit_note.action_post()

    def test_below_the_limit_no_approval(self):
        self.company.complaint_credit_approval_limit = 500.0
        credit_note = self._credit_note()
        self.assertEqual(credit_note.complaint_approval_state, "not_required")

    def test_ordinary_invoices_are_untouched(self):
        self.company.complaint_credit_approval_limit = 1.0
        self.assertFalse(self.invoice.complaint_approval_state)

    def test_an_invoice_of_another_order_is_refused(self):
        other_order = self.other_order
        other_order.order_line.tax_id = [Command.clear()]
        other_invoice = other_order._create_invoices()
        other_invoice.action_post()
        wizard = self.env["quality.complaint.credit.note"].create(
            {"complaint_id": self.complaint.id, "invoice_id": other_invoice.id}
        )
        with self.assertRaisesRegex(UserError, "does not invoice any affected order line"):
            wizard.action_create_credit_note()
        self.assertFalse(self.complaint.credit_note_ids)

    def test_nothing_to_credit_leaves_no_draft_behind(self):
        self.complaint.line_ids.qty_defective = 0
        wizard = self.env["quality.complaint.credit.note"].create(
            {"complaint_id": self.complaint.id, "invoice_id": self.invoice.id, "quantity_basis": "defective"}
        )
        with self.assertRaisesRegex(UserError, "nothing to credit"):
            wizard.action_create_credit_note()
        self.assertFalse(self.env["account.move"].search([("reversed_entry_id", "=", self.invoice.id)]))
