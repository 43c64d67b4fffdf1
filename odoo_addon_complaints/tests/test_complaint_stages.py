# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintStages(ComplaintCase):
    def test_new_complaint_starts_in_new_stage(self):
        complaint = self._create_complaint(user=self.complaint_user)
        self.assertEqual(complaint.stage_id, self.stage_new)
        self.assertEqual(complaint.intake_user_id, self.complaint_user)

    def test_closing_needs_disposition_and_acceptance(self):
        complaint = self._create_complaint()
        with self.assertRaisesRegex(UserError, "Disposition"):
            complaint.stage_id = self.stage_closed
        complaint.disposition = "exchange"
        with self.assertRaisesRegex(UserError, "has not accepted"):
            complaint.stage_id = self.stage_closed
        complaint.write({"customer_accepted": True, "stage_id": self.stage_closed.id})
        self.assertEqual(complaint.stage_id, self.stage_closed)
        self.assertTrue(complaint.date_closed)
        self.assertTrue(all(complaint.deadline_ids.mapped("date_done")))
        self.assertFalse(complaint.is_overdue)

    def test_reopening_clears_the_closing_date(self):
        complaint = self._create_complaint(disposition="refund", customer_accepted=True)
        complaint.stage_id = self.stage_closed
        complaint.stage_id = self.stage_investigating
        self.assertFalse(complaint.date_closed)

    def test_manager_override_closes_with_a_recorded_reason(self):
        complaint = self._create_complaint(disposition="repair")
        action = complaint.with_user(self.complaint_manager).action_open_close_override()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.complaint_manager).with_context(**action["context"])
        )
        wizard.reason = "Customer unreachable for 3 months after repair"
        wizard.save().action_close()
        self.assertEqual(complaint.stage_id, self.stage_closed)
        self.assertEqual(complaint.close_override_user_id, self.complaint_manager)
        self.assertEqual(complaint.close_override_reason, "Customer unreachable for 3 months after repair")
        self.assertIn("Customer unreachable", complaint.message_ids[0].body)

    def test_only_managers_may_override(self):
        complaint = self._create_complaint(disposition="repair")
        with self.assertRaises(AccessError):
            self.env["quality.complaint.close.override"].with_user(self.quality_user).create(
                {"complaint_id": complaint.id, "reason": "Trying"}
            )
        self.assertNotEqual(complaint.stage_id, self.stage_closed)

    def test_rejecting_needs_invalidity_and_explanation(self):
        complaint = self._create_complaint()
        with self.assertRaisesRegex(UserError, "Validity"):
            complaint.stage_id = self.stage_rejected
        complaint.validity = "not_responsible"
        with self.assertRaisesRegex(UserError, "Explanation"):
            complaint.stage_id = self.stage_rejected
        complaint.write(
            {
                "validity_explanation": "The device was used outside its specified temperature range.",
                "stage_id": self.stage_rejected.id,
            }
        )
        self.assertEqual(complaint.stage_id, self.stage_rejected)

    def test_acknowledged_stage_meets_the_acknowledgement_deadline(self):
        complaint = self._create_complaint()
        complaint.stage_id = self.stage_acknowledged
        acknowledge = complaint.deadline_ids.filtered(lambda d: d.kind == "acknowledge")
        self.assertTrue(acknowledge.date_done)
        self.assertFalse(
            (complaint.deadline_ids - acknowledge).filtered("date_done"), "other steps stay open"
        )

    def test_skipping_to_investigating_means_acknowledged(self):
        complaint = self._create_complaint()
        complaint.stage_id = self.stage_investigating
        done = complaint.deadline_ids.filtered("date_done")
        self.assertEqual(done.mapped("kind"), ["acknowledge"])

    def test_a_complaint_cannot_be_created_closed_without_the_gates(self):
        with self.assertRaisesRegex(UserError, "Disposition"):
            self._create_complaint(stage_id=self.stage_closed.id)
        complaint = self._create_complaint(
            stage_id=self.stage_closed.id, disposition="explanation", customer_accepted=True
        )
        self.assertTrue(complaint.date_closed)
        self.assertTrue(all(complaint.deadline_ids.mapped("date_done")))

    def test_sending_the_acknowledgement_mail(self):
        complaint = self._create_complaint(user=self.complaint_user, contact_id=self.customer_contact.id)
        action = complaint.with_user(self.complaint_user).action_send_acknowledgement()
        composer = Form(
            self.env["mail.compose.message"].with_user(self.complaint_user).with_context(**action["context"])
        ).save()
        self.assertIn(complaint.name, composer.subject)
        self.assertIn(complaint.name, composer.body)
        composer._action_send_mail()
        self.assertEqual(complaint.stage_id, self.stage_acknowledged)
        self.assertTrue(complaint.deadline_ids.filtered(lambda d: d.kind == "acknowledge").date_done)
        self.assertIn(self.customer_contact, complaint.message_ids[0].partner_ids)

    def test_sending_the_reply_needs_a_reply_and_meets_its_deadline(self):
        complaint = self._create_complaint()
        complaint.stage_id = self.stage_investigating
        with self.assertRaisesRegex(UserError, "Customer Reply"):
            complaint.action_send_reply()
        complaint.customer_reply = "<p>The alarm board of lot LOT-A will be replaced.</p>"
        action = complaint.action_send_reply()
        composer = Form(self.env["mail.compose.message"].with_context(**action["context"])).save()
        self.assertIn("alarm board", composer.body)
        composer._action_send_mail()
        self.assertTrue(complaint.date_reply)
        self.assertTrue(complaint.deadline_ids.filtered(lambda d: d.kind == "reply").date_done)

    def test_containment_and_root_cause_need_a_description(self):
        complaint = self._create_complaint()
        with self.assertRaisesRegex(UserError, "Containment"):
            complaint.action_containment_done()
        complaint.containment_action = "<p>Stock of LOT-A blocked.</p>"
        complaint.action_containment_done()
        self.assertTrue(complaint.date_containment)
        self.assertTrue(complaint.deadline_ids.filtered(lambda d: d.kind == "containment").date_done)
        with self.assertRaisesRegex(UserError, "Root Cause"):
            complaint.action_root_cause_done()
        complaint.root_cause = "<p>Solder joint cracked; no vibration test.</p>"
        complaint.action_root_cause_done()
        self.assertTrue(complaint.deadline_ids.filtered(lambda d: d.kind == "root_cause").date_done)


@tagged("post_install", "-at_install")
class TestConflictOfInterest(ComplaintCase):
    def test_person_concerned_cannot_investigate(self):
        with self.assertRaisesRegex(ValidationError, "cannot investigate"):
            self._create_complaint(
                user_id=self.quality_user.id,
                subject_user_ids=[Command.set(self.quality_user.ids)],
            )
        complaint = self._create_complaint(subject_user_ids=[Command.set(self.quality_user.ids)])
        with self.assertRaises(ValidationError):
            complaint.user_id = self.quality_user

    def test_person_concerned_cannot_close_or_override(self):
        complaint = self._create_complaint(
            disposition="exchange",
            customer_accepted=True,
            subject_user_ids=[Command.set(self.complaint_manager.ids)],
        )
        with self.assertRaisesRegex(UserError, "person concerned"):
            complaint.with_user(self.complaint_manager).stage_id = self.stage_closed
        with self.assertRaisesRegex(UserError, "person concerned"):
            self.env["quality.complaint.close.override"].with_user(self.complaint_manager).create(
                {"complaint_id": complaint.id, "reason": "Close it"}
            ).action_close()
        complaint.with_user(self.quality_user).stage_id = self.stage_closed
        self.assertEqual(complaint.stage_id, self.stage_closed)
