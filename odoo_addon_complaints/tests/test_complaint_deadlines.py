# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintDeadlines(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._utc_40h_calendar()
        cls.company.resource_calendar_id = cls.calendar
        # Monday 7 December 2026 is a public holiday.
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "date_from": "2026-12-07 00:00:00",
                "date_to": "2026-12-07 23:59:59",
            }
        )
        cls.severity = cls.env["quality.complaint.severity"].create(
            {
                "name": "Test level",
                "deadline_rule_ids": [
                    Command.create({"kind": "acknowledge", "duration": 4, "unit": "working_hours"}),
                    Command.create({"kind": "root_cause", "duration": 3, "unit": "working_days"}),
                    Command.create({"kind": "closure", "duration": 2, "unit": "days"}),
                ],
            }
        )

    def _due(self, complaint, kind):
        return fields.Datetime.to_string(complaint.deadline_ids.filtered(lambda d: d.kind == kind).date_due)

    def test_working_time_skips_weekend_and_holiday(self):
        # Friday 4 December 2026, 15:00: two working hours left that day.
        complaint = self._create_complaint(severity_id=self.severity.id, date_received="2026-12-04 15:00:00")
        self.assertEqual(set(complaint.deadline_ids.mapped("kind")), {"acknowledge", "root_cause", "closure"})
        # 2 h on Friday, weekend, Monday holiday, 2 h on Tuesday.
        self.assertEqual(self._due(complaint, "acknowledge"), "2026-12-08 10:00:00")
        # 3 working days = 24 h: Fri 2 h, Tue 8 h, Wed 8 h, Thu 6 h (lunch 12-13).
        self.assertEqual(self._due(complaint, "root_cause"), "2026-12-10 15:00:00")
        # Calendar days ignore the working calendar.
        self.assertEqual(self._due(complaint, "closure"), "2026-12-06 15:00:00")
        self.assertEqual(fields.Datetime.to_string(complaint.date_deadline), "2026-12-06 15:00:00")

    def test_default_severity_rules_plan_every_step(self):
        complaint = self._create_complaint(date_received="2026-12-02 09:00:00")
        self.assertEqual(
            set(complaint.deadline_ids.mapped("kind")),
            {"acknowledge", "containment", "root_cause", "reply", "closure"},
        )
        # Minor: acknowledge within 1 working day, on the company calendar.
        self.assertEqual(self._due(complaint, "acknowledge"), "2026-12-03 09:00:00")

    def test_changing_severity_replans_open_deadlines_only(self):
        complaint = self._create_complaint(severity_id=self.severity.id, date_received="2026-12-04 15:00:00")
        complaint.deadline_ids.filtered(lambda d: d.kind == "acknowledge").action_mark_done()
        ack_due = self._due(complaint, "acknowledge")
        severe = self.env.ref("odoo_addon_complaints.severity_severe")
        complaint.severity_id = severe
        self.assertEqual(self._due(complaint, "acknowledge"), ack_due, "met deadlines keep their date")
        # Severe: containment within 4 working hours.
        self.assertEqual(self._due(complaint, "containment"), "2026-12-08 10:00:00")
        self.assertEqual(complaint.priority, severe.priority)

    def test_moving_a_promised_date_needs_a_reason_and_is_logged(self):
        complaint = self._create_complaint(severity_id=self.severity.id, date_received="2026-12-04 15:00:00")
        deadline = complaint.deadline_ids.filtered(lambda d: d.kind == "root_cause")
        with self.assertRaises(UserError):
            deadline.date_due = "2026-12-20 10:00:00"
        action = deadline.action_open_reschedule()
        wizard_form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        wizard_form.date_due = "2026-12-18 10:00:00"
        wizard_form.reason = "Waiting for the customer's returned sample"
        wizard_form.save().action_apply()
        self.assertEqual(self._due(complaint, "root_cause"), "2026-12-18 10:00:00")
        self.assertTrue(deadline.rescheduled)
        self.assertIn("Waiting for the customer's returned sample", complaint.message_ids[0].body)
        # A moved date is no longer re-planned from the severity level.
        complaint.date_received = "2026-12-01 09:00:00"
        self.assertEqual(self._due(complaint, "root_cause"), "2026-12-18 10:00:00")

    def test_overdue_search_and_flag(self):
        late = self._create_complaint(date_received="2020-01-06 09:00:00")
        fresh = self._create_complaint(date_received=fields.Datetime.now())
        self.assertTrue(late.is_overdue)
        self.assertFalse(fresh.is_overdue)
        overdue = self.env["quality.complaint"].search([("is_overdue", "=", True)])
        self.assertIn(late, overdue)
        self.assertNotIn(fresh, overdue)
        self.assertIn(fresh, self.env["quality.complaint"].search([("is_overdue", "=", False)]))
