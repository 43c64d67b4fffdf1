# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Complaints that arrive by e-mail, fed as raw RFC 822 messages to the mail gateway.

Sending is never real: Odoo's mail server skips delivery in test mode.
"""

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ComplaintCase

# A customer writes in Chinese: the subject is an RFC 2047 encoded word, the
# photo's file name is RFC 2231 encoded, the report's name RFC 2047, plus a
# plain ASCII log file. The text part is base64 UTF-8.
NEW_COMPLAINT_MAIL = """\
Return-Path: <{sender}>
To: {to}
From: {sender_name} <{sender}>
Subject: =?utf-8?b?5rO15aSW5aOz56C06KOCIC0g5om55Y+3IExPVC1B?=
MIME-Version: 1.0
Date: Thu, 03 Dec 2026 09:15:00 +0800
Message-ID: {msg_id}
Content-Type: multipart/mixed; boundary="==outer=="

--==outer==
Content-Type: multipart/alternative; boundary="==alt=="

--==alt==
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

5oKo5aW977yM5pS25Yiw55qE6L6T5ray5rO15aSW5aOz5pyJ6KOC57q577yM5YWxIDIg5Y+w44CC

--==alt==
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

PHA+5oKo5aW977yM5pS25Yiw55qE6L6T5ray5rO15aSW5aOz5pyJ6KOC57q577yM5YWxIDIg5Y+w44CCPC9wPg==

--==alt==--

--==outer==
Content-Type: image/jpeg
Content-Disposition: attachment; filename*=utf-8''%E7%85%A7%E7%89%87%201.jpg
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////////////////////
////////////////////////////////////////////2Q==

--==outer==
Content-Type: application/pdf; name="=?utf-8?b?5qOA5rWL5oql5ZGKLnBkZg==?="
Content-Disposition: attachment; filename="=?utf-8?b?5qOA5rWL5oql5ZGKLnBkZg==?="
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDw+PgolJUVPRgo=

--==outer==
Content-Type: text/plain; charset="us-ascii"; name="pump-log.txt"
Content-Disposition: attachment; filename="pump-log.txt"

ALARM 42 at 2026-12-02 08:00
--==outer==--
"""

REPLY_MAIL = """\
To: {to}
From: {sender_name} <{sender}>
Subject: Re: our complaint
MIME-Version: 1.0
Date: Fri, 04 Dec 2026 10:00:00 +0800
Message-ID: {msg_id}
In-Reply-To: {parent_id}
References: {parent_id}
{extra}Content-Type: text/plain; charset="utf-8"

We can send the two pumps back on Monday.
"""

BOUNCE_MAIL = """\
To: {to}
From: MAILER-DAEMON <mailer-daemon@mx.customer.test>
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Date: Fri, 04 Dec 2026 10:00:00 +0000
Message-ID: <bounce-1@mx.customer.test>
Content-Type: multipart/report; report-type=delivery-status; boundary="==report=="

--==report==
Content-Type: text/plain; charset="us-ascii"

The mail could not be delivered: mailbox unavailable.

--==report==
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.test

Final-Recipient: rfc822; {bounced}
Action: failed
Status: 5.1.1

--==report==
Content-Type: text/rfc822-headers

Message-ID: {bounced_msg_id}
From: quality@company.test
To: {bounced}
Subject: we received your complaint

