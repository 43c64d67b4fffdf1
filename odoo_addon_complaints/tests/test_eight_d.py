# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestEightD(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.champion = new_test_user(
            cls.env,
            login="champion_user",
            name="Champion",
            groups="odoo_addon_complaints.group_complaint_manager",
        )
        cls.leader = new_test_user(
            cls.env,
            login="leader_user",
            name="Team Leader",
            groups="odoo_addon_complaints.group_complaint_user",
        )
        cls.complaint = cls._complaint()

    @classmethod
    def _complaint(cls):
        return cls._create_delivered_lot_complaint(
            2, subject="Leaking connectors", user_id=cls.leader.id, manager_id=cls.champion.id
        )

    def _report(self):
        action = self.complaint.with_user(self.leader).action_open_eight_d()
        report = self.env["quality.eight.d"].browse(action["res_id"])
        self.assertEqual(
            report.champion_id, self.champion, "the complaint's escalation manager champions its 8D"
        )
        return report

    def _fill_and_pass(self, report, code):
        """Complete ``code`` as the leader and have the champion approve it."""
        values = {
            "D0": {"emergency_response": "<p>Stop shipping LOT-A.</p>"},
            "D1": {"member_ids": [Command.create({"user_id": self.quality_user.id, "role": "Quality"})]},
            "D2": {"what": "Connector leaks", "how_many": "2 of 4"},
            "D3": {"containment_action": "<p>LOT-A quarantined.</p>", "containment_effective": "yes"},
            "D4": {
                "root_cause_ids": [
                    Command.create(
                        {
                            "cause_kind": "occurrence",
                            "cause_level": "technical",
                            "description": "Worn mould",
                            "verified": True,
                            "why_ids": [Command.create({"question": "Why leak?", "answer": "Flash"})],
                        }
                    ),
                    Command.create(
                        {
                            "cause_kind": "non_detection",
                            "cause_level": "systemic",
                            "description": "No leak test",
                            "verified": True,
                        }
                    ),
                ]
            },
            "D5": {
                "capa_ids": [
                    Command.create(
                        {
                            "title": "Replace mould insert",
                            "eight_d_step": "D5",
                            "user_id": self.leader.id,
                            "date_due": fields.Date.today(),
                        }
                    )
                ]
            },
            "D6": {"implementation_evidence": "<p>Insert replaced, 3 lots tested.</p>"},
            "D7": {"prevention_rollout": "<p>All 4 cavities of sister tools.</p>", "update_fmea": True},
            "D8": {"lessons_learned": "<p>Tool life monitoring.</p>"},
        }[code]
        report.with_user(self.leader).write(values)
        report.with_user(self.leader).action_submit_step()
        if code != "D8":
            report.with_user(self.champion).action_approve_step()

    def test_opened_from_a_complaint_with_nine_planned_steps(self):
        report = self._report()
        self.assertRegex(report.name, r"^8D-\d{4}-\d{4}$")
        self.assertEqual(report.complaint_ids, self.complaint)
        self.assertEqual(report.lot_ids, self.lot_a)
        self.assertEqual(report.step, "D0")
        self.assertEqual(report.step_ids.mapped("code"), [f"D{i}" for i in range(9)])
        self.assertEqual(report.step_ids.mapped("state"), ["open"] + ["pending"] * 8)
        dues = report.step_ids.mapped("date_due")
        self.assertEqual(dues, sorted(dues), "each step is due after the previous one")
        d3, d4 = report.step_ids[3], report.step_ids[4]
        self.assertEqual(d3.date_due - report.step_ids[2].date_due, timedelta(hours=24), "D3 within 24 h")
        self.assertEqual(self.complaint.eight_d_count, 1)
        self.assertEqual(
            self.complaint.with_user(self.leader).action_open_eight_d()["res_id"],
            report.id,
            "one 8D per complaint",
        )
        self.assertGreater(d4.date_due, d3.date_due)

    def test_steps_complete_in_order_with_the_champions_approval(self):
        report = self._report()
        with self.assertRaisesRegex(UserError, "cannot be submitted without emergency response"):
            report.with_user(self.leader).action_submit_step()
        report.emergency_response = "<p>Stop shipping.</p>"
        report.with_user(self.leader).action_submit_step()
        with self.assertRaisesRegex(UserError, "only the champion"):
            report.with_user(self.leader).action_approve_step()
        report.with_user(self.champion).action_reject_step()
        self.assertEqual(report.current_step_id.state, "open")
        report.with_user(self.leader).action_submit_step()
        report.with_user(self.champion).action_approve_step()
        self.assertEqual(report.step, "D1")
        self.assertEqual(report.step_ids[0].approved_by_id, self.champion)
        with self.assertRaisesRegex(UserError, "must be submitted"):
            report.with_user(self.champion).action_approve_step()

    def test_root_causes_need_occurrence_and_non_detection_verified(self):
        report = self._report()
        for code in ("D0", "D1", "D2", "D3"):
            self._fill_and_pass(report, code)
        report.root_cause_ids = [
            Command.create(
                {
                    "cause_kind": "occurrence",
                    "cause_level": "technical",
                    "description": "Worn mould",
                    "verified": True,
                }
            )
        ]
        with self.assertRaisesRegex(UserError, "one for non-detection"):
            report.with_user(self.leader).action_submit_step()
        report.root_cause_ids = [
            Command.create(
                {"cause_kind": "non_detection", "cause_level": "systemic", "description": "No leak test"}
            )
        ]
        with self.assertRaisesRegex(UserError, "verification of every root cause"):
            report.with_user(self.leader).action_submit_step()
        self.assertEqual(
            sorted((cause.cause_level, cause.cause_kind) for cause in report.root_cause_ids),
            [("systemic", "non_detection"), ("technical", "occurrence")],
        )

    def test_full_8d_closes_only_with_the_champions_signature(self):
        report = self._report()
        for code in ("D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7"):
            self._fill_and_pass(report, code)
        self.assertEqual(report.qty_checked, 0)
        capa = report.capa_ids
        self.assertEqual((capa.source, capa.eight_d_step), ("8d", "D5"))
        self._fill_and_pass(report, "D8")
        with self.assertRaisesRegex(UserError, "closed by the champion's signature"):
            report.with_user(self.champion).action_close()
        wizard = (
            self.env["quality.signature.wizard"]
            .with_user(self.champion)
            .create(
                {
                    "res_model": report._name,
                    "res_id": report.id,
                    "action": "action_close",
                    "meaning": "Close",
                    "password": "wrong",
                }
            )
        )
        with self.assertRaisesRegex(UserError, "Wrong password"):
            wizard.action_sign()
        wizard.password = "champion_user"
        with self.assertRaisesRegex(UserError, "actions are open"):
            wizard.action_sign()
        capa.state = "done"
        wizard.password = "champion_user"
        wizard.action_sign()
        self.assertEqual(report.step, "done")
        self.assertTrue(report.date_closed)
        signature = report.closing_signature_id
        self.assertEqual(
            (signature.user_id, signature.res_id, signature.meaning), (self.champion, report.id, "Close")
        )
        self.assertFalse(wizard.password, "the password is not kept")

    def test_only_the_champion_signs_the_closure(self):
        report = self._report()
        for code in ("D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"):
            self._fill_and_pass(report, code)
        report.capa_ids.state = "done"
        wizard = (
            self.env["quality.signature.wizard"]
            .with_user(self.leader)
            .create(
                {
                    "res_model": report._name,
                    "res_id": report.id,
                    "action": "action_close",
                    "meaning": "Close",
                    "password": "leader_user",
                }
            )
        )
        with self.assertRaisesRegex(UserError, "only the champion"):
            wizard.action_sign()
        self.assertEqual(report.step, "D8")

    def test_overdue_steps_escalate_once_to_the_champion(self):
        report = self._report()
        report.current_step_id.date_due = fields.Datetime.now() - timedelta(hours=1)
        escalated = self.env["quality.eight.d"]._cron_escalate_overdue_steps()
        self.assertEqual(escalated, report.current_step_id)
        self.assertEqual(report.activity_ids.user_id, self.champion)
        self.assertTrue(report.is_overdue)
        self.assertFalse(self.env["quality.eight.d"]._cron_escalate_overdue_steps())

    def test_a_moved_step_due_date_is_escalated_again_when_missed_again(self):
        report = self._report()
        step = report.current_step_id
        step.date_due = fields.Datetime.now() - timedelta(days=2)
        self.assertEqual(self.env["quality.eight.d"]._cron_escalate_overdue_steps(), step)
        step.date_due = fields.Datetime.now() - timedelta(hours=1)
        self.assertFalse(step.date_escalated, "a new due date is a new chance")
        self.assertEqual(self.env["quality.eight.d"]._cron_escalate_overdue_steps(), step)
        notes = report.message_ids.filtered(lambda m: "is not approved" in (m.body or ""))
        self.assertEqual(len(notes), 2, "escalated once per due date")
        self.assertEqual(len(report.activity_ids.filtered(lambda a: a.user_id == self.champion)), 2)

    def test_signatures_cannot_be_edited_or_forged(self):
        signature = (
            self.env["quality.signature"]
            .with_user(self.champion)
            ._sign(self.complaint, "Test", "champion_user")
        )
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            signature.sudo().meaning = "Something else"
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            signature.sudo().unlink()
        forged = {
            "res_model": "quality.complaint",
            "res_id": self.complaint.id,
            "user_id": self.champion.id,
            "signed_on": fields.Datetime.now(),
            "meaning": "Forged",
        }
        for signature_model in (
            self.env["quality.signature"].with_user(self.champion),
            self.env["quality.signature"].sudo(),
        ):
            with self.assertRaisesRegex(UserError, "only given by re-entering the password"):
                signature_model.create(forged)
        with self.assertRaises(AccessError):
            self.env["quality.signature"].with_user(self.champion).with_context(
                quality_signature_create=True
            ).create(forged)

    def test_form_flow_of_a_report(self):
        with Form(self.env["quality.eight.d"].with_user(self.champion)) as report_form:
            report_form.title = "Internal nonconformity on line 2"
            report_form.source = "internal"
            report_form.champion_id = self.champion
            report_form.leader_id = self.leader
        report = report_form.record
        self.assertEqual(report.current_step_id.user_id, self.leader, "the leader owns the steps")
        self.assertEqual(report.champion_id, self.champion)
