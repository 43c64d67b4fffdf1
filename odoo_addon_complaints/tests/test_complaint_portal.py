# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer portal: own complaints only, customer-facing fields only, answers recorded with who and when."""

import json
from unittest.mock import patch

from odoo import Command, fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.quality_guarded_mixin import checked_action
from .common import ComplaintCase


class PortalCase(ComplaintCase):
    """Portal users of two customers, each with a complaint; one has a proposed solution."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_a = new_test_user(
            cls.env, login="portal_a", groups="base.group_portal", partner_id=cls.customer_contact.id
        )
        cls.other_contact = cls.env["res.partner"].create(
            {"name": "Hans Other", "parent_id": cls.other_customer.id, "email": "hans@other.test"}
        )
        cls.portal_b = new_test_user(
            cls.env, login="portal_b", groups="base.group_portal", partner_id=cls.other_contact.id
        )
        cls.complaint_a = cls.env["quality.complaint"].create(
            {
                "subject": "Pump housing cracked",
                "partner_id": cls.customer.id,
                "contact_id": cls.customer_contact.id,
                "channel": "phone",
                "severity_id": cls.severity_minor.id,
                "user_id": cls.quality_user.id,
                "root_cause": "<p>SECRET-ROOT-CAUSE moulding temperature</p>",
                "containment_action": "<p>SECRET-CONTAINMENT sort stock</p>",
                "customer_reply": "<p>We replace both pumps.</p>",
                "disposition": "exchange",
                "line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "lot_id": cls.lot_a.id,
                            "sale_order_id": cls.order.id,
                            "qty_complained": 2,
                        }
                    )
                ],
            }
        )
        cls.env["quality.complaint.cost"].create(
            {
                "complaint_id": cls.complaint_a.id,
                "cost_type": "freight",
                "name": "SECRET-FREIGHT",
                "amount": 99.0,
            }
        )
        cls.complaint_a.message_post(
            body="SECRET-INTERNAL-NOTE supplier mould worn", subtype_xmlid="mail.mt_note"
        )
        cls.complaint_a.message_post(
            body="PUBLIC-MESSAGE we are on it", subtype_xmlid="mail.mt_comment", message_type="comment"
        )
        cls.complaint_b = cls.env["quality.complaint"].create(
            {
                "subject": "OTHER-CUSTOMER-COMPLAINT",
                "partner_id": cls.other_customer.id,
                "channel": "phone",
                "severity_id": cls.severity_minor.id,
            }
        )

    def _propose_solution(self, complaint):
        with checked_action():
            complaint.date_reply = fields.Datetime.now()


@tagged("post_install", "-at_install")
class TestComplaintPortalRules(PortalCase):
    def test_portal_users_see_only_their_company_s_complaints(self):
        Complaint = self.env["quality.complaint"]
        self.assertEqual(Complaint.with_user(self.portal_a).search([]), self.complaint_a)
        self.assertEqual(Complaint.with_user(self.portal_b).search([]), self.complaint_b)
        with self.assertRaises(AccessError):
            self.complaint_b.with_user(self.portal_a).read(["subject"])
        with self.assertRaises(AccessError):
            self.complaint_a.with_user(self.portal_b).read(["subject"])

    def test_a_colleague_of_the_same_customer_sees_it_too(self):
        colleague = new_test_user(
            self.env,
            login="portal_a2",
            groups="base.group_portal",
            partner_id=self.env["res.partner"]
            .create({"name": "Colleague", "parent_id": self.customer.id})
            .id,
        )
        self.assertEqual(self.env["quality.complaint"].with_user(colleague).search([]), self.complaint_a)

    def test_portal_users_read_no_investigation_cost_or_people(self):
        complaint = self.complaint_a.with_user(self.portal_a)
        self.assertEqual(complaint.read(["subject"])[0]["subject"], "Pump housing cracked")
        for name in (
            "root_cause",
            "containment_action",
            "cost_ids",
            "user_id",
            "subject_user_ids",
            "manager_id",
            "severity_id",
            "rating_last_value",
        ):
            with self.subTest(field=name), self.assertRaises(AccessError):
                complaint.read([name])
        everything = complaint.read()[0]
        self.assertNotIn("root_cause", everything)
        self.assertNotIn("cost_ids", everything)
        with self.assertRaises(AccessError):
            self.env["quality.complaint.cost"].with_user(self.portal_a).search([])

    def test_portal_users_cannot_write_or_create(self):
        with self.assertRaises(AccessError):
            self.complaint_a.with_user(self.portal_a).write({"customer_accepted": True})
        with self.assertRaises(AccessError):
            self.env["quality.complaint"].with_user(self.portal_a).create(
                {"subject": "x", "partner_id": self.customer.id}
            )

    def test_internal_notes_are_not_portal_messages(self):
        messages = (
            self.env["mail.message"]
            .with_user(self.portal_a)
            .search([("model", "=", "quality.complaint"), ("res_id", "=", self.complaint_a.id)])
        )
        bodies = " ".join(messages.mapped("body"))
        self.assertIn("PUBLIC-MESSAGE", bodies)
        self.assertNotIn("SECRET-INTERNAL-NOTE", bodies)

    def test_accepting_needs_a_proposed_solution(self):
        with self.assertRaisesRegex(UserError, "no solution has been proposed"):
            self.complaint_a.with_user(self.portal_a).action_portal_accept_solution()

    def test_acceptance_meets_the_closing_gate_with_who_and_when(self):
        self._propose_solution(self.complaint_a)
        self.complaint_a.with_user(self.portal_a).action_portal_accept_solution(note="Fine for us")
        complaint = self.complaint_a
        self.assertTrue(complaint.customer_accepted)
        self.assertEqual(complaint.customer_response, "accepted")
        self.assertEqual(complaint.customer_response_user_id, self.portal_a)
        self.assertTrue(complaint.date_customer_response)
        self.assertEqual(complaint.date_customer_acceptance, self.company._complaints_today())
        self.assertEqual(complaint.customer_response_note, "Fine for us")
        self.assertEqual(complaint.message_ids[0].author_id, self.customer_contact)
        complaint.with_user(self.quality_user).stage_id = self.stage_closed
        self.assertEqual(complaint.stage_state, "done")

    def test_other_customer_cannot_answer(self):
        self._propose_solution(self.complaint_a)
        with self.assertRaises(AccessError):
            self.complaint_a.with_user(self.portal_b).action_portal_accept_solution()
        self.assertFalse(self.complaint_a.customer_accepted)

    def test_staff_record_acceptance_otherwise(self):
        self._propose_solution(self.complaint_a)
        with self.assertRaisesRegex(UserError, "only the customer answers on the portal"):
            self.complaint_a.with_user(self.quality_user).action_portal_accept_solution()

    def test_rejection_needs_a_reason_and_asks_the_investigator(self):
        self._propose_solution(self.complaint_a)
        with self.assertRaisesRegex(UserError, "say why"):
            self.complaint_a.with_user(self.portal_a).action_portal_reject_solution(note=" ")
        self.complaint_a.with_user(self.portal_a).action_portal_reject_solution(note="We want a refund")
        self.assertEqual(self.complaint_a.customer_response, "rejected")
        self.assertFalse(self.complaint_a.customer_accepted)
        activity = self.complaint_a.activity_ids.filtered(lambda a: a.user_id == self.quality_user)
        self.assertEqual(len(activity), 1)
        with self.assertRaisesRegex(UserError, "customer has not accepted"):
            self.complaint_a.with_user(self.quality_user).stage_id = self.stage_closed

    def test_the_answer_cannot_be_forged(self):
        with self.assertRaisesRegex(UserError, "changes only through"):
            self.complaint_a.with_user(self.quality_user).write(
                {"customer_response": "accepted", "customer_response_user_id": self.portal_a.id}
            )

    def test_closed_complaint_cannot_be_answered(self):
        self._propose_solution(self.complaint_a)
        self.complaint_a.customer_accepted = True
        self.complaint_a.with_user(self.quality_user).stage_id = self.stage_closed
        with self.assertRaisesRegex(UserError, "can no longer be answered"):
            self.complaint_a.with_user(self.portal_a).action_portal_reject_solution(note="too late")


@tagged("post_install", "-at_install")
class TestComplaintPortalHttp(HttpCase, PortalCase):
    def _post(self, url, data, files=None):
        data = dict(data, csrf_token=http.Request.csrf_token(self))
        return self.url_open(url, data=data, files=files)

    def test_my_complaints_lists_own_complaints_with_stage_and_promised_dates(self):
        self.authenticate("portal_a", "portal_a")
        response = self.url_open("/my/complaints")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.complaint_a.name, response.text)
        self.assertIn(self.complaint_a.stage_id.name, response.text)
        self.assertNotIn("OTHER-CUSTOMER-COMPLAINT", response.text)
        reply_due = self.complaint_a.deadline_ids.filtered(lambda d: d.kind == "reply")
        self.assertIn(self.company._complaints_format_datetime(reply_due.date_due), response.text)

    def test_portal_home_counts_own_complaints(self):
        self.authenticate("portal_a", "portal_a")
        counters = self._json("/my/counters", {"counters": ["complaint_count"]})
        self.assertEqual(counters["result"]["complaint_count"], 1)

    def test_complaint_page_shows_messages_but_nothing_internal(self):
        self._propose_solution(self.complaint_a)
        self.authenticate("portal_a", "portal_a")
        response = self.url_open(f"/my/complaints/{self.complaint_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("We replace both pumps.", response.text)
        self.assertIn("o_complaint_accept", response.text)
        for secret in ("SECRET-ROOT-CAUSE", "SECRET-CONTAINMENT", "SECRET-FREIGHT", "SECRET-INTERNAL-NOTE"):
            self.assertNotIn(secret, response.text)

    def test_other_customer_s_complaint_page_is_refused(self):
        self.authenticate("portal_b", "portal_b")
        response = self.url_open(f"/my/complaints/{self.complaint_a.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))

    def test_accept_through_the_portal(self):
        self._propose_solution(self.complaint_a)
        self.authenticate("portal_a", "portal_a")
        response = self._post(
            f"/my/complaints/{self.complaint_a.id}/answer", {"decision": "accept", "note": ""}
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self.complaint_a.customer_accepted)
        self.assertEqual(self.complaint_a.customer_response_user_id, self.portal_a)
        self.assertIn("o_complaint_accepted", response.text)

    def test_register_a_complaint_from_a_delivered_lot_with_photos(self):
        self.authenticate("portal_a", "portal_a")
        form = self.url_open("/my/complaints/new")
        move_line = self.picking.move_line_ids
        self.assertIn(f'value="{move_line.id}"', form.text)
        other_line = self.other_order.picking_ids.move_line_ids
        self.assertNotIn(f'value="{other_line.id}"', form.text, "another customer's delivery is not offered")
        response = self._post(
            "/my/complaints/new",
            {
                "subject": "Display flickers",
                "line_move_line_id": move_line.id,
                "line_quantity": "2",
                "description": "Both units flicker.\nSince Monday.",
            },
            files=[
                ("attachments", ("flicker.jpg", b"\xff\xd8\xff\xe0jpeg", "image/jpeg")),
                ("attachments", ("说明.pdf", b"%PDF-1.4", "application/pdf")),
            ],
        )
        self.assertEqual(response.status_code, 200)
        complaint = self.env["quality.complaint"].search([("subject", "=", "Display flickers")])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.channel, "web")
        self.assertEqual(complaint.partner_id, self.customer)
        self.assertEqual(complaint.contact_id, self.customer_contact)
        self.assertEqual(complaint.line_ids.lot_id, self.lot_a)
        self.assertEqual(complaint.line_ids.sale_order_id, self.order)
        self.assertEqual(complaint.line_ids.picking_id, self.picking)
        self.assertEqual(complaint.line_ids.qty_complained, 2)
        attachments = complaint.message_ids.attachment_ids
        self.assertEqual(sorted(attachments.mapped("name")), ["flicker.jpg", "说明.pdf"])
        self.assertIn(complaint.name, response.text)

    @mute_logger("odoo.http")
    def test_register_refuses_more_than_delivered_and_other_customers_goods(self):
        self.authenticate("portal_a", "portal_a")
        move_line = self.picking.move_line_ids
        response = self._post(
            "/my/complaints/new",
            {"subject": "Too many", "line_move_line_id": move_line.id, "line_quantity": "10"},
        )
        self.assertIn("Line 1, Quantity Concerned:", response.text)
        self.assertIn("exceeds the quantity delivered", response.text)
        other_line = self.other_order.picking_ids.move_line_ids
        response = self._post(
            "/my/complaints/new",
            {"subject": "Not mine", "line_move_line_id": other_line.id, "line_quantity": "1"},
        )
        self.assertIn("Line 1, Delivered Item: choose one of the items delivered to you.", response.text)
        self.assertFalse(self.env["quality.complaint"].search([("subject", "in", ("Too many", "Not mine"))]))

    def _json(self, url, params):
        response = self.url_open(
            url,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_portal_chatter_shows_public_messages_and_takes_the_customer_s(self):
        self.authenticate("portal_a", "portal_a")
        token = self.complaint_a._portal_ensure_token()
        posted = self._json(
            "/mail/message/post",
            {
                "thread_model": "quality.complaint",
                "thread_id": self.complaint_a.id,
                "token": token,
                "post_data": {
                    "body": "CUSTOMER-QUESTION when do we get the pumps?",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )
        self.assertNotIn("error", posted)
        message = self.complaint_a.message_ids.filtered(lambda m: "CUSTOMER-QUESTION" in (m.body or ""))
        self.assertEqual(message.author_id, self.customer_contact)
        fetched = self._json(
            "/mail/chatter_fetch",
            {
                "thread_model": "quality.complaint",
                "thread_id": self.complaint_a.id,
                "token": token,
                "limit": 50,
            },
        )
        bodies = " ".join(str(m.get("body")) for m in fetched["result"]["data"]["mail.message"])
        self.assertIn("PUBLIC-MESSAGE", bodies)
        self.assertIn("CUSTOMER-QUESTION", bodies)
        self.assertNotIn("SECRET-INTERNAL-NOTE", bodies)
        # Another customer has neither the page nor the token.
        self.authenticate("portal_b", "portal_b")
        refused = self._json(
            "/mail/chatter_fetch",
            {
                "thread_model": "quality.complaint",
                "thread_id": self.complaint_a.id,
                "token": "forged",
                "limit": 50,
            },
        )
        self.assertIn("error", refused)


@tagged("post_install", "-at_install")
class TestComplaintPortalLines(HttpCase, PortalCase):
    """The new-complaint form takes several lines, checks each like Odoo does, and keeps what was typed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_c = cls._deliver_order(cls.customer, cls.product, 3, cls.lot_c)
        cls.item_a = cls.picking.move_line_ids
        cls.item_c = cls.order_c.picking_ids.move_line_ids

    def setUp(self):
        super().setUp()
        self.authenticate("portal_a", "portal_a")

    def _post(self, data, files=None):
        fields = [("csrf_token", http.Request.csrf_token(self))]
        for key, value in data:
            fields.append((key, str(value)))
        return self.url_open("/my/complaints/new", data=fields, files=files)

    def _rows(self, *rows):
        """Form fields of rows ``(move line, quantity)``, in order."""
        fields = []
        for move_line, quantity in rows:
            fields += [("line_move_line_id", move_line.id if move_line else ""), ("line_quantity", quantity)]
        return fields

    def _complaints(self, subject):
        return self.env["quality.complaint"].search([("subject", "=", subject)])

    def test_two_lines_make_one_complaint_with_two_lines(self):
        response = self._post(
            [("subject", "Two lots"), *self._rows((self.item_a, "2"), (self.item_c, "3"))],
            files=[("attachments", ("crack.png", b"\x89PNG\r\n", "image/png"))],
        )
        self.assertEqual(response.status_code, 200)
        complaint = self._complaints("Two lots")
        self.assertEqual(len(complaint), 1)
        lines = complaint.line_ids.sorted("id")
        self.assertEqual(lines.mapped("lot_id.name"), ["LOT-A", "LOT-C"])
        self.assertEqual(lines.mapped("sale_order_id"), self.order | self.order_c)
        self.assertEqual(lines.mapped("qty_complained"), [2.0, 3.0])
        self.assertEqual(complaint.message_ids.attachment_ids.mapped("name"), ["crack.png"])

    def test_add_a_line_keeps_what_was_typed_and_registers_nothing(self):
        response = self._post(
            [
                ("subject", "Adding"),
                ("description", "Typed text"),
                *self._rows((self.item_a, "2")),
                ("add_line", "1"),
            ]
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count('name="line_move_line_id"'), 2)
        self.assertIn('value="Adding"', response.text)
        self.assertIn("Typed text", response.text)
        self.assertRegex(response.text, rf'<option value="{self.item_a.id}" selected')
        self.assertRegex(response.text, r'id="line_quantity_0"[^>]*value="2"')
        self.assertFalse(self._complaints("Adding"))

    def test_remove_a_line(self):
        response = self._post(
            [
                ("subject", "Removing"),
                *self._rows((self.item_a, "2"), (self.item_c, "1")),
                ("remove_line", "0"),
            ]
        )
        self.assertEqual(response.text.count('name="line_move_line_id"'), 1)
        self.assertRegex(response.text, rf'<option value="{self.item_c.id}" selected')
        self.assertNotRegex(response.text, rf'<option value="{self.item_a.id}" selected')
        self.assertFalse(self._complaints("Removing"))

    def test_files_chosen_before_adding_a_line_must_be_chosen_again(self):
        response = self._post(
            [("subject", "Files"), *self._rows((self.item_a, "1")), ("add_line", "1")],
            files=[("attachments", ("crack.png", b"\x89PNG", "image/png"))],
        )
        self.assertIn("o_complaint_files_dropped", response.text)

    def test_each_line_is_checked_and_the_error_names_line_and_field(self):
        response = self._post(
            [("subject", "Checked"), *self._rows((self.item_a, "2"), (self.item_c, "4"), (None, "0"))]
        )
        self.assertEqual(response.status_code, 200)
        text = response.text
        self.assertIn("Line 2, Quantity Concerned: the complained quantity (4.0) exceeds the quantity", text)
        self.assertIn("Line 3, Delivered Item: choose one of the items delivered to you.", text)
        self.assertIn("Line 3, Quantity Concerned: enter a quantity greater than zero.", text)
        self.assertNotIn("Line 1,", text, "line 1 is fine")
        # Nothing lost: the three rows come back as typed.
        self.assertEqual(text.count('name="line_move_line_id"'), 3)
        self.assertRegex(text, r'id="line_quantity_1"[^>]*value="4"')
        self.assertRegex(text, rf'<option value="{self.item_c.id}" selected')
        self.assertFalse(self._complaints("Checked"))

    def test_the_same_item_twice_is_refused(self):
        response = self._post([("subject", "Twice"), *self._rows((self.item_a, "1"), (self.item_a, "1"))])
        self.assertIn(
            "Line 2, Delivered Item: this item is already on line 1; put the whole quantity on one line.",
            response.text,
        )
        self.assertFalse(self._complaints("Twice"))

    def test_no_subject_and_wrong_file_type_are_named(self):
        response = self._post(
            self._rows((self.item_a, "1")),
            files=[("attachments", ("run.exe", b"MZ", "application/x-msdownload"))],
        )
        self.assertIn("Subject: give your complaint a subject.", response.text)
        self.assertIn(
            "Photos or Documents: run.exe: only photos, videos and PDF files can be attached.", response.text
        )
        self.assertFalse(
            self.env["quality.complaint"].search(
                [("partner_id", "=", self.customer.id), ("channel", "=", "web")]
            )
        )

    def test_the_model_rule_is_the_one_checked(self):
        """The portal shows what quality.complaint.line._quantity_problem says, not a copy of it."""
        with patch.object(
            type(self.env["quality.complaint.line"]),
            "_quantity_problem",
            lambda line: ("qty_complained", "RULE-OF-THE-MODEL"),
        ):
            response = self._post([("subject", "Model rule"), *self._rows((self.item_a, "1"))])
        self.assertIn("Line 1, Quantity Concerned: RULE-OF-THE-MODEL", response.text)
        self.assertFalse(self._complaints("Model rule"))
