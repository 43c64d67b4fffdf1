# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from markupsafe import escape

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

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
        self.assertEqual(len(escalations), 1, "one activity for the complaint, not one per missed deadline")
        self.assertEqual(escalations.user_id, self.complaint_manager)
        missed = complaint.deadline_ids.filtered(lambda d: not d.date_done)
        self.assertEqual(len(missed), 4)
        self.assertTrue(all(missed.mapped("date_escalated")), "every missed deadline is stamped")
        self.assertFalse(complaint.deadline_ids.filtered("date_done").date_escalated, "not the met one")
        for deadline in missed:
            self.assertIn(deadline._kind_label(), escalations.summary)
        notes = complaint.message_ids.filtered(lambda m: "is not met" in (m.body or ""))
        self.assertEqual(len(notes), 1, "one note for the complaint")
        self.assertEqual(notes.body.count("is not met"), 4, "a paragraph per missed deadline")
        self.assertEqual(escalations.note.count("is not met"), 4)

        self.env["quality.complaint.deadline"]._cron_escalate_overdue()
        self.assertEqual(len(self._escalations(complaint)), 1, "a second run escalates nothing again")
        self.assertEqual(len(complaint.message_ids.filtered(lambda m: "is not met" in (m.body or ""))), 1)

    def test_the_escalation_activity_is_due_on_the_companys_day(self):
        self._set_company_tz("Asia/Shanghai")
        complaint = self._create_complaint(
            user_id=self.quality_user.id,
            manager_id=self.complaint_manager.id,
            date_received="2020-01-06 09:00:00",
        )
        # 20:00 UTC on 1 December: 04:00 on 2 December in Shanghai, still 1 December in
        # Europe and America, and the cron has no time zone of its own.
        with freeze_time("2026-12-01 20:00:00"):
            self.env["quality.complaint.deadline"].with_context(tz=None)._cron_escalate_overdue()
        self.assertEqual(self._escalations(complaint).date_deadline, date(2026, 12, 2))

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


@tagged("post_install", "-at_install")
class TestEscalationRows(ComplaintCase):
    """Escalation inserts its activities and notes in bulk: the rows are those the ORM stores."""

    IGNORED = {"id", "create_date", "write_date", "date", "message_id"}

    def _row(self, table, record_id):
        self.env.flush_all()
        self.env.cr.execute(f"SELECT * FROM {table} WHERE id = %s", [record_id])  # noqa: S608 - our table names
        columns = [column.name for column in self.env.cr.description]
        return {c: v for c, v in zip(columns, self.env.cr.fetchone(), strict=True) if c not in self.IGNORED}

    def test_bulk_rows_equal_the_orm_rows(self):
        complaint = self._create_complaint(
            manager_id=self.complaint_manager.id, date_received="2020-01-06 09:00:00"
        )
        deadline = complaint.deadline_ids.filtered(lambda d: d.kind == "acknowledge")
        summary = deadline._escalation_summary()
        note = 'Due on 2020-01-06: A & B <Lot 7> "urgent", 客户投诉 l\'usine\nsecond line'
        activity_type = self.env.ref(deadline._escalation_activity_type)
        with patch.object(type(deadline), "_escalation_note", lambda record: note):
            deadline._escalate()
        bulk_activity = complaint.activity_ids.filtered(lambda a: a.summary == summary)
        bulk_note = complaint.message_ids.filtered(lambda m: m.subject == summary)
        self.assertEqual(len(bulk_activity), 1)
        self.assertEqual(len(bulk_note), 1)

        orm_activity = (
            self.env["mail.activity"]
            .with_context(mail_activity_quick_update=True)
            .create(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": self.env["ir.model"]._get_id("quality.complaint"),
                    "res_id": complaint.id,
                    "user_id": self.complaint_manager.id,
                    "summary": summary,
                    "note": escape(note),
                    "date_deadline": fields.Date.context_today(deadline),
                    "automated": True,
                }
            )
        )
        orm_note = complaint._message_log_batch({complaint.id: note}, subject=summary)
        self.assertEqual(
            self._row("mail_activity", bulk_activity.id), self._row("mail_activity", orm_activity.id)
        )
        self.assertEqual(self._row("mail_message", bulk_note.id), self._row("mail_message", orm_note.id))
        self.assertIn("&lt;Lot 7&gt;", bulk_note.body, "the text is escaped, not read as HTML")

    def test_grouped_rows_equal_the_orm_rows(self):
        """Several deadlines of one complaint: one activity whose paragraphs the ORM would store as they are."""
        complaint = self._create_complaint(
            manager_id=self.complaint_manager.id, date_received="2020-01-06 09:00:00"
        )
        complaint.deadline_ids._escalate()
        activity = complaint.activity_ids.filtered(lambda a: "is not met" in (a.note or ""))
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.note.count("<p>"), len(complaint.deadline_ids))
        orm_activity = activity.with_context(mail_activity_quick_update=True).copy({"note": activity.note})
        self.assertEqual(self._row("mail_activity", activity.id), self._row("mail_activity", orm_activity.id))

    def test_bulk_followers_equal_the_orm_followers(self):
        """The users warned follow the complaint as message_subscribe has them, and only once."""
        complaint = self._create_complaint(date_received="2020-01-06 09:00:00")
        warned, subscribed = (
            new_test_user(self.env, login=f"escalation_{name}", groups="base.group_user")
            for name in ("warned", "subscribed")
        )
        deadlines = complaint.deadline_ids.sorted("id")
        Deadline = type(deadlines)
        with patch.object(Deadline, "_escalation_users", lambda record: warned):
            deadlines[:2]._escalate()
        complaint.message_subscribe(partner_ids=subscribed.partner_id.ids)
        followers = complaint.message_follower_ids
        bulk = followers.filtered(lambda f: f.partner_id == warned.partner_id)
        orm = followers.filtered(lambda f: f.partner_id == subscribed.partner_id)
        self.assertEqual(len(bulk), 1)
        bulk_row, orm_row = self._row("mail_followers", bulk.id), self._row("mail_followers", orm.id)
        self.assertEqual(
            {**bulk_row, "partner_id": None}, {**orm_row, "partner_id": None}, "same row but the partner"
        )
        self.assertTrue(bulk.subtype_ids)
        self.assertEqual(bulk.subtype_ids, orm.subtype_ids, "the model's default subtypes")

        with patch.object(Deadline, "_escalation_users", lambda record: warned | subscribed):
            deadlines[2:]._escalate()
        self.assertEqual(complaint.message_follower_ids, followers, "who follows already is not added twice")


