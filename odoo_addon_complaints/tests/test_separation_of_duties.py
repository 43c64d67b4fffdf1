# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestPersonsConcerned(ComplaintCase):
    """A person a complaint is about takes no part in handling it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.concerned_manager = new_test_user(
            cls.env,
            login="concerned_manager",
            name="Concerned Manager",
            groups="odoo_addon_complaints.group_complaint_manager",
        )
        cls.complaint = cls.env["quality.complaint"].create(
            {
                "subject": "Rude driver",
                "partner_id": cls.customer.id,
                "subject_user_ids": [Command.set(cls.concerned_manager.ids)],
            }
        )

    def test_cannot_move_the_complaint_into_investigation(self):
        with self.assertRaisesRegex(UserError, "person concerned"):
            self.complaint.with_user(self.concerned_manager).stage_id = self.stage_investigating
        self.complaint.with_user(self.complaint_manager).stage_id = self.stage_investigating
        self.assertEqual(self.complaint.stage_id, self.stage_investigating)

    def test_cannot_be_its_investigator(self):
        with self.assertRaisesRegex(ValidationError, "cannot investigate"):
            self.complaint.with_user(self.complaint_manager).user_id = self.concerned_manager

    def test_cannot_close_it_even_with_an_override(self):
        self.complaint.disposition = "explanation"
        wizard = (
            self.env["quality.complaint.close.override"]
            .with_user(self.concerned_manager)
            .create({"complaint_id": self.complaint.id, "reason": "Customer unreachable"})
        )
        with self.assertRaisesRegex(UserError, "person concerned"):
            wizard.action_close()
        self.assertFalse(self.complaint.close_override_reason)

    def test_cannot_approve_its_capa_or_sign_its_effectiveness(self):
        capa = self.env["quality.capa"].create(
            {
                "title": "Driver training",
                "complaint_id": self.complaint.id,
                "source": "complaint",
                "user_id": self.quality_user.id,
                "date_due": fields.Date.today(),
            }
        )
        with self.assertRaisesRegex(UserError, "person concerned"):
            capa.with_user(self.concerned_manager).action_approve()
        capa.with_user(self.complaint_manager).action_approve()
        self.assertEqual((capa.state, capa.approved_by_id), ("approved", self.complaint_manager))
        with self.assertRaisesRegex(ValidationError, "cannot verify"):
            capa.check_ids = [
                Command.create(
                    {
                        "date_planned": fields.Date.today(),
                        "criterion": "No complaint in 3 months",
                        "verifier_id": self.concerned_manager.id,
                    }
                )
            ]

    def test_cannot_move_its_deadlines(self):
        deadline = self.complaint.deadline_ids[:1]
        wizard = (
            self.env["quality.complaint.deadline.reschedule"]
            .with_user(self.concerned_manager)
            .create(
                {
                    "deadline_id": deadline.id,
                    "date_due": fields.Datetime.now() + timedelta(days=9),
                    "reason": "Busy",
                }
            )
        )
        with self.assertRaisesRegex(UserError, "person concerned"):
            wizard.action_apply()


@tagged("post_install", "-at_install")
class TestCreditNoteApproval(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.complaint_credit_approval_limit = 50.0
        cls.order.order_line.write({"price_unit": 100.0, "tax_id": [Command.clear()]})
        invoice = cls.order._create_invoices()
        invoice.action_post()
        cls.other_manager = new_test_user(
            cls.env,
            login="other_manager",
            name="Other Manager",
            groups="odoo_addon_complaints.group_complaint_manager,account.group_account_invoice",
        )
        cls.creating_manager = new_test_user(
            cls.env,
            login="creating_manager",
            name="Creating Manager",
            groups="odoo_addon_complaints.group_complaint_manager,account.group_account_invoice",
        )
        cls.complaint = cls._create_delivered_lot_complaint(
            1, line_values={"sale_line_id": cls.order.order_line.id, "qty_defective": 1}, subject="Broken"
        )

    def _credit_note(self, user):
        action = self.complaint.with_user(user).action_open_credit_note()
        wizard = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"])).save()
        wizard.action_create_credit_note()
        return self.complaint.credit_note_ids[-1:]

    def test_the_creator_cannot_approve_it(self):
        credit_note = self._credit_note(self.creating_manager)
        self.assertEqual(credit_note.complaint_approval_state, "to_approve")
        with self.assertRaisesRegex(UserError, "created it and cannot approve it"):
            credit_note.with_user(self.creating_manager).action_complaint_approve()
        credit_note.with_user(self.other_manager).action_complaint_approve()
        self.assertEqual(credit_note.complaint_approval_state, "approved")
        self.assertEqual(credit_note.complaint_approved_by_id, self.other_manager)

    def test_any_change_of_the_approved_amount_voids_the_approval(self):
        credit_note = self._credit_note(self.creating_manager)
        credit_note.with_user(self.other_manager).action_complaint_approve()
        line = credit_note.invoice_line_ids.filtered("product_id")
        credit_note.write(
            {"invoice_line_ids": [Command.update(line.id, {"price_unit": line.price_unit - 10})]}
        )
        self.assertEqual(
            credit_note.complaint_approval_state, "to_approve", "a smaller amount was not approved either"
        )
        with self.assertRaisesRegex(UserError, "must approve it"):
            credit_note.action_post()

    def test_nobody_writes_the_approval_directly(self):
        credit_note = self._credit_note(self.creating_manager)
        with self.assertRaisesRegex(UserError, "changes only through"):
            credit_note.with_user(self.creating_manager).write(
                {
                    "complaint_approved_by_id": self.other_manager.id,
                    "complaint_approved_amount": abs(credit_note.amount_total_signed),
                }
            )
        self.assertEqual(credit_note.complaint_approval_state, "to_approve")

    def test_a_concerned_manager_cannot_approve(self):
        credit_note = self._credit_note(self.creating_manager)
        self.complaint.subject_user_ids = [Command.link(self.other_manager.id)]
        with self.assertRaisesRegex(UserError, "person concerned"):
            credit_note.with_user(self.other_manager).action_complaint_approve()


@tagged("post_install", "-at_install")
class TestEightDChampion(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.severity_minor.escalation_user_id = cls.complaint_manager
        cls.complaint = cls._make_complaint(cls.quality_user)

    @classmethod
    def _make_complaint(cls, investigator):
        return cls.env["quality.complaint"].create(
            {
                "subject": "Seal leaks",
                "partner_id": cls.customer.id,
                "severity_id": cls.severity_minor.id,
                "user_id": investigator.id,
            }
        )

    def test_the_champion_is_the_escalation_manager_not_the_creator(self):
        action = self.complaint.with_user(self.quality_user).action_open_eight_d()
        report = self.env["quality.eight.d"].browse(action["res_id"])
        self.assertEqual(report.champion_id, self.complaint_manager)
        self.assertNotEqual(report.champion_id, self.quality_user)

    def test_without_an_escalation_manager_the_user_chooses(self):
        self.severity_minor.escalation_user_id = False
        complaint = self._make_complaint(self.quality_user)
        complaint.manager_id = False
        action = complaint.with_user(self.quality_user).action_open_eight_d()
        self.assertFalse(action.get("res_id"), "the form opens to choose the champion")
        self.assertNotIn("default_champion_id", action["context"])
        with self.assertRaisesRegex(UserError, "choose its Champion"):
            self.env["quality.eight.d"].with_user(self.quality_user).create({"title": "No champion"})

    def test_only_a_manager_changes_the_champion(self):
        action = self.complaint.with_user(self.quality_user).action_open_eight_d()
        report = self.env["quality.eight.d"].browse(action["res_id"])
        with self.assertRaisesRegex(UserError, "only a Complaints Manager changes"):
            report.with_user(self.quality_user).champion_id = self.quality_user
        other = new_test_user(
            self.env, login="other_champion", groups="odoo_addon_complaints.group_complaint_manager"
        )
        report.with_user(self.complaint_manager).champion_id = other
        self.assertEqual(report.champion_id, other)
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = report.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "champion_id")
        self.assertTrue(tracked, "the change of champion is tracked")

    def test_a_champion_who_is_no_manager_or_owns_the_step_cannot_approve(self):
        report = self.env["quality.eight.d"].create(
            {
                "title": "Self-approval",
                "champion_id": self.quality_user.id,
                "leader_id": self.complaint_manager.id,
                "emergency_response": "<p>Stop shipping.</p>",
            }
        )
        report.with_user(self.complaint_manager).action_submit_step()
        with self.assertRaisesRegex(UserError, "approved by a Complaints Manager"):
            report.with_user(self.quality_user).action_approve_step()
        report.champion_id = self.complaint_manager
        with self.assertRaisesRegex(UserError, "owns D0"):
            report.with_user(self.complaint_manager).action_approve_step()
        self.assertEqual(report.step, "D0")

    def test_steps_move_only_through_their_actions(self):
        report = self.env["quality.eight.d"].create(
            {"title": "Jump", "champion_id": self.complaint_manager.id}
        )
        with self.assertRaisesRegex(UserError, "changes only through"):
            report.with_user(self.quality_user).step = "D6"
        with self.assertRaisesRegex(UserError, "changes only through"):
            report.step_ids[:1].with_user(self.quality_user).write({"state": "approved"})
        self.assertEqual(report.step, "D0")