--==report==--
"""


@tagged("post_install", "-at_install")
class TestComplaintMailIntake(ComplaintCase):
    """A mail to the company's complaint alias registers a complaint, replies thread on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "complaints.test", "bounce_alias": "bounce", "catchall_alias": "catchall"}
        )
        cls.company.write({"alias_domain_id": cls.alias_domain.id, "email": "quality@company.test"})
        cls.company._complaints_setup_mail()
        cls.alias = cls.company.complaint_alias_id
        cls.alias.alias_domain_id = cls.alias_domain
        cls.alias_email = cls.alias.display_name
        cls.Complaint = cls.env["quality.complaint"]

    def _process(self, template, **values):
        values.setdefault("to", self.alias_email)
        values.setdefault("sender_name", "Wang Li")
        values.setdefault("sender", self.customer_contact.email)
        values.setdefault("extra", "")
        return self.env["mail.thread"].message_process(None, template.format(**values).encode())

    def _new_complaint(self, msg_id="<c-1@customer.test>", **values):
        before = self.Complaint.search([])
        self._process(NEW_COMPLAINT_MAIL, msg_id=msg_id, **values)
        return self.Complaint.search([]) - before

    def test_alias_is_the_company_s(self):
        self.assertEqual(self.alias.alias_model_id.model, "quality.complaint")
        self.assertEqual(self.alias.alias_contact, "everyone", "customers are not followers of the alias")
        self.assertEqual(self.alias_email, f"{self.alias.alias_name}@complaints.test")
        self.assertTrue(self.alias.alias_name.startswith("complaints"))

    def test_mail_from_known_contact_registers_complaint(self):
        complaint = self._new_complaint()
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.channel, "email")
        self.assertEqual(complaint.company_id, self.company)
        self.assertEqual(complaint.partner_id, self.customer, "the sender's company is the customer")
        self.assertEqual(complaint.contact_id, self.customer_contact)
        self.assertFalse(complaint.sender_to_confirm)
        self.assertEqual(complaint.email_from, "wang.li@customer.test")
        self.assertEqual(complaint.subject, "泵外壳破裂 - 批号 LOT-A")
        self.assertIn("输液泵外壳有裂纹", complaint.description)
        incoming = complaint.message_ids.filtered(lambda m: m.message_id == "<c-1@customer.test>")
        self.assertEqual(incoming.author_id, self.customer_contact)
        names = sorted(incoming.attachment_ids.mapped("name"))
        self.assertEqual(names, sorted(["照片 1.jpg", "检测报告.pdf", "pump-log.txt"]))
        kept = self.env["ir.attachment"].search(
            [("res_model", "=", "quality.complaint"), ("res_id", "=", complaint.id)]
        )
        self.assertEqual(sorted(kept.mapped("name")), names, "the attachments are the complaint's")
        self.assertTrue(kept.filtered(lambda a: a.name == "检测报告.pdf").raw.startswith(b"%PDF"))

    def test_acknowledgement_goes_out_and_meets_its_deadline(self):
        complaint = self._new_complaint()
        ack = complaint.message_ids.filtered(lambda m: "we received your complaint" in (m.subject or ""))
        self.assertEqual(len(ack), 1, "the acknowledgement template was sent once")
        self.assertEqual(ack.notification_ids.res_partner_id, self.customer_contact)
        self.assertEqual(ack.notification_ids.notification_type, "email")
        deadline = complaint.deadline_ids.filtered(lambda d: d.kind == "acknowledge")
        self.assertTrue(deadline.date_done, "sending the acknowledgement meets its deadline")
        self.assertEqual(complaint.stage_id, self.stage_acknowledged)

    def test_acknowledgement_can_be_switched_off(self):
        self.company.complaint_auto_acknowledge = False
        complaint = self._new_complaint()
        self.assertFalse(
            complaint.message_ids.filtered(lambda m: "we received your complaint" in (m.subject or ""))
        )
        self.assertFalse(complaint.deadline_ids.filtered(lambda d: d.kind == "acknowledge").date_done)
        self.assertEqual(complaint.stage_id, self.stage_new)

    def test_unknown_sender_is_kept_as_new_contact_to_confirm(self):
        complaint = self._new_complaint(sender_name="Chen Jie", sender="chen.jie@unknown.test")
        self.assertTrue(complaint.sender_to_confirm)
        self.assertEqual(complaint.partner_id.email, "chen.jie@unknown.test")
        self.assertEqual(complaint.partner_id.name, "Chen Jie")
        self.assertEqual(complaint.contact_id, complaint.partner_id)
        user = new_test_user(
            self.env, login="mail_intake_user", groups="odoo_addon_complaints.group_complaint_user"
        )
        complaint.with_user(user).action_confirm_sender()
        self.assertFalse(complaint.sender_to_confirm)
        self.assertIn("confirmed", complaint.message_ids[0].body)

    def test_mail_forwarded_by_an_employee_asks_for_the_customer(self):
        complaint = self._new_complaint(sender_name="Quality Engineer", sender=self.quality_user.email)
        self.assertEqual(complaint.contact_id, self.quality_user.partner_id)
        self.assertTrue(complaint.sender_to_confirm, "the employee is not the customer")

    def test_reply_threads_on_the_complaint(self):
        complaint = self._new_complaint()
        ack = complaint.message_ids.filtered(lambda m: "we received your complaint" in (m.subject or ""))
        before = self.Complaint.search_count([])
        self._process(REPLY_MAIL, msg_id="<c-2@customer.test>", parent_id=ack.message_id)
        self.assertEqual(self.Complaint.search_count([]), before, "a reply opens no new complaint")
        reply = complaint.message_ids.filtered(lambda m: m.message_id == "<c-2@customer.test>")
        self.assertEqual(len(reply), 1)
        self.assertIn("send the two pumps back", reply.body)
        self.assertEqual(reply.author_id, self.customer_contact)

    def test_auto_replies_open_no_complaint(self):
        for number, header in enumerate(
            [
                "Auto-Submitted: auto-replied",
                "X-Autoreply: yes",
                "Precedence: bulk",
                "X-Auto-Response-Suppress: OOF",
            ]
        ):
            before = self.Complaint.search_count([])
            self._process(
                REPLY_MAIL.replace("In-Reply-To: {parent_id}\nReferences: {parent_id}\n", ""),
                msg_id=f"<auto-{number}@customer.test>",
                extra=header + "\n",
            )
            self.assertEqual(self.Complaint.search_count([]), before, f"'{header}' opened a complaint")

    def test_auto_reply_to_a_complaint_still_threads(self):
        complaint = self._new_complaint()
        ack = complaint.message_ids.filtered(lambda m: "we received your complaint" in (m.subject or ""))
        self._process(
            REPLY_MAIL,
            msg_id="<ooo-1@customer.test>",
            parent_id=ack.message_id,
            extra="Auto-Submitted: auto-replied\n",
        )
        self.assertTrue(complaint.message_ids.filtered(lambda m: m.message_id == "<ooo-1@customer.test>"))

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_mail_loop_stops_creating_complaints(self):
        self.env["ir.config_parameter"].sudo().set_param("mail.gateway.loop.threshold", 2)
        created = self.Complaint
        for number in range(4):
            created |= self._new_complaint(msg_id=f"<loop-{number}@customer.test>")
        self.assertEqual(len(created), 2, "the gateway's loop limit holds for complaints from one sender")

    def test_bounce_is_visible_on_the_complaint(self):
        complaint = self._new_complaint()
        ack = complaint.message_ids.filtered(lambda m: "we received your complaint" in (m.subject or ""))
        before = self.Complaint.search_count([])
        self._process(
            BOUNCE_MAIL,
            to=self.alias_domain.bounce_email,
            bounced=self.customer_contact.email,
            bounced_msg_id=ack.message_id,
        )
        self.assertEqual(self.Complaint.search_count([]), before, "a bounce opens no complaint")
        self.assertEqual(ack.notification_ids.notification_status, "bounce")
        note = complaint.message_ids.filtered(lambda m: "bounced" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("wang.li@customer.test", note.body)

    def test_each_company_has_its_alias(self):
        company_b = self.env["res.company"].create({"name": "Complaints Company B"})
        self.assertTrue(company_b.complaint_alias_id)
        self.assertNotEqual(company_b.complaint_alias_id.alias_name, self.alias.alias_name)
        company_b.complaint_alias_id.alias_domain_id = self.alias_domain
        before = self.Complaint.search([])
        self._process(
            NEW_COMPLAINT_MAIL, msg_id="<b-1@customer.test>", to=company_b.complaint_alias_id.display_name
        )
        complaint = self.Complaint.search([("company_id", "=", company_b.id)]) - before
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.channel, "email")