@tagged("post_install", "-at_install")
class TestEscalationResumes(ComplaintCase):
    """The escalation cron works in committed batches and resumes where it stopped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Deadline = cls.env["quality.complaint.deadline"]
        cls.cron = cls.env.ref("odoo_addon_complaints.ir_cron_escalate_overdue_complaints")
        cls.activity_type = cls.env.ref("odoo_addon_complaints.mail_activity_complaint_escalation")

    def _overdue_complaints(self, count):
        complaints = self.env["quality.complaint"]
        for __ in range(count):
            complaints |= self._create_complaint(
                manager_id=self.complaint_manager.id, date_received="2020-01-06 09:00:00"
            )
        overdue = self.Deadline.search(self.Deadline._escalation_overdue_domain(), order="id")
        self.assertGreaterEqual(len(overdue & complaints.deadline_ids), 2 * count)
        return overdue

    def _assert_escalated_once(self, deadlines):
        """Each deadline in exactly one activity and one note of its complaint, and stamped."""
        self.env.invalidate_all()
        for deadline in deadlines:
            complaint = deadline.complaint_id
            paragraph = escape(deadline._escalation_note())
            activities = complaint.activity_ids.filtered(
                lambda a, paragraph=paragraph: (
                    a.activity_type_id == self.activity_type and paragraph in (a.note or "")
                )
            )
            notes = complaint.message_ids.filtered(lambda m, paragraph=paragraph: paragraph in (m.body or ""))
            self.assertEqual(len(activities), 1, f"one activity for {deadline.display_name}")
            self.assertIn(deadline._kind_label(), activities.summary)
            self.assertEqual(activities.user_id, deadline._escalation_users()[:1])
            self.assertEqual(len(notes), 1, f"one note for {deadline.display_name}")
            self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
            self.assertTrue(deadline.date_escalated, f"{deadline.display_name} is stamped")

    def _run_cron_job(self):
        """Run the cron as an ir.cron worker does: its progress, its commits, its re-runs."""
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            with mute_logger("odoo.addons.base.models.ir_cron"):
                self.registry["ir.cron"]._process_job(
                    self.registry.db_name,
                    self.registry.cursor(),
                    {**self.cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0},
                )
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()

    def test_a_limited_run_leaves_the_rest_to_the_next_run(self):
        overdue = self._overdue_complaints(2)
        first = self.Deadline._cron_escalate_overdue(batch_size=2, limit=3)
        self.assertEqual(first, overdue[:3], "the oldest first, no more than the limit")
        self.assertFalse(any((overdue - first).mapped("date_escalated")))
        second = self.Deadline._cron_escalate_overdue(batch_size=2)
        self.assertEqual(second, overdue - first, "the next run takes the rest, not the first ones again")
        self._assert_escalated_once(overdue)
        self.assertFalse(self.Deadline._cron_escalate_overdue())

    def test_an_interrupted_run_resumes_without_escalating_twice(self):
        overdue = self._overdue_complaints(3)
        batches = []
        escalate = type(self.Deadline)._escalate

        def interrupted_after_its_work(records):
            escalate(records)  # activities, notes and stamps written...
            batches.append(records.ids)
            if len(batches) == 2:  # ...then the worker dies before the batch is committed
                raise RuntimeError("worker killed half-way")

        Progress = self.env["ir.cron.progress"]
        known_progress = Progress.search([("cron_id", "=", self.cron.id)])
        with (
            patch.object(type(self.Deadline), "_escalation_batch_size", 3),
            patch.object(type(self.Deadline), "_escalate", interrupted_after_its_work),
        ):
            self._run_cron_job()

        self.assertEqual(batches[0], overdue.ids[:3], "the first batch, in id order, was committed")
        self.assertEqual(batches[1], overdue.ids[3:6], "the second batch failed after its work")
        self.assertEqual(
            batches[2], overdue.ids[3:6], "ir.cron ran the job again at once, from the batch that failed"
        )
        self.assertEqual(sorted(sum(batches[2:], [])), overdue.ids[3:])
        self._assert_escalated_once(overdue)
        progress = Progress.search([("cron_id", "=", self.cron.id)], order="id") - known_progress
        self.assertEqual(
            progress.mapped(lambda p: (p.done, p.remaining)),
            [(3, len(overdue) - 3), (len(overdue) - 3, 0)],
            "the interrupted run reported its committed batch, the second run the rest",
        )
        self.assertEqual(self.cron.failure_count, 0, "work was committed: a partial run is not a failure")
        self.assertFalse(self.Deadline._cron_escalate_overdue(), "nothing is left to escalate")
