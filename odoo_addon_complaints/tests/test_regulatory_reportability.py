# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class RegulatoryCase(ComplaintCase):
    """A registered medical device, a 40-hour UTC calendar and a vigilance officer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.resource_calendar_id = cls._utc_40h_calendar()
        cls.company.write({"eu_srn": "DE-MF-000099999", "fda_registration_number": "3099999999"})
        cls.market_eu = cls.env.ref("odoo_addon_complaints.market_eu")
        cls.market_us = cls.env.ref("odoo_addon_complaints.market_us")
        cls.market_cn = cls.env.ref("odoo_addon_complaints.market_cn")
        cls.product.product_tmpl_id.write(
            {
                "is_medical_device": True,
                "device_trade_name": "PumpSafe",
                "udi_di": "04099999000011",
                "device_registration_ids": [
                    Command.create({"market_id": cls.market_eu.id, "number": "CE-1", "risk_class": "eu_iib"}),
                    Command.create(
                        {"market_id": cls.market_us.id, "number": "K269999", "risk_class": "us_2"}
                    ),
                    Command.create(
                        {"market_id": cls.market_cn.id, "number": "国械注进2026", "risk_class": "cn_3"}
                    ),
                ],
            }
        )
        cls.vigilance = new_test_user(
            cls.env,
            login="vigilance_officer",
            name="Vigilance Officer",
            groups="odoo_addon_complaints.group_regulatory_user",
        )

    def _complaint_with_event(self, **answers):
        complaint = self._create_complaint(line_ids=[Command.create(self._line_vals(1))], **answers)
        return complaint, complaint.adverse_event_ids

    def _decision(self, event, market):
        return event.decision_ids.filtered(lambda d: d.market_id == market)


class TestAdverseEventOpening(RegulatoryCase):
    def test_a_yes_on_a_medical_device_opens_the_evaluation(self):
        complaint = self._create_complaint(
            line_ids=[Command.create(self._line_vals(1))], user=self.complaint_user
        )
        self.assertTrue(complaint.is_medical_device)
        self.assertFalse(complaint.adverse_event_ids, "no evaluation without a yes")
        complaint.with_user(self.complaint_user).ae_death = "yes"
        event = complaint.adverse_event_ids
        self.assertEqual(len(event), 1)
        self.assertEqual(event.classification, "death")
        self.assertEqual(event.product_id, self.product)
        self.assertEqual(event.lot_id, self.lot_a)
        self.assertEqual(event.date_awareness, complaint.date_received)
        self.assertEqual(set(event.decision_ids.market_id.mapped("code")), {"eu", "us", "cn"})
        complaint.ae_serious_injury = "yes"
        self.assertEqual(len(complaint.adverse_event_ids), 1, "a second yes opens no second evaluation")

    def test_no_evaluation_for_products_that_are_not_devices(self):
        self.product.is_medical_device = False
        complaint, event = self._complaint_with_event(ae_malfunction="yes")
        self.assertFalse(complaint.is_medical_device)
        self.assertFalse(event)

    def test_patient_data_is_for_vigilance_staff_only(self):
        _complaint, event = self._complaint_with_event(ae_serious_injury="yes")
        event.sudo().patient_age = 54
        self.assertEqual(event.with_user(self.vigilance).patient_age, 54)
        with self.assertRaises(AccessError):
            event.with_user(self.complaint_user).read(["patient_age"])
        with self.assertRaises(AccessError):
            event.with_user(self.complaint_user).write({"narrative": "changed"})


class TestReportability(RegulatoryCase):
    def test_due_dates_follow_each_market_rules(self):
        _complaint, event = self._complaint_with_event(ae_death="yes")
        event.date_awareness = "2026-03-02 10:00:00"  # a Monday
        due = {d.market_id.code: fields.Datetime.to_string(d.due_date) for d in event.decision_ids}
        self.assertEqual(due["eu"], "2026-03-12 10:00:00", "EU death: 10 days")
        self.assertEqual(due["us"], "2026-04-01 10:00:00", "US: 30 calendar days")
        self.assertEqual(due["cn"], "2026-03-09 10:00:00", "China death: 7 days")
        event.classification = "serious_injury"
        self.assertEqual(
            fields.Datetime.to_string(self._decision(event, self.market_eu).due_date), "2026-03-17 10:00:00"
        )
        self.assertEqual(
            fields.Datetime.to_string(self._decision(event, self.market_cn).due_date), "2026-03-22 10:00:00"
        )
        event.classification = "serious_public_health_threat"
        self.assertEqual(
            fields.Datetime.to_string(self._decision(event, self.market_eu).due_date), "2026-03-04 10:00:00"
        )
        event.classification = "group_event"
        self.assertEqual(
            fields.Datetime.to_string(self._decision(event, self.market_cn).due_date),
            "2026-03-02 22:00:00",
            "China group event: 12 hours",
        )

    def test_remedial_action_counts_work_days_over_the_weekend(self):
        _complaint, event = self._complaint_with_event(ae_malfunction="yes")
        event.date_awareness = "2026-03-06 15:00:00"  # a Friday afternoon
        us = self._decision(event, self.market_us)
        self.assertEqual(fields.Datetime.to_string(us.due_date), "2026-04-05 15:00:00", "30 calendar days")
        event.remedial_action = True
        # Five work days after Friday: Monday to Friday of the next week, to the end of the day.
        self.assertEqual(fields.Datetime.to_string(us.due_date), "2026-03-13 17:00:00")
        self.assertEqual(us.rule_id, self.env.ref("odoo_addon_complaints.rule_us_remedial"))

    def test_rules_are_data_a_manager_can_change(self):
        manager = new_test_user(
            self.env,
            login="regulatory_manager",
            name="Regulatory Manager",
            groups="odoo_addon_complaints.group_regulatory_manager",
        )
        _complaint, event = self._complaint_with_event(ae_death="yes")
        event.date_awareness = "2026-03-02 10:00:00"
        self.env.ref("odoo_addon_complaints.rule_cn_death").with_user(manager).duration = 5
        self.assertEqual(
            fields.Datetime.to_string(self._decision(event, self.market_cn).due_date), "2026-03-07 10:00:00"
        )
        with self.assertRaises(AccessError):
            self.env.ref("odoo_addon_complaints.rule_cn_death").with_user(self.vigilance).duration = 9

    def test_not_reportable_needs_a_reason_and_has_no_deadline(self):
        _complaint, event = self._complaint_with_event(ae_malfunction="yes")
        decision = self._decision(event, self.market_cn).with_user(self.vigilance)
        with self.assertRaises(ValidationError):
            decision.reportable = "no"
        decision.write({"reportable": "no", "rationale": "Not sold in China."})
        self.assertFalse(decision.due_date)
        self.assertEqual(decision.decided_by_id, self.vigilance)

    def test_only_vigilance_staff_decide(self):
        _complaint, event = self._complaint_with_event(ae_malfunction="yes")
        with self.assertRaises(UserError):
            self._decision(event, self.market_eu).with_user(self.complaint_user).reportable = "yes"

    def test_decided_and_closed_only_when_every_market_is_done(self):
        _complaint, event = self._complaint_with_event(ae_serious_injury="yes")
        event = event.with_user(self.vigilance)
        with self.assertRaisesRegex(UserError, "decide reportability"):
            event.action_decide()
        for decision in event.decision_ids:
            decision.write({"reportable": "no", "rationale": "Outside scope."})
        self._decision(event, self.market_eu).reportable = "yes"
        event.action_decide()
        self.assertEqual(event.state, "decided")
        with self.assertRaisesRegex(UserError, "not submitted"):
            event.action_close()


class TestImdrfCodes(RegulatoryCase):
    def test_official_code_table_is_loaded_by_annex(self):
        codes = self.env["quality.imdrf.code"]
        self.assertEqual(codes.search_count([("annex", "=", "A")]), 487)
        self.assertEqual(codes.search_count([]), 1820)
        leak = codes.search([("code", "=", "A0504")])
        self.assertEqual(leak.name, "Leak/Splash")
        self.assertEqual(leak.fda_code, "1354")
        self.assertEqual(leak.parent_id.code, "A05")

    def test_event_code_fields_accept_their_annex_only(self):
        _complaint, event = self._complaint_with_event(ae_malfunction="yes")
        with Form(event.with_user(self.vigilance)) as form:
            form.device_problem_code_ids.add(self.env.ref("odoo_addon_complaints.imdrf_a0504"))
        self.assertEqual(event.device_problem_code_ids.code, "A0504")
        field = event._fields["device_problem_code_ids"]
        self.assertEqual(field.domain, [("annex", "=", "A")])
