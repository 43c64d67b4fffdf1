# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestReports(ComplaintCase, HttpCase):
    """The 8D report and the reply letter render, in English and in Chinese.

    An HttpCase: wkhtmltopdf fetches the report's stylesheets from Odoo's HTTP
    server, which must serve them from this test's transaction, not wait
    behind it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"].search([("name", "=", "odoo_addon_complaints")])._update_translations(
            ["zh_CN"]
        )
        cls.complaint = cls._create_delivered_lot_complaint(
            2,
            line_values={"qty_defective": 1},
            subject="Leaking connectors",
            contact_id=cls.customer_contact.id,
            validity="valid",
            disposition="exchange",
            manager_id=cls.env.ref("base.user_admin").id,
            root_cause="<p>Worn mould insert</p>",
            customer_reply="<p>We replace the four sets.</p>",
        )
        cls.report = cls.env["quality.eight.d"].browse(cls.complaint.action_open_eight_d()["res_id"])
        cls.report.write(
            {
                "what": "Connector leaks",
                "how_many": "2 of 4",
                "root_cause_ids": [
                    Command.create(
                        {
                            "cause_kind": "occurrence",
                            "cause_level": "technical",
                            "description": "Worn mould insert",
                            "verified": True,
                        }
                    )
                ],
            }
        )

    def _render(self, xmlid, records, lang=None):
        report_model = (
            self.env["ir.actions.report"].with_context(lang=lang) if lang else self.env["ir.actions.report"]
        )
        html = report_model._render_qweb_html(xmlid, records.ids)[0].decode()
        pdf = None
        if report_model.get_wkhtmltopdf_state() == "ok":
            pdf = report_model.with_context(force_report_rendering=True)._render_qweb_pdf(xmlid, records.ids)[
                0
            ]
        return html, pdf

    def test_eight_d_report_renders(self):
        html, pdf = self._render("odoo_addon_complaints.action_report_quality_eight_d", self.report)
        self.assertIn(self.report.name, html)
        self.assertIn("Worn mould insert", html)
        self.assertIn("Connector leaks", html)
        if pdf is not None:
            self.assertTrue(pdf.startswith(b"%PDF"))

    def test_reply_letter_renders_in_the_customers_language(self):
        html, pdf = self._render(
            "odoo_addon_complaints.action_report_quality_complaint_reply", self.complaint
        )
        self.assertIn(self.complaint.name, html)
        self.assertIn("We replace the four sets.", html)
        self.assertIn("LOT-A", html)
        self.customer_contact.lang = "zh_CN"
        html_zh, pdf_zh = self._render(
            "odoo_addon_complaints.action_report_quality_complaint_reply", self.complaint
        )
        self.assertNotEqual(html, html_zh, "the Chinese letter uses the Chinese translation")
        self.assertRegex(html_zh, "[\u4e00-\u9fff]")
        if pdf_zh is not None:
            self.assertTrue(pdf_zh.startswith(b"%PDF"))

    def test_pdf_engine_is_available_where_the_tests_run(self):
        # CI installs wkhtmltopdf (scripts/ensure-report-tools); without it Odoo cannot print at all.
        self.assertEqual(self.env["ir.actions.report"].get_wkhtmltopdf_state(), "ok")
