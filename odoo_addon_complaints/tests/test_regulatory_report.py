# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .outbox import trap_sync_events
from .test_regulatory_reportability import RegulatoryCase

PAYLOAD_EXAMPLE = Path(__file__).resolve().parents[2] / "mappings/examples/regulatory_report.render.v1.json"


def _shape(value):
    """The key structure of a JSON value: what the agent's mappings rely on."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return "list"
    return None


@tagged("post_install", "-at_install")
class TestRegulatoryReport(RegulatoryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env,
            login="regulatory_agent",
            groups="base.group_user,odoo_addon_complaints.group_sync_integration",
        )
        cls.sync_admin = new_test_user(
            cls.env, login="regulatory_sync_admin", groups="odoo_addon_complaints.group_sync_admin"
        )
        cls.form_mir = cls.env.ref("odoo_addon_complaints.form_eu_mir_7_2_1")
        cls.form_emdr = cls.env.ref("odoo_addon_complaints.form_us_emdr_3500a")
        # Only this test's events are due.
        cls.env["quality.sync.event"].search([]).unlink()

    def setUp(self):
        super().setUp()
        _complaint, self.event = self._complaint_with_event(ae_serious_injury="yes")
        self.event.write(
            {
                "patient_code": "P-1",
                "patient_age": 61,
                "patient_sex": "male",
                "device_problem_code_ids": [(6, 0, self.env.ref("odoo_addon_complaints.imdrf_a0504").ids)],
            }
        )
        self.eu = self._decision(self.event, self.market_eu)
        self.eu.write({"reportable": "yes", "rationale": "Serious injury."})

    def _initial(self, **values):
        vals = {
            "adverse_event_id": self.event.id,
            "decision_id": self.eu.id,
            "market_id": self.market_eu.id,
            "form_id": self.form_mir.id,
            "report_type": "initial",
            "date_due": self.eu.due_date,
        }
        vals.update(values)
        return self.env["quality.regulatory.report"].with_user(self.vigilance).create(vals)

    def _render_event(self, report):
        return self.env["quality.sync.event"].search(
            [("res_model", "=", report._name), ("res_id", "=", report.id)], order="id desc", limit=1
        )

    def test_decision_opens_the_initial_report_with_form_and_due_date(self):
        action = self.eu.with_user(self.vigilance).action_create_report()
        report = self.env["quality.regulatory.report"].browse(action["res_id"])
        self.assertEqual(report.form_id, self.form_mir)
        self.assertEqual(report.date_due, self.eu.due_date)
        self.assertEqual(report.state, "draft")
        self.assertEqual(report.mfr_report_number[:16], "DE-MF-000099999-")

    def test_render_queues_an_outbox_event_with_the_payload_the_agent_expects(self):
        report = self._initial()
        with trap_sync_events(self.env) as trap:
            report.action_render()
        event = trap.assert_enqueued(
            "regulatory_report.render",
            target="eu_mir_7_2_1",
            record=report,
            payload={
                "report": {"mfr_report_number": report.mfr_report_number},
                "device": {"registration_number": "CE-1", "lot": "LOT-A"},
                "manufacturer": {"srn": "DE-MF-000099999"},
            },
        )
        self.assertEqual(event.state, "pending")
        self.assertEqual(report.render_state, "queued")
        self.assertEqual(report.render_event_uid, event.event_uid)
        example = json.loads(PAYLOAD_EXAMPLE.read_text(encoding="utf-8"))["payload"]
        self.assertEqual(_shape(event.payload), _shape(example), "payload v1 keeps the documented shape")
        payload = event.payload
        self.assertEqual(payload["event"]["patient"]["age"], 61)
        self.assertEqual(
            payload["event"]["imdrf"]["device_problem"][0],
            {"code": "A0504", "fda_code": "1354", "term": "Leak/Splash"},
        )

    def test_follow_ups_continue_the_initial_report(self):
        initial = self._initial(regulator_ref="BfArM-42")
        with self.assertRaisesRegex(ValidationError, "continues an initial report"):
            self._initial(report_type="followup")
        first = self._initial(report_type="followup", initial_report_id=initial.id)
        second = self._initial(report_type="final", initial_report_id=initial.id)
        self.assertEqual((first.follow_up_number, second.follow_up_number), (1, 2))
        self.assertEqual(second.mfr_report_number, initial.mfr_report_number)
        self.assertEqual(second.regulator_ref, "BfArM-42")

    def test_form_must_offer_the_report_type(self):
        us = self._decision(self.event, self.market_us)
        us.write({"reportable": "yes", "rationale": "Serious injury."})
        with self.assertRaisesRegex(ValidationError, "has no Combined Initial and Final report"):
            self._initial(
                market_id=self.market_us.id,
                form_id=self.form_emdr.id,
                decision_id=us.id,
                report_type="initial_final",
            )
        with self.assertRaisesRegex(ValidationError, "is not a"):
            self._initial(form_id=self.form_emdr.id)

    def test_valid_file_from_the_agent_is_attached_and_validates_the_report(self):
        report = self._initial()
        report.action_render()
        content = b"<incident/>"
        uid = report.render_event_uid
        with self.assertRaises(AccessError):
            report.with_user(self.vigilance).sync_report_rendered(
                report.id,
                uid,
                "x.xml",
                base64.b64encode(content).decode(),
                hashlib.sha256(content).hexdigest(),
            )
        agent_model = self.env["quality.regulatory.report"].with_user(self.agent)
        with self.assertRaisesRegex(UserError, "checksum"):
            agent_model.sync_report_rendered(
                report.id, uid, "x.xml", base64.b64encode(content).decode(), "0" * 64
            )
        stale = agent_model.sync_report_rendered(
            report.id,
            "older-event",
            "x.xml",
            base64.b64encode(content).decode(),
            hashlib.sha256(content).hexdigest(),
        )
        self.assertFalse(stale["applied"])
        self.assertEqual(report.state, "draft")
        result = agent_model.sync_report_rendered(
            report.id,
            uid,
            "RR_MIR_initial.xml",
            base64.b64encode(content).decode(),
            hashlib.sha256(content).hexdigest(),
        )
        self.assertTrue(result["applied"])
        self.assertEqual(report.state, "validated")
        self.assertEqual(report.attachment_id.raw, content)
        self.assertEqual(report.file_name, "RR_MIR_initial.xml")

    def test_invalid_file_keeps_the_report_in_draft_naming_the_element(self):
        report = self._initial()
        report.action_render()
        self.env["quality.regulatory.report"].with_user(self.agent).sync_report_invalid(
            report.id,
            report.render_event_uid,
            [{"path": "/incident/admin_info/ncaReportNo", "message": "Missing child element(s)."}],
        )
        self.assertEqual((report.state, report.render_state), ("draft", "invalid"))
        self.assertIn("/incident/admin_info/ncaReportNo: Missing child element(s).", report.validation_errors)
        self.assertFalse(report.attachment_id)
        self.assertIn("1 place(s)", report.message_ids[0].body)
        self.assertNotIn("ncaReportNo", report.message_ids[0].body, "the chatter does not quote the file")
        self.assertNotIn("ncaReportNo", report.activity_ids.note or "")
        self.assertIn(
            "ncaReportNo", report.with_user(self.vigilance).validation_errors, "vigilance staff read it"
        )
        self.assertTrue(report.activity_ids, "someone is asked to fix the data")
        first = self._render_event(report)
        report.action_render()
        self.assertFalse(report.validation_errors, "a new rendering starts clean")
        self.assertEqual(
            (first.state, first.superseded_from),
            ("superseded", "pending"),
            "a rendering still waiting is superseded",
        )
        self.assertEqual(self._render_event(report).state, "pending")

    def test_only_vigilance_staff_read_the_validation_messages(self):
        """A schema message may quote a value of the file, patient data included."""
        report = self._initial()
        report.action_render()
        self.env["quality.regulatory.report"].with_user(self.agent).sync_report_invalid(
            report.id,
            report.render_event_uid,
            [{"path": "/incident/patient/age", "message": "'61x' is not a valid value of the atomic type."}],
        )
        complaint_user = new_test_user(
            self.env, login="validation_reader", groups="odoo_addon_complaints.group_complaint_user"
        )
        as_user = report.with_user(complaint_user)
        self.assertTrue(as_user.has_validation_errors, "they see that the file failed")
        with self.assertRaises(AccessError):
            as_user.read(["validation_errors"])
        self.assertNotIn("61x", as_user.message_ids[0].body)
        form = as_user.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="validation_errors"', form, "the field is left out of their form")
        self.assertIn("61x", report.with_user(self.vigilance).validation_errors)

    def test_submission_and_fda_acknowledgement(self):
        us = self._decision(self.event, self.market_us)
        us.write({"reportable": "yes", "rationale": "Serious injury."})
        report = self._initial(market_id=self.market_us.id, form_id=self.form_emdr.id, decision_id=us.id)
        self.assertTrue(report.mfr_report_number.startswith("3099999999-"))
        with self.assertRaisesRegex(UserError, "only a validated file"):
            report.action_submit()
        report.sudo().state = "validated"
        report.with_user(self.vigilance).action_submit()
        self.assertEqual(report.state, "submitted")
        with self.assertRaisesRegex(UserError, "not rendered again"):
            report.action_render()
        agent_model = self.env["quality.regulatory.report"].with_user(self.agent)
        unmatched = agent_model.sync_apply_acknowledgement(
            {"kind": "ACK3", "report_number": "1-2026-99999", "status": "accepted"}
        )
        self.assertFalse(unmatched["matched"])
        result = agent_model.sync_apply_acknowledgement(
            {
                "kind": "ACK3",
                "report_number": report.mfr_report_number,
                "status": "rejected",
                "core_id": "ci1.2@te",
                "errors": [{"section": "reportIdentifier", "message": "Manufacturer number is not valid."}],
            }
        )
        self.assertEqual(result, {"matched": True, "report": report.name, "state": "rejected"})
        self.assertEqual(report.ack_ref, "ci1.2@te")
        self.assertIn("Manufacturer number is not valid.", report.validation_errors)
        self.assertNotIn("Manufacturer number is not valid.", report.message_ids[0].body)
        report.action_reset_to_draft()
        self.assertEqual(report.state, "draft")

    def test_overdue_reports_escalate_once(self):
        report = self._initial(date_due=fields.Datetime.now() - timedelta(hours=1))
        self.company.vigilance_user_id = self.vigilance
        self.assertTrue(report.is_overdue)
        self.assertIn(report, self.env["quality.regulatory.report"].search([("is_overdue", "=", True)]))
        model = self.env["quality.regulatory.report"]
        self.assertGreaterEqual(model._cron_escalate_overdue(), 1)
        activity_type = self.env.ref("odoo_addon_complaints.mail_activity_regulatory_overdue")
        escalations = report.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertIn(self.vigilance, escalations.user_id)
        self.assertTrue(report.date_escalated)
        model._cron_escalate_overdue()
        self.assertEqual(
            len(report.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)),
            len(escalations),
            "escalated once",
        )

    def test_a_moved_due_date_is_escalated_again_when_missed_again(self):
        report = self._initial(date_due=fields.Datetime.now() - timedelta(days=2))
        self.company.vigilance_user_id = self.vigilance
        model = self.env["quality.regulatory.report"]
        model._cron_escalate_overdue()
        self.assertTrue(report.date_escalated)
        report.with_user(self.vigilance).date_due = fields.Datetime.now() - timedelta(hours=1)
        self.assertFalse(report.date_escalated, "a new promise is a new chance")
        model._cron_escalate_overdue()
        self.assertTrue(report.date_escalated)
        notes = report.message_ids.filtered(lambda m: f"report {report.name} was due" in (m.body or ""))
        self.assertEqual(len(notes), 2, "escalated once per due date")
        self.assertIn(self.vigilance.partner_id, notes.partner_ids, "the vigilance contact is notified")

    def _agent_renders(self, agent_id="agent-a"):
        """What the agent claims for the EU MIR now, as uids in claim order."""
        outbox = self.env["quality.sync.event"].with_user(self.agent)
        return [
            event["event_uid"] for event in outbox.sync_claim(agent_id, limit=10, targets=["eu_mir_7_2_1"])
        ]

    def _file(self, report, event_uid, agent_id="agent-a"):
        """The agent writes a valid file for ``event_uid``, tells the report and acks the event."""
        content = f"<incident uid='{event_uid}'/>".encode()
        answer = (
            self.env["quality.regulatory.report"]
            .with_user(self.agent)
            .sync_report_rendered(
                report.id,
                event_uid,
                "RR_MIR_initial.xml",
                base64.b64encode(content).decode(),
                hashlib.sha256(content).hexdigest(),
            )
        )
        acked = (
            self.env["quality.sync.event"]
            .with_user(self.agent)
            .sync_ack(agent_id, event_uid, "RR_MIR_initial.xml")
        )
        return answer, acked

    def _invalid(self, report, event_uid, agent_id="agent-a"):
        """The agent found the file invalid: it tells the report, then fails the event for good."""
        answer = (
            self.env["quality.regulatory.report"]
            .with_user(self.agent)
            .sync_report_invalid(
                report.id,
                event_uid,
                [{"path": "/incident/admin_info/ncaReportNo", "message": "Missing child element(s)."}],
            )
        )
        state = (
            self.env["quality.sync.event"]
            .with_user(self.agent)
            .sync_fail(
                agent_id, event_uid, "/incident/admin_info/ncaReportNo: Missing child element(s).", False
            )
        )
        return answer, state

    def test_a_fixed_invalid_report_renders_again(self):
        report = self._initial()
        report.action_render()
        failed = self._render_event(report)
        self.assertEqual(self._agent_renders(), [failed.event_uid])
        self.assertEqual(
            self._invalid(report, failed.event_uid), ({"applied": True, "state": "draft"}, "dead")
        )
        self.assertEqual(report.render_state, "invalid")

        report.with_user(self.vigilance).write({"regulator_ref": "BfArM-42"})  # the data is fixed
        report.action_render()
        event = self._render_event(report)
        self.assertEqual(report.render_state, "queued")
        self.assertEqual(
            (failed.state, failed.superseded_by_id, failed.superseded_from), ("superseded", event, "dead")
        )
        self.assertIn("ncaReportNo", failed.last_error, "the failed rendering keeps its history")
        self.assertEqual(failed.attempts, 1)
        self.assertFalse(event.with_user(self.sync_admin).is_blocked, "nothing holds the new rendering")
        self.assertEqual(self._agent_renders(), [event.event_uid], "the new rendering goes out at once")
        self.assertEqual(self._file(report, event.event_uid), ({"applied": True, "state": "validated"}, True))
        self.assertEqual((report.state, report.render_state), ("validated", "done"))

    def test_a_new_rendering_supersedes_the_one_being_rendered_and_ignores_its_answers(self):
        report = self._initial()
        report.action_render()
        sent = self._render_event(report)
        self.assertEqual(self._agent_renders(), [sent.event_uid])
        self._file(report, sent.event_uid)
        report.action_render()
        leased = self._render_event(report)
        self.assertEqual(self._agent_renders(), [leased.event_uid])
        report.action_render()  # while the agent renders the previous one
        newest = self._render_event(report)
        self.assertEqual(sent.state, "done", "a file rendered and attached stays so")
        self.assertEqual(
            (leased.state, leased.superseded_by_id, leased.superseded_from), ("superseded", newest, "leased")
        )
        self.assertEqual(
            self._agent_renders("agent-b"), [newest.event_uid], "the superseded lease holds nothing back"
        )

        # The stale agent answers: the report and the superseded event stay as they are.
        agent_reports = self.env["quality.regulatory.report"].with_user(self.agent)
        stale = agent_reports.sync_report_invalid(
            report.id, leased.event_uid, [{"path": "/x", "message": "late"}]
        )
        self.assertEqual(stale, {"applied": False, "reason": "stale"})
        self.assertEqual(self._file(report, leased.event_uid), ({"applied": False, "reason": "stale"}, False))
        outbox = self.env["quality.sync.event"].with_user(self.agent)
        self.assertFalse(outbox.sync_fail("agent-a", leased.event_uid, "HTTP 503", True))
        self.assertEqual(outbox.sync_release("agent-a", [leased.event_uid]), 0)
        leased.sudo().lease_expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self._agent_renders("agent-c"), [], "its lapsed lease is not claimed again")
        self.assertEqual((leased.state, leased.date_done, leased.remote_ref), ("superseded", False, False))
        self.assertEqual(
            (report.state, report.render_state, report.render_event_uid),
            ("draft", "queued", newest.event_uid),
        )

        self.assertEqual(
            self._file(report, newest.event_uid, "agent-b"), ({"applied": True, "state": "validated"}, True)
        )

    def test_a_new_rendering_supersedes_pending_and_cancelled_ones_for_good(self):
        report = self._initial()
        report.action_render()
        cancelled = self._render_event(report)
        cancelled.with_user(self.sync_admin).action_cancel()
        report.action_render()
        pending = self._render_event(report)
        report.action_render()
        newest = self._render_event(report)
        self.assertEqual((cancelled.state, cancelled.superseded_from), ("superseded", "cancelled"))
        self.assertEqual((pending.state, pending.superseded_from), ("superseded", "pending"))
        (cancelled | pending).with_user(self.sync_admin).action_requeue()
        self.assertEqual(
            set((cancelled | pending).mapped("state")), {"superseded"}, "an old rendering is not sent again"
        )
        self.assertEqual(self._agent_renders(), [newest.event_uid])
