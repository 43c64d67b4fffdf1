# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .test_regulatory_reportability import RegulatoryCase


@tagged("post_install", "-at_install")
class TestLocalDates(RegulatoryCase):
    """Regulators, customers and complaint numbers read the company's calendar day.

    Odoo stores naive UTC; the day is the one of the company's time zone (its
    working calendar's), never the UTC day nor the day of the user who clicks.
    The users below sit in New York while the company may be in Shanghai or
    Brussels; the cron and the sync agent have no time zone at all.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.new_york_user = new_test_user(
            cls.env,
            login="new_york_user",
            name="New York User",
            tz="America/New_York",
            groups="odoo_addon_complaints.group_complaint_user",
        )
        cls.vigilance.tz = "America/New_York"
        cls.form_mir = cls.env.ref("odoo_addon_complaints.form_eu_mir_7_2_1")
        cls.form_emdr = cls.env.ref("odoo_addon_complaints.form_us_emdr_3500a")

    def _as(self, user, model):
        """``model`` as ``user`` would use it from the web client, with the user's own time zone."""
        return self.env[model].with_user(user).with_context(tz=user.tz)

    def _event_received(self, received, **answers):
        complaint, event = self._complaint_with_event(date_received=received, **answers)
        self.assertEqual(event.date_awareness, complaint.date_received)
        return complaint, event

    # The helper

    def test_company_time_zone_is_the_calendars_then_the_addresss_then_utc(self):
        self._set_company_tz("Asia/Shanghai")
        self.company.partner_id.tz = "Europe/Brussels"
        self.assertEqual(self.company.complaints_tz, "Asia/Shanghai")
        self.company.resource_calendar_id = False
        self.assertEqual(self.company._complaints_tz(), "Europe/Brussels")
        self.company.partner_id.tz = False
        self.assertEqual(self.company._complaints_tz(), "UTC")
        self.assertEqual(
            self.env["res.company"]._complaints_tz(), "UTC", "an empty company is the current one"
        )

    def test_local_day_in_three_zones_across_daylight_saving_changes(self):
        cases = [
            ("Asia/Shanghai", "2026-02-28 23:00:00", date(2026, 3, 1)),  # 07:00 on 1 March
            ("Asia/Shanghai", "2026-03-01 15:59:59", date(2026, 3, 1)),
            ("Asia/Shanghai", "2026-03-01 16:00:00", date(2026, 3, 2)),
            ("Europe/Brussels", "2026-12-02 23:30:00", date(2026, 12, 3)),  # 00:30 CET
            (
                "Europe/Brussels",
                "2026-03-28 23:30:00",
                date(2026, 3, 29),
            ),  # 00:30 CET, clocks go forward at 02:00
            ("Europe/Brussels", "2026-03-29 22:30:00", date(2026, 3, 30)),  # 00:30 CEST: UTC+2 now
            (
                "Europe/Brussels",
                "2026-10-24 22:30:00",
                date(2026, 10, 25),
            ),  # 00:30 CEST, clocks go back at 03:00
            ("Europe/Brussels", "2026-10-25 22:30:00", date(2026, 10, 25)),  # 23:30 CET: UTC+1 again
            ("America/New_York", "2026-03-08 04:30:00", date(2026, 3, 7)),  # 23:30 EST, the night before DST
            ("America/New_York", "2026-03-09 03:30:00", date(2026, 3, 8)),  # 23:30 EDT
            ("America/New_York", "2026-11-01 03:30:00", date(2026, 10, 31)),  # 23:30 EDT, DST ends at 02:00
            ("America/New_York", "2026-11-02 04:30:00", date(2026, 11, 1)),  # 23:30 EST
        ]
        for tz, utc, day in cases:
            with self.subTest(tz=tz, utc=utc):
                self._set_company_tz(tz)
                self.assertEqual(self.company._complaints_local_date(utc), day)
        self.assertEqual(
            self.company._complaints_local_date(date(2026, 3, 1)), date(2026, 3, 1), "a date stays"
        )
        self._set_company_tz("Europe/Brussels")
        spring_forward = fields.Datetime.to_datetime("2026-03-29 02:30:00")
        self.assertEqual(
            fields.Datetime.to_string(self.company._complaints_to_utc(spring_forward)),
            "2026-03-29 01:30:00",
            "02:30 does not exist on the spring-forward night: read as standard time, still that day",
        )
        with freeze_time("2026-12-31 23:30:00"):
            self.assertEqual(self.company._complaints_today(), date(2027, 1, 1))

    # Complaint numbers

    def test_complaint_received_at_7_on_1_march_in_shanghai_is_a_march_complaint(self):
        self._set_company_tz("Asia/Shanghai")
        # 07:00 on 1 March in Shanghai is 18:00 on 28 February in New York.
        by_user = self._as(self.new_york_user, "quality.complaint").create(
            {"subject": "Early call", "partner_id": self.customer.id, "date_received": "2026-02-28 23:00:00"}
        )
        self.assertTrue(by_user.name.startswith("202603-"), by_user.name)
        # A cron, the sync agent or an import has no time zone: same number month.
        by_cron = (
            self.env["quality.complaint"]
            .with_context(tz=False)
            .create(
                {
                    "subject": "Imported call",
                    "partner_id": self.customer.id,
                    "date_received": "2026-02-28 23:00:00",
                }
            )
        )
        self.assertTrue(by_cron.name.startswith("202603-"), by_cron.name)
        late_february = self._create_complaint(date_received="2026-02-28 15:59:00")
        self.assertTrue(late_february.name.startswith("202602-"), late_february.name)

    def test_month_boundaries_after_daylight_saving_changes(self):
        cases = [
            # Brussels is UTC+2 since 29 March: 22:30 UTC on 31 March is 00:30 on 1 April.
            ("Europe/Brussels", "2026-03-31 22:30:00", "202604-"),
            ("Europe/Brussels", "2026-03-31 21:30:00", "202603-"),
            # New York is still on EDT (UTC-4) at midnight of 1 November; DST ends at 02:00.
            ("America/New_York", "2026-11-01 04:30:00", "202611-"),
            ("America/New_York", "2026-11-01 03:30:00", "202610-"),
        ]
        for tz, received, prefix in cases:
            with self.subTest(tz=tz, received=received):
                self._set_company_tz(tz)
                complaint = self._create_complaint(user=self.new_york_user, date_received=received)
                self.assertTrue(complaint.name.startswith(prefix), complaint.name)

    def test_yearly_numbers_start_on_the_companys_new_year(self):
        self._set_company_tz("Asia/Shanghai")
        _complaint, event = self._event_received("2026-12-31 10:00:00", ae_serious_injury="yes")
        self._decision(event, self.market_us).with_user(self.vigilance).write(
            {"reportable": "yes", "rationale": "Serious injury."}
        )
        # 17:00 UTC on 31 December: New Year's Day in Shanghai, noon on 31 December in New York.
        with freeze_time("2026-12-31 17:00:00"):
            action = (
                self._decision(event, self.market_us)
                .with_user(self.vigilance)
                .with_context(tz=self.vigilance.tz)
                .action_create_report()
            )
        report = self.env["quality.regulatory.report"].browse(action["res_id"])
        self.assertTrue(report.name.startswith("RR-2027-"), report.name)
        self.assertEqual(report.mfr_report_number[:16], "3099999999-2027-")

    def test_8d_capa_and_scar_numbers_take_the_companys_year(self):
        self._set_company_tz("Asia/Shanghai")
        supplier = self.env["res.partner"].create({"name": "Ningbo Moulding Co."})
        component = self.env["product.product"].create({"name": "Luer cap", "type": "consu"})
        # 17:00 UTC on 31 December: New Year's Day in Shanghai, noon for the user in New York.
        with freeze_time("2026-12-31 17:00:00"):
            report = self._as(self.new_york_user, "quality.eight.d").create(
                {
                    "title": "Cracked caps",
                    "source": "internal",
                    "champion_id": self.env.ref("base.user_admin").id,
                }
            )
            capa = self._as(self.new_york_user, "quality.capa").create(
                {
                    "title": "New mould insert",
                    "eight_d_id": report.id,
                    "user_id": self.new_york_user.id,
                    "date_due": "2027-01-31",
                }
            )
            scar = self._as(self.new_york_user, "quality.scar").create(
                {
                    "title": "Cracked caps",
                    "supplier_id": supplier.id,
                    "product_id": component.id,
                    "description": "Caps crack at the hinge.",
                    "user_id": self.new_york_user.id,
                }
            )
        self.assertEqual(
            [record.name.rsplit("-", 1)[0] for record in (report, capa, scar)],
            ["8D-2027", "CAPA-2027", "SCAR-2027"],
        )

    # Regulator payload and deadlines

    def test_awareness_at_0030_in_brussels_is_reported_on_that_day(self):
        self._set_company_tz("Europe/Brussels")
        # 00:30 on Thursday 3 December in Brussels; 18:30 on 2 December for the officer in New York.
        complaint, event = self._event_received("2026-12-02 23:30:00", ae_serious_injury="yes")
        self.assertEqual(event.with_user(self.vigilance).date_awareness_local, date(2026, 12, 3))
        payloads = {}
        for market, form, due in (
            (self.market_eu, self.form_mir, "2026-12-18"),  # MDR: 15 days after 3 December
            (self.market_us, self.form_emdr, "2027-01-02"),  # 803.50: 30 calendar days
        ):
            decision = (
                self._decision(event, market).with_user(self.vigilance).with_context(tz=self.vigilance.tz)
            )
            decision.write({"reportable": "yes", "rationale": "Serious injury."})
            self.assertEqual(self.company._complaints_local_date(decision.due_date).isoformat(), due)
            report = self.env["quality.regulatory.report"].browse(decision.action_create_report()["res_id"])
            self.assertEqual(report.form_id, form)
            with freeze_time("2026-12-02 23:45:00"):
                report.with_user(self.vigilance).with_context(tz=self.vigilance.tz).action_render()
            event_out = self.env["quality.sync.event"].search(
                [("res_model", "=", report._name), ("res_id", "=", report.id)], order="id desc", limit=1
            )
            payloads[market.code] = payload = event_out.payload
            self.assertEqual(payload["event"]["awareness_date"], "2026-12-03", market.code)
            self.assertEqual(payload["complaint"]["received_on"], "2026-12-03", market.code)
            self.assertEqual(payload["report"]["report_date"], "2026-12-03", market.code)
            self.assertEqual(payload["report"]["created_at"], "2026-12-02T23:45:00Z", "date-times stay UTC")
            self.assertEqual(payload["report"]["due_date"], due, market.code)
        self.assertEqual(complaint.name[:7], "202612-")

    def test_calendar_days_keep_the_local_day_across_daylight_saving_changes(self):
        self._set_company_tz("Europe/Brussels")
        # 23:30 CET on Friday 20 March; 15 days later Brussels is on CEST.
        _complaint, event = self._event_received("2026-03-20 22:30:00", ae_serious_injury="yes")
        eu = self._decision(event, self.market_eu)
        self.assertEqual(
            fields.Datetime.to_string(eu.due_date), "2026-04-04 21:30:00", "23:30 CEST on 4 April"
        )
        self.assertEqual(self.company._complaints_local_date(eu.due_date), date(2026, 4, 4))

        self._set_company_tz("America/New_York")
        # 00:30 EDT on Tuesday 20 October; 30 days later New York is on EST.
        _complaint, event = self._event_received("2026-10-20 04:30:00", ae_serious_injury="yes")
        us = self._decision(event, self.market_us)
        self.assertEqual(
            fields.Datetime.to_string(us.due_date), "2026-11-19 05:30:00", "00:30 EST on 19 November"
        )
        self.assertEqual(self.company._complaints_local_date(us.due_date), date(2026, 11, 19))
        event.classification = "group_event"
        self.assertEqual(
            fields.Datetime.to_string(self._decision(event, self.market_cn).due_date),
            "2026-10-20 16:30:00",
            "hours are elapsed hours: China's 12 hours",
        )

        self._set_company_tz("Asia/Shanghai")
        # 07:00 on 2 March in Shanghai is still 1 March in UTC.
        _complaint, event = self._event_received("2026-03-01 23:00:00", ae_death="yes")
        cn = self._decision(event, self.market_cn)
        self.assertEqual(fields.Datetime.to_string(cn.due_date), "2026-03-08 23:00:00")
        self.assertEqual(
            self.company._complaints_local_date(cn.due_date), date(2026, 3, 9), "7 days after 2 March"
        )

    def test_work_days_count_from_the_local_awareness_day(self):
        # The 8-12, 13-17 calendar, in New York; DST starts on Sunday 8 March.
        self._set_company_tz("America/New_York")
        # 22:30 EST on Thursday 5 March: already Friday in UTC.
        _complaint, event = self._event_received("2026-03-06 03:30:00", ae_malfunction="yes")
        event.remedial_action = True
        us = self._decision(event, self.market_us)
        self.assertEqual(us.rule_id, self.env.ref("odoo_addon_complaints.rule_us_remedial"))
        # Five work days after Thursday: Friday, then Monday to Thursday, to 17:00 EDT.
        self.assertEqual(fields.Datetime.to_string(us.due_date), "2026-03-12 21:00:00")

    # Letters, reports and mails

    def test_reply_letter_and_8d_report_print_the_companys_day(self):
        self._set_company_tz("Asia/Shanghai")
        complaint = self._create_complaint(
            line_ids=[Command.create(self._line_vals(1))],
            date_received="2026-02-28 23:00:00",
            contact_id=self.customer_contact.id,
            manager_id=self.complaint_manager.id,
        )
        complaint.date_reply = "2026-03-31 17:00:00"  # 01:00 on 1 April in Shanghai
        reports = self._as(self.new_york_user, "ir.actions.report")
        html = reports._render_qweb_html(
            "odoo_addon_complaints.action_report_quality_complaint_reply", complaint.ids
        )[0].decode()
        self.assertIn("03/01/2026", html, "received on 1 March in Shanghai")
        self.assertNotIn("02/28/2026", html)
        self.assertIn("04/01/2026", html, "the letter is dated 1 April in Shanghai")

        eight_d = self.env["quality.eight.d"].browse(complaint.action_open_eight_d()["res_id"])
        eight_d.date_closed = "2026-02-28 23:00:00"
        html = reports._render_qweb_html("odoo_addon_complaints.action_report_quality_eight_d", eight_d.ids)[
            0
        ].decode()
        self.assertIn("03/01/2026 07:00", html, "closed at 07:00 on 1 March in Shanghai")
        self.assertNotIn("02/28/2026", html)

    def test_acknowledgement_promises_the_reply_in_the_companys_time(self):
        self._set_company_tz("Asia/Shanghai")
        complaint = self._create_complaint(contact_id=self.customer_contact.id, user_id=self.new_york_user.id)
        reply = complaint.deadline_ids.filtered(lambda d: d.kind == "reply")
        self.assertTrue(reply, "the minor severity promises a reply")
        reply.with_context(complaint_deadline_replan=True).date_due = "2026-02-28 23:00:00"
        template = self.env.ref("odoo_addon_complaints.mail_template_complaint_acknowledgement")
        body = (
            template.with_user(self.new_york_user)
            .with_context(tz=self.new_york_user.tz)
            ._render_field("body_html", complaint.ids)[complaint.id]
        )
        self.assertIn("Mar 1, 2026", body)

    def test_overdue_note_names_the_companys_time(self):
        self._set_company_tz("Europe/Brussels")
        self.assertEqual(
            self.company._complaints_format_datetime("2026-12-17 23:30:00"),
            "2026-12-18 00:30 (Europe/Brussels)",
        )
