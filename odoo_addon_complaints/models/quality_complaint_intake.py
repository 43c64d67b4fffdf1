# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Complaints that arrive by e-mail, and the customer's voice after closure.

The company's complaint alias routes a new e-mail to :meth:`message_new`,
replies to :meth:`message_update`; the standard gateway posts the mail with
its attachments on the complaint. At closure the customer gets a rating
request through Odoo's ``rating.mixin``, as Helpdesk does.
"""

import logging

from odoo import api, fields, models
from odoo.tools.mail import email_normalize, parse_contact_from_email


_logger = logging.getLogger(__name__)


class QualityComplaint(models.Model):
    _name = "quality.complaint"
    _inherit = ["quality.complaint", "portal.mixin", "rating.mixin"]
    _primary_email = "email_from"

    email_from = fields.Char(
        string="Sender E-mail",
        index=True,
        copy=False,
        help="Address the complaint was e-mailed from; empty for complaints registered by hand "
        "or through the portal.",
    )
    sender_to_confirm = fields.Boolean(
        string="Sender to Confirm",
        copy=False,
        help="The complaint came by e-mail from an address no contact had (a new contact was made "
        "from it), or from an employee forwarding it. Check the customer and contact, then confirm "
        "the sender.",
    )

    # Mail gateway

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A new e-mail to the company's complaint alias registers a complaint.

        The sender is the customer's contact when a partner has that address
        (the gateway found it as author); otherwise a contact is made from the
        address and flagged for staff to confirm, because an unknown address
        may be anybody's. The channel is e-mail; the subject and body are kept,
        and the gateway then posts the mail with its attachments.
        """
        values = dict(custom_values or {})
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        complaints = self.with_company(company)
        email_from = msg_dict.get("email_from") or ""
        author = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        if author and author == self.env.ref("base.partner_root"):
            author = self.env["res.partner"]
        # An employee forwarding a customer's mail is not the customer: staff
        # must then set the customer, as for an unknown sender.
        to_confirm = not author or bool(author.user_ids.filtered(lambda u: not u.share))
        if not author:
            name, email = parse_contact_from_email(email_from)
            author = self.env["res.partner"].create(
                {"name": name or email or self.env._("Unknown Sender"), "email": email or email_from}
            )
        contact = author if not author.is_company else self.env["res.partner"]
        values.setdefault("channel", "email")
        values.update(
            {
                "subject": (msg_dict.get("subject") or "").strip() or self.env._("(no subject)"),
                "description": msg_dict.get("body") or False,
                "partner_id": author.commercial_partner_id.id,
                "contact_id": contact.id,
                "email_from": email_normalize(email_from) or email_from,
                "sender_to_confirm": to_confirm,
                "reporter_role": "customer",
            }
        )
        # mail.thread would put the subject into the number (_rec_name) and
        # the raw From into email_from: keep the number to the sequence.
        values["name"] = self.env._("New")
        complaint = super(QualityComplaint, complaints).message_new(msg_dict, custom_values=values)
        complaint.email_from = email_normalize(email_from) or email_from
        complaint._complaint_auto_acknowledge()
        return complaint

    def message_update(self, msg_dict, update_vals=None):
        """A reply threads on its complaint; a reply to a closed one tells the investigator.

        The gateway posts the reply itself. A customer writing again after the
        closure is worth an activity, else nobody reads it.
        """
        result = super().message_update(msg_dict, update_vals=update_vals)
        for complaint in self.filtered(lambda c: c.stage_id.state in ("done", "rejected")):
            complaint.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(complaint.user_id or complaint.manager_id or self.env.ref("base.user_admin")).id,
                summary=self.env._("Customer wrote about the closed complaint %s", complaint.name),
            )
        return result

    @api.model
    def _detect_loop_sender_domain(self, email_from_normalized):
        """Complaints created from the same sender count towards the gateway's loop limit."""
        return [("email_from", "=", email_from_normalized)]

    def _message_receive_bounce(self, email, partner):
        """Say on the complaint that a mail to the customer did not arrive.

        Odoo marks the notification as bounced (red envelope); the note makes
        it plain to whoever follows the complaint that the customer may not
        know of it.
        """
        result = super()._message_receive_bounce(email, partner)
        for complaint in self:
            complaint.message_post(
                body=self.env._(
                    "A mail about complaint %(complaint)s to %(email)s bounced: the customer did not receive it. "
                    "Check the address or reach the customer another way.",
                    complaint=complaint.name,
                    email=email,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result

    def _complaint_auto_acknowledge(self):
        """Send the company's acknowledgement template at once, meeting the deadline.

        Only when the company asks for it (*Acknowledge E-mailed Complaints*)
        and the complaint has an address to write to.
        """
        for complaint in self:
            company = complaint.company_id
            template = company.complaint_ack_template_id
            recipient = complaint.contact_id or complaint.partner_id
            if not company.complaint_auto_acknowledge or not template or not recipient.email:
                continue
            complaint.with_context(mark_complaint_acknowledged=True).message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
                email_layout_xmlid="mail.mail_notification_light",
            )

    def action_confirm_sender(self):
        """Staff have checked the customer of a complaint e-mailed from an unknown address or by an employee."""
        for complaint in self:
            if not complaint.sender_to_confirm:
                continue
            complaint.sender_to_confirm = False
            complaint.message_post(
                body=self.env._(
                    "Sender %(contact)s confirmed as a contact of %(customer)s.",
                    contact=(complaint.contact_id or complaint.partner_id).display_name,
                    customer=complaint.partner_id.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # Portal

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for complaint in self:
            complaint.access_url = f"/my/complaints/{complaint.id}"
        return res

    # Satisfaction

    def _rating_get_partner(self):
        return self.contact_id or self.partner_id

    def _rating_get_operator(self):
        return self.user_id.partner_id

    def _on_stage_reached(self):
        result = super()._on_stage_reached()
        self.filtered(lambda c: c.stage_id.state == "done")._send_rating_request()
        return result

    def _send_rating_request(self):
        """Ask the customer, once, how satisfied they are with the handling of the complaint."""
        for complaint in self:
            company = complaint.company_id
            template = company.complaint_rating_template_id
            partner = complaint._rating_get_partner()
            if not company.complaint_rating_request or not template or not partner.email:
                continue
            if complaint.sudo().rating_ids.filtered(lambda r: r.partner_id == partner and not r.consumed):
                continue
            complaint.rating_send_request(template, lang=partner.lang, force_send=False)

    def action_open_ratings(self):
        """The ratings the customer gave on this complaint."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Ratings of %s", self.name),
            "res_model": "rating.rating",
            "view_mode": "list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id), ("consumed", "=", True)],
            "context": {"create": False},
        }

    def _rating_apply_get_default_subtype_id(self):
        return self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    #: RFC 3834 and the headers of common auto-responders
    _COMPLAINT_AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")

    @api.model
    def _complaint_is_auto_reply(self, message):
        """Whether ``message`` was sent by a machine, not a person (RFC 3834 and usual headers)."""
        auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
        if auto_submitted and auto_submitted != "no":
            return True
        if any(message.get(header) for header in self._COMPLAINT_AUTO_REPLY_HEADERS):
            return True
        suppress = (message.get("X-Auto-Response-Suppress") or "").lower()
        if "all" in suppress or "oof" in suppress:
            return True
        precedence = (message.get("Precedence") or "").strip().lower()
        return precedence in ("auto_reply", "bulk", "junk")

    @api.model
    def _detect_loop_sender(self, message, message_dict, routes):
        """An automatic reply (out of office, list bounce, another ticket system) opens no complaint.

        Only routes that would create a complaint are dropped; replies on an
        existing complaint still thread on it, and other models are untouched.
        """
        if routes and self._complaint_is_auto_reply(message):
            kept = [route for route in routes if not (route[0] == "quality.complaint" and not route[1])]
            if len(kept) != len(routes):
                _logger.info(
                    "Ignored automatic reply from %s to %s with Message-Id %s: it opens no complaint",
                    message_dict.get("email_from"),
                    message_dict.get("to"),
                    message_dict.get("message_id"),
                )
                if not kept:
                    return True
                routes[:] = kept
        return super()._detect_loop_sender(message, message_dict, routes)
