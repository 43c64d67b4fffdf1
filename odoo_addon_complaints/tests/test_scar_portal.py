# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The supplier portal: own SCARs only, no end customer, answers through the agent's path."""

from datetime import timedelta

from odoo import Command, fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ComplaintCase, start_tour_or_skip_loudly


class ScarPortalCase(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        uk = cls.env.ref("base.uk")
        cls.supplier = cls.env["res.partner"].create(
            {
                "name": "Castings Supplier Ltd",
                "is_company": True,
                "city": "Sheffield",
                "country_id": uk.id,
                "email": "sqe@castings.example.org",
                "catena_x_bpn": "BPNL00000007XYZ1",
            }
        )
        cls.supplier_contact = cls.env["res.partner"].create(
            {"name": "Chen Jing", "parent_id": cls.supplier.id, "email": "chen.jing@castings.example.org"}
        )
        cls.other_supplier = cls.env["res.partner"].create(
            {
                "name": "Other Foundry",
                "is_company": True,
                "city": "Leeds",
                "country_id": uk.id,
                "email": "q@foundry.example.org",
                "catena_x_bpn": "BPNL00000007ABC2",
            }
        )
        cls.supplier_user = new_test_user(
            cls.env, login="portal_supplier", groups="base.group_portal", partner_id=cls.supplier_contact.id
        )
        cls.other_supplier_user = new_test_user(
            cls.env,
            login="portal_other_supplier",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create({"name": "Foundry QA", "parent_id": cls.other_supplier.id})
            .id,
        )
        cls.company.partner_id.write(
            {
                "catena_x_bpn": "BPNL00000003AYRE",
                "email": "quality@company.example.com",
                "city": "Berlin",
                "country_id": cls.env.ref("base.de").id,
            }
        )
        cls.component = cls.env["product.product"].create({"name": "Cast housing", "type": "consu"})
        cls.complaint = cls.env["quality.complaint"].create(
            {"subject": "END-CUSTOMER-COMPLAINT", "partner_id": cls.customer.id}
        )
        cls.scar = cls._scar(cls.supplier, complaint_id=cls.complaint.id)
        cls.scar.action_send()
        cls.other_scar = cls._scar(cls.other_supplier)
        cls.other_scar.action_send()
        cls.draft_scar = cls._scar(cls.supplier)

    @classmethod
    def _scar(cls, supplier, **values):
        return cls.env["quality.scar"].create(
            {
                "title": f"Scratches {supplier.name}",
                "supplier_id": supplier.id,
                "product_id": cls.component.id,
                "description": "37 of 500 housings scratched on the sealing face.",
                "user_id": cls.quality_user.id,
                "step_ids": [
                    Command.create({"code": "D3", "date_due": fields.Date.today() + timedelta(days=1)}),
                    Command.create({"code": "D4", "date_due": fields.Date.today() + timedelta(days=5)}),
                ],
                **values,
            }
        )


@tagged("post_install", "-at_install")
class TestScarPortalRules(ScarPortalCase):
    def test_supplier_sees_only_sent_scars_of_its_company(self):
        Scar = self.env["quality.scar"]
        self.assertEqual(Scar.with_user(self.supplier_user).search([]), self.scar)
        self.assertEqual(Scar.with_user(self.other_supplier_user).search([]), self.other_scar)
        with self.assertRaises(AccessError):
            self.other_scar.with_user(self.supplier_user).read(["title"])

    def test_supplier_never_reads_the_end_customer_or_our_costs(self):
        scar = self.scar.with_user(self.supplier_user)
        self.assertTrue(scar.read(["title"]))
        for name in ("complaint_id", "eight_d_id", "chargeback_amount", "cost_id", "user_id", "step_ids"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                scar.read([name])
        self.assertFalse(
            self.env["quality.complaint"].with_user(self.supplier_user).search([]),
            "the customer's complaint is not the supplier's",
        )

    def test_answer_goes_through_the_agent_s_path_and_is_accepted_by_staff(self):
        self.scar.with_user(self.supplier_user).action_portal_answer_step(
            "D3", "All housings in stock sorted; 12 rejects.", [("sorting.pdf", b"%PDF-1.4 sorting")]
        )
        step = self.scar.step_ids.filtered(lambda s: s.code == "D3")
        self.assertEqual(step.state, "answered")
        self.assertEqual(step.answer_author, self.supplier_user.name)
        self.assertTrue(step.answer_id.startswith("portal-"))
        self.assertEqual(step.attachment_ids.mapped("name"), ["sorting.pdf"])
        self.assertIn("The supplier answered D3", self.scar.message_ids[1].body)
        self.assertTrue(self.scar.activity_ids.filtered(lambda a: a.user_id == self.quality_user))
        step.with_user(self.quality_user).action_accept()
        self.assertEqual(step.state, "accepted")
        with self.assertRaisesRegex(UserError, "already accepted"):
            self.scar.with_user(self.supplier_user).action_portal_answer_step("D3", "again")

    def test_other_supplier_cannot_answer(self):
        with self.assertRaises(AccessError):
            self.scar.with_user(self.other_supplier_user).action_portal_answer_step("D3", "not mine")

    def test_unrequested_step_and_empty_answer_are_refused(self):
        with self.assertRaisesRegex(UserError, "was not requested"):
            self.scar.with_user(self.supplier_user).action_portal_answer_step("D7", "actions")
        with self.assertRaisesRegex(UserError, "the answer is empty"):
            self.scar.with_user(self.supplier_user).action_portal_answer_step("D3", "")


@tagged("post_install", "-at_install")
class TestScarPortalHttp(HttpCase, ScarPortalCase):
    def test_supplier_answers_a_step_on_the_portal(self):
        self.authenticate("portal_supplier", "portal_supplier")
        listing = self.url_open("/my/scars")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(self.scar.name, listing.text)
        self.assertNotIn(self.other_scar.name, listing.text)
        self.assertNotIn(self.draft_scar.name, listing.text)
        page = self.url_open(f"/my/scars/{self.scar.id}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("END-CUSTOMER-COMPLAINT", page.text)
        self.assertNotIn(self.customer.name, page.text)
        response = self.url_open(
            f"/my/scars/{self.scar.id}/answer",
            data={
                "step": "D4",
                "summary": "Occurrence: worn fixture. Non-detection: no face inspection.",
                "csrf_token": http.Request.csrf_token(self),
            },
            files=[("evidence", ("ishikawa.png", b"\x89PNG fishbone", "image/png"))],
        )
        self.assertEqual(response.status_code, 200)
        step = self.scar.step_ids.filtered(lambda s: s.code == "D4")
        self.assertEqual(step.state, "answered")
        self.assertIn("worn fixture", step.answer_summary)
        self.assertEqual(step.attachment_ids.mapped("name"), ["ishikawa.png"])

    def test_other_supplier_s_scar_page_is_refused(self):
        self.authenticate("portal_other_supplier", "portal_other_supplier")
        response = self.url_open(f"/my/scars/{self.scar.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)

    def test_supplier_answers_root_causes_and_an_action_in_rows(self):
        self.authenticate("portal_supplier", "portal_supplier")
        form = self.url_open(f"/my/scars/{self.scar.id}").text
        self.assertIn("o_scar_cause_row_2", form, "the D4 form offers rows of root causes")
        self.assertNotIn('name="cause_kind"', form.split("o_scar_answer_D4")[0], "D3 asks for none")
        response = self.url_open(
            f"/my/scars/{self.scar.id}/answer",
            data=[
                ("step", "D4"),
                ("summary", "Two causes, one action"),
                ("csrf_token", http.Request.csrf_token(self)),
                *[("cause_kind", kind) for kind in ("occurrence", "non_detection", "occurrence")],
                *[("cause_level", level) for level in ("technical", "systemic", "technical")],
                *[("cause_description", text) for text in ("Worn fixture", "No face inspection", "")],
                *[("cause_result", text) for text in ("Confirmed", "", "")],
                *[("action_step", step) for step in ("D5", "D5", "D5")],
                *[("action_name", text) for text in ("New fixture", "", "")],
                *[("action_responsible", text) for text in ("Chen Jing", "", "")],
                *[("action_date", text) for text in ("2030-01-15", "", "")],
                *[("action_status", text) for text in ("open", "open", "open")],
            ],
        )
        self.assertEqual(response.status_code, 200)
        causes, action = self.scar.supplier_cause_ids, self.scar.supplier_action_ids
        self.assertEqual(
            [(c.cause_kind, c.cause_level, c.description, c.state) for c in causes],
            [
                ("occurrence", "technical", "Worn fixture", "proposed"),
                ("non_detection", "systemic", "No face inspection", "proposed"),
            ],
            "empty rows are ignored",
        )
        self.assertEqual(
            (action.eight_d_step, action.name, action.responsible, str(action.date_planned)),
            ("D5", "New fixture", "Chen Jing", "2030-01-15"),
        )
        self.assertIn("No face inspection", response.text, "the supplier sees what was recorded")
        self.authenticate("portal_other_supplier", "portal_other_supplier")
        self.assertEqual(self.url_open(f"/my/scars/{self.scar.id}", allow_redirects=False).status_code, 303)

    def test_supplier_answers_containment_in_rows(self):
        self.authenticate("portal_supplier", "portal_supplier")
        form = self.url_open(f"/my/scars/{self.scar.id}").text
        d3_form = form.split("o_scar_answer_D3")[1].split("o_scar_answer_D4")[0]
        self.assertIn("o_scar_containment_row_2", d3_form, "the D3 form offers rows of containment")
        self.assertIn("In Transit", d3_form, "the supplier chooses where the action applies")
        self.assertNotIn("o_scar_containment_row", form.split("o_scar_answer_D4")[1], "D4 asks for none")
        answer = [
            ("step", "D3"),
            ("summary", "Stock sorted everywhere"),
            ("csrf_token", http.Request.csrf_token(self)),
            *[("containment_place", place) for place in ("supplier_stock", "in_transit", "customer")],
            *[("containment_action", text) for text in ("Sort finished goods", "Stop shipment ASN 778", "")],
            *[("containment_checked", text) for text in ("480", "", "")],
            *[("containment_nonconforming", text) for text in ("12", "", "")],
            *[("containment_responsible", text) for text in ("Chen Jing", "Li Lei", "")],
            *[("containment_date", text) for text in ("2030-01-04", "", "")],
        ]
        too_many = [
            (key, "500" if key == "containment_nonconforming" and value == "12" else value)
            for key, value in answer
        ]
        refused = self.url_open(f"/my/scars/{self.scar.id}/answer", data=too_many)
        self.assertIn("more parts nonconforming (500.0) than checked (480.0)", refused.text)
        self.assertFalse(self.scar.supplier_containment_ids, "a refused answer records nothing")
        response = self.url_open(f"/my/scars/{self.scar.id}/answer", data=answer)
        self.assertEqual(response.status_code, 200)
        rows = self.scar.supplier_containment_ids
        self.assertEqual(
            [(r.place, r.name, r.qty_checked, r.qty_nonconforming, r.responsible, r.state) for r in rows],
            [
                ("supplier_stock", "Sort finished goods", 480.0, 12.0, "Chen Jing", "proposed"),
                ("in_transit", "Stop shipment ASN 778", 0.0, 0.0, "Li Lei", "proposed"),
            ],
            "empty rows are ignored",
        )
        self.assertEqual(str(rows[0].date_introduced), "2030-01-04")
        self.assertIn("Stop shipment ASN 778", response.text, "the supplier sees what was recorded")

    def test_the_end_customer_shows_only_when_the_scar_shares_it(self):
        self.complaint.contact_id = self.customer_contact
        self.authenticate("portal_supplier", "portal_supplier")
        page = self.url_open(f"/my/scars/{self.scar.id}").text
        self.assertNotIn(self.customer.name, page)
        self.assertNotIn(self.customer_contact.name, page)
        self.scar.share_end_customer = True
        page = self.url_open(f"/my/scars/{self.scar.id}").text
        self.assertIn("o_scar_end_customer", page)
        self.assertIn(self.customer.name, page)
        self.assertIn(self.customer_contact.name, page)
        self.assertNotIn("END-CUSTOMER-COMPLAINT", page, "the complaint itself stays ours")
        self.authenticate("portal_other_supplier", "portal_other_supplier")
        listing = self.url_open("/my/scars").text
        self.assertNotIn(self.customer.name, listing)
        self.assertNotIn(self.scar.name, listing)

    def test_tour_supplier_answers_d3_with_containment_rows(self):
        start_tour_or_skip_loudly(
            self, f"/my/scars/{self.scar.id}", "scar_portal_containment_tour", "portal_supplier"
        )
        step = self.scar.step_ids.filtered(lambda s: s.code == "D3")
        self.assertEqual(step.state, "answered")
        self.assertEqual(
            [(r.place, r.name, r.qty_checked, r.qty_nonconforming) for r in step.containment_ids],
            [
                ("supplier_stock", "100 % leak test of the finished goods in stock", 480.0, 12.0),
                ("in_transit", "Shipment ASN 778 stopped at the forwarder", 0.0, 0.0),
            ],
        )

    def test_tour_supplier_answers_d4_with_two_causes_and_an_action(self):
        start_tour_or_skip_loudly(self, f"/my/scars/{self.scar.id}", "scar_portal_tour", "portal_supplier")
        step = self.scar.step_ids.filtered(lambda s: s.code == "D4")
        self.assertEqual(step.state, "answered")
        self.assertEqual(
            sorted((c.cause_kind, c.cause_level) for c in step.cause_ids),
            [("non_detection", "systemic"), ("occurrence", "technical")],
        )
        self.assertEqual(step.cause_ids[0].hypothesis_result, "Parts of cavity 3 leak at 2 bar")
        self.assertEqual(
            (step.action_ids.eight_d_step, step.action_ids.responsible, str(step.action_ids.date_planned)),
            ("D5", "Chen Jing", "2030-01-15"),
        )
