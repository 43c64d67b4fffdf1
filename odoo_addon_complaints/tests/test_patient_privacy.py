# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .test_regulatory_reportability import RegulatoryCase

RENDERED = b"<incident><patient><age>61</age><gender>male</gender></patient></incident>"


@tagged("post_install", "-at_install")
class TestPatientPrivacy(RegulatoryCase, HttpCase):
    """Rendered regulator files and the payloads behind them are for vigilance staff only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env,
            login="privacy_agent",
            groups="base.group_user,odoo_addon_complaints.group_sync_integration",
        )
        cls.plain_manager = new_test_user(
            cls.env,
            login="privacy_manager",
            name="Manager Without Vigilance",
            groups="odoo_addon_complaints.group_complaint_manager,odoo_addon_complaints.group_sync_admin",
        )
        complaint = cls._create_delivered_lot_complaint(subject="Pump over-infused", ae_serious_injury="yes")
        event = complaint.adverse_event_ids
        event.write({"patient_code": "P-7", "patient_age": 61, "patient_sex": "male"})
        decision = event.decision_ids.filtered(lambda d: d.market_id == cls.market_eu)
        decision.write({"reportable": "yes", "rationale": "Serious injury."})
        cls.report = (
            cls.env["quality.regulatory.report"]
            .with_user(cls.vigilance)
            .create(
                {
                    "adverse_event_id": event.id,
                    "decision_id": decision.id,
                    "market_id": cls.market_eu.id,
                    "form_id": cls.env.ref("odoo_addon_complaints.form_eu_mir_7_2_1").id,
                    "report_type": "initial",
                    "date_due": decision.due_date,
                }
            )
        )
        cls.report.with_user(cls.vigilance).action_render()
        cls.env["quality.regulatory.report"].with_user(cls.agent).sync_report_rendered(
            cls.report.id,
            cls.report.render_event_uid,
            "MIR_initial.xml",
            base64.b64encode(RENDERED).decode(),
            hashlib.sha256(RENDERED).hexdigest(),
        )
        cls.attachment = cls.report.sudo().attachment_id
        cls.event = (
            cls.env["quality.sync.event"]
            .sudo()
            .search([("res_model", "=", cls.report._name), ("res_id", "=", cls.report.id)], limit=1)
        )

    def test_the_validated_report_holds_the_file_for_vigilance_staff(self):
        self.assertEqual(self.report.state, "validated")
        self.assertEqual(self.attachment.raw, RENDERED)
        self.assertEqual(base64.b64decode(self.report.with_user(self.vigilance).file_data), RENDERED)

    def test_others_see_the_report_but_not_the_file(self):
        for user in (self.complaint_user, self.complaint_manager, self.plain_manager):
            report = self.report.with_user(user)
            self.assertEqual(report.state, "validated", "the report and its state stay visible")
            self.assertEqual(report.file_name, "MIR_initial.xml")
            with self.assertRaises(AccessError):
                report.read(["file_data"])
            with self.assertRaises(AccessError):
                self.attachment.with_user(user).read(["raw"])
            found = (
                self.env["ir.attachment"]
                .with_user(user)
                .search([("res_model", "=", self.report._name), ("res_id", "=", self.report.id)])
            )
            self.assertNotIn(self.attachment, found)

    def test_the_chatter_carries_no_copy_of_the_file(self):
        messages = self.report.sudo().message_ids
        self.assertFalse(messages.attachment_ids, "the validation note must not attach the file")

    def test_download_through_web_content(self):
        urls = (
            f"/web/content/{self.attachment.id}",
            f"/web/content/{self.report._name}/{self.report.id}/file_data",
        )
        self.authenticate(self.complaint_user.login, self.complaint_user.login)
        for url in urls:
            response = self.url_open(url)
            self.assertIn(response.status_code, (403, 404), url)
            self.assertNotIn(b"<age>61</age>", response.content)
        self.authenticate(self.vigilance.login, self.vigilance.login)
        for url in urls:
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertEqual(response.content, RENDERED)

    def test_outbox_payloads_with_patient_data_are_hidden_from_non_vigilance_staff(self):
        event = self.event.with_user(self.plain_manager)
        self.assertEqual(event.event_type, "regulatory_report.render")
        with self.assertRaises(AccessError):
            event.read(["payload"])
        self.assertEqual(list(event.payload_shown), ["hidden"], "nothing of the payload is shown")
        vigilance_view = self.event.with_user(self.env.ref("base.user_admin"))
        self.assertIn("patient", str(vigilance_view.payload_shown), "a Vigilance Officer sees the payload")

    def test_patient_fields_stay_hidden_in_exports(self):
        adverse_event = self.report.adverse_event_id
        with self.assertRaises(AccessError):
            adverse_event.with_user(self.complaint_manager)._export_rows([["patient_age"], ["patient_sex"]])
        rows = adverse_event.with_user(self.vigilance)._export_rows([["patient_age"]])
        self.assertEqual(rows, [[61]])
