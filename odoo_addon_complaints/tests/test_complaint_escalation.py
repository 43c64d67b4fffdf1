# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.tests import tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintEscalation(ComplaintCase):
    def _escalations(self, complaint):
        activity_type = self.env.ref("odoo_addon_complaints.mail_activity_complaint_escalation")
        return complaint.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    def test_missed_deadlines_escalate_once(self):
        complaint = self._create_complaint(
            user_id=self.quality_user.id,
            manager_id=self.complaint_manager.id,
            date_received="2020-01-06 09:00:00",
        )
        complaint.deadline_ids.filtered(lambda d: d.kind == "acknowledge").action_mark_done()
        cron = self.env.ref("odoo_addon_complaints.ir_cron_escalate_overdue_complaints")
        self.assertEqual(cron.interval_type, "hours")
        self.env["quality.complaint.deadline"]._cron_escalate_overdue()
        escalations = self._escalations(complaint)
        self.assertEqual(len(escalations), 4, "one activity per missed deadline, not for the met one")
        self.assertEqual(escalations.user_id, self.complaint_manager)
        self.assertTrue(
            all(complaint.deadline_ids.filtered(lambda d: not d.date_done).mapped("date_escalated"))
        )
        notes = complaint.message_ids.filtered(lambda m: "is not met" in (m.body or ""))
        self.assertEqual(len(notes), 4)

        self.env["quality.complaint.deadline"]._cron_escalate_overdue()
        self.assertEqual(len(self._escalations(complaint)), 4, "a second run escalates nothing again")
        self.assertEqual(len(complaint.message_ids.filtered(lambda m: "is not met" in (m.body or ""))), 4)

    def test_closed_and_future_deadlines_do_not_escalate(self):
        future = self._create_complaint(date_received=fields.Datetime.now())
        closed = self._create_complaint(
            date_received="2020-01-06 09:00:00",
            disposition="explanation",
            customer_accepted=True,
        )
        closed.stage_id = self.stage_closed
        escalated = self.env["quality.complaint.deadline"]._cron_escalate_overdue()
        self.assertFalse(escalated & (future | closed).deadline_ids)
        self.assertFalse(self._escalations(future) | self._escalations(closed))

    def test_moved_deadline_escalates_again_when_missed_again(self):
        complaint = self._create_complaint(
            manager_id=self.complaint_manager.id, date_received="2020-01-06 09:00:00"
        )
        self.env["quality.complaint.deadline"]._cron_escalate_overdue()
        reply = complaint.deadline_ids.filtered(lambda d: d.kind == "reply")
        self.assertTrue(reply.date_escalated)
        reply.with_context(complaint_deadline_reason="Customer on holiday").date_due = "2020-02-03 09:00:00"
        self.assertFalse(reply.date_escalated)
        escalated = self.env["quality.complaint.deadline"]._cron_escalate_overdue()
        self.assertEqual(escalated, reply)

    def test_escalation_falls_back_to_severity_manager(self):
        severe = self.env.ref("odoo_addon_complaints.severity_severe")
        severe.escalation_user_id = self.complaint_manager
        complaint = self._create_complaint(severity_id=severe.id, date_received="2020-01-06 09:00:00")
        self.assertEqual(complaint.manager_id, self.complaint_manager)
        self.env["quality.complaint.deadline"]._cron_escalate_overdue()
        self.assertEqual(self._escalations(complaint).user_id, self.complaint_manager)
