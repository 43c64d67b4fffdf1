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
            cls.env, login="regulatory_agent", groups="base.group_user,odoo_addon_complaints.group_sync_integration"
        )
        cls.form_mir = cls.env.ref("odoo_addon_complaints.form_eu_mir_7_2_1")
        cls.form_emdr = cls.env.ref("odoo_addon_complaints.form_us_emdr_3500a")

    def setUp(self):
        super().setUp()
        _complaint, self.event = self._complaint_with_event(ae_serious_injury="yes")
        self.event.write(
            {
                "patient_code": "P-1", "patient_age": 61, "patient_sex": "male",
                "device_problem_code_ids": [(6, 0, self.env.ref("odoo_addon_complaints.imdrf_a0504").ids)],
            }
        )
        self.eu = self._decision(self.event, self.market_eu)
        self.eu.write({"reportable": "yes", "rationale": "Serious injury."})

    def _initial(self, **values):
        vals = {
            "adverse_event_id": self.event.id, "decision_id": self.eu.id, "market_id": self.market_eu.id,
            "form_id": self.form_mir.id, "report_type": "initial", "due_date": self.eu.due_date,
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
        self.assertEqual(report.due_date, self.eu.due_date)
        self.assertEqual(report.state, "draft")
        self.assertEqual(report.mfr_report_number[:16], "DE-MF-000099999-")

    def test_render_queues_an_outbox_event_with_the_payload_the_agent_expects(self):
        report = self._initial()
        report.action_render()
        event = self._render_event(report)
        self.assertEqual((event.target, event.event_type, event.state), ("eu_mir_7_2_1", "regulatory_report.render", "pending"))
        self.assertEqual(report.render_state, "queued")
        self.assertEqual(report.render_event_uid, event.event_uid)
        example = json.loads(PAYLOAD_EXAMPLE.read_text(encoding="utf-8"))["payload"]
        self.assertEqual(_shape(event.payload), _shape(example), "payload v1 keeps the documented shape")
        payload = event.payload
        self.assertEqual(payload["report"]["mfr_report_number"], report.mfr_report_number)
        self.assertEqual(payload["device"]["registration_number"], "CE-1")
        self.assertEqual(payload["device"]["lot"], "LOT-A")
        self.assertEqual(payload["event"]["patient"]["age"], 61)
        self.assertEqual(payload["event"]["imdrf"]["device_problem"][0], {"code": "A0504", "fda_code": "1354", "term": "Leak/Splash"})
        self.assertEqual(payload["manufacturer"]["srn"], "DE-MF-000099999")

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
            self._initial(market_id=self.market_us.id, form_id=self.form_emdr.id, decision_id=us.id, report_type="initial_final")
        with self.assertRaisesRegex(ValidationError, "is not a"):
            self._initial(form_id=self.form_emdr.id)

    def test_valid_file_from_the_agent_is_attached_and_validates_the_report(self):
        report = self._initial()
        report.action_render()
        content = b"<incident/>"
        uid = report.render_event_uid
        with self.assertRaises(AccessError):
            report.with_user(self.vigilance).sync_report_rendered(
                report.id, uid, "x.xml", base64.b64encode(content).decode(), hashlib.sha256(content).hexdigest()
            )
        agent_model = self.env["quality.regulatory.report"].with_user(self.agent)
        with self.assertRaisesRegex(UserError, "checksum"):
            agent_model.sync_report_rendered(report.id, uid, "x.xml", base64.b64encode(content).decode(), "0" * 64)
        stale = agent_model.sync_report_rendered(
            report.id, "older-event", "x.xml", base64.b64encode(content).decode(), hashlib.sha256(content).hexdigest()
        )
        self.assertFalse(stale["applied"])
        self.assertEqual(report.state, "draft")
        result = agent_model.sync_report_rendered(
            report.id, uid, "RR_MIR_initial.xml", base64.b64encode(content).decode(), hashlib.sha256(content).hexdigest()
        )
        self.assertTrue(result["applied"])
        self.assertEqual(report.state, "validated")
        self.assertEqual(report.attachment_id.raw, content)
        self.assertEqual(report.file_name, "RR_MIR_initial.xml")

    def test_invalid_file_keeps_the_report_in_draft_naming_the_element(self):
        report = self._initial()
        report.action_render()
        self.env["quality.regulatory.report"].with_user(self.agent).sync_report_invalid(
            report.id, report.render_event_uid,
            [{"path": "/incident/admin_info/ncaReportNo", "message": "Missing child element(s)."}],
        )
        self.assertEqual((report.state, report.render_state), ("draft", "invalid"))
        self.assertIn("/incident/admin_info/ncaReportNo: Missing child element(s).", report.validation_errors)
        self.assertFalse(report.attachment_id)
        self.assertTrue(report.activity_ids, "someone is asked to fix the data")
        first = self._render_event(report)
        report.action_render()
        self.assertFalse(report.validation_errors, "a new rendering starts clean")
        self.assertEqual(first.state, "cancelled", "a rendering still waiting is superseded")
        self.assertEqual(self._render_event(report).state, "pending")

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
        unmatched = agent_model.sync_apply_acknowledgement({"kind": "ACK3", "report_number": "1-2026-99999", "status": "accepted"})
        self.assertFalse(unmatched["matched"])
        result = agent_model.sync_apply_acknowledgement(
            {"kind": "ACK3", "report_number": report.mfr_report_number, "status": "rejected", "core_id": "ci1.2@te",
             "errors": [{"section": "reportIdentifier", "message": "Manufacturer number is not valid."}]}
        )
        self.assertEqual(result, {"matched": True, "report": report.name, "state": "rejected"})
        self.assertEqual(report.ack_ref, "ci1.2@te")
        self.assertIn("Manufacturer number is not valid.", report.validation_errors)
        report.action_reset_to_draft()
        self.assertEqual(report.state, "draft")

    def test_overdue_reports_escalate_once(self):
        report = self._initial(due_date=fields.Datetime.now() - timedelta(hours=1))
        self.company.vigilance_user_id = self.vigilance
        self.assertTrue(report.is_overdue)
        self.assertIn(report, self.env["quality.regulatory.report"].search([("is_overdue", "=", True)]))
        model = self.env["quality.regulatory.report"]
        self.assertGreaterEqual(model._cron_escalate_overdue(), 1)
        activity_type = self.env.ref("odoo_addon_complaints.mail_activity_regulatory_overdue")
        escalations = report.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertIn(self.vigilance, escalations.user_id)
        self.assertTrue(report.escalated_on)
        model._cron_escalate_overdue()
        self.assertEqual(
            len(report.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)), len(escalations),
            "escalated once",
        )
