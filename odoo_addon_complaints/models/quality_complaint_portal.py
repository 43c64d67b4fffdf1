# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a customer sees and does of a complaint on the portal.

A portal user reads only the complaints of their commercial entity (record
rule) and, of those, only the fields a customer may know: never the
investigation, the people handling it, costs or internal notes. They answer
the proposed solution; the answer is evidence (who, when) and is guarded.
"""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import is_html_empty
from odoo.tools.translate import LazyTranslate

from .quality_complaint import QualityComplaint as BaseComplaint
from .quality_guarded_mixin import checked_action
from .quality_portal_field_mixin import PORTAL_COMMON_FIELDS

_lt = LazyTranslate(__name__)

#: the only fields of a complaint a portal user can read
PORTAL_READABLE_FIELDS = PORTAL_COMMON_FIELDS | frozenset(
    {
        "active",
        "priority",
        "subject",
        "partner_id",
        "commercial_partner_id",
        "contact_id",
        "channel",
        "date_received",
        "description",
        "stage_id",
        "stage_state",
        "validity",
        "validity_explanation",
        "disposition",
        "customer_reply",
        "date_reply",
        "customer_accepted",
        "date_customer_acceptance",
        "customer_response",
        "customer_response_user_id",
        "date_customer_response",
        "customer_response_note",
        "date_closed",
    }
)


class QualityComplaint(models.Model):
    _name = "quality.complaint"
    _inherit = ["quality.complaint", "quality.portal.field.mixin"]
    _portal_readable_fields = PORTAL_READABLE_FIELDS
    _guarded_fields = {
        **BaseComplaint._guarded_fields,
        "customer_response": _lt("Accept / Reject on the customer portal"),
        "customer_response_user_id": _lt("Accept / Reject on the customer portal"),
        "date_customer_response": _lt("Accept / Reject on the customer portal"),
        "customer_response_note": _lt("Accept / Reject on the customer portal"),
    }

    customer_response = fields.Selection(
        [("accepted", "Accepted"), ("rejected", "Rejected")],
        string="Customer's Answer",
        copy=False,
        tracking=True,
        help="The customer's answer to the proposed solution, given on the customer portal.",
    )
    customer_response_user_id = fields.Many2one(
        "res.users",
        string="Answered By",
        copy=False,
        help="Portal user who accepted or rejected the proposed solution.",
    )
    date_customer_response = fields.Datetime(
        string="Answered On", copy=False, help="When the customer accepted or rejected the proposed solution."
    )
    customer_response_note = fields.Text(
        string="Customer's Comment", copy=False, help="What the customer wrote with the answer on the portal."
    )

    # Field access for portal users

    def _portal_field_refusal(self, operation, field_names):
        return self.env._(
            "Complaints: customers cannot %(operation)s the fields %(fields)s.",
            operation=operation,
            fields=field_names,
        )

    # The customer's answer

    def _check_portal_answer(self):
        """The current user may answer: a customer of this complaint, while it is open and answered."""
        self.ensure_one()
        self.check_access("read")
        user = self.env.user
        complaint = self.sudo()
        if not user._is_portal():
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: only the customer answers on the portal; staff record the "
                    "customer's acceptance with 'Accepted by Customer'.",
                    complaint=complaint.name,
                )
            )
        if user.commercial_partner_id != complaint.commercial_partner_id:
            raise AccessError(
                self.env._("Complaint %(complaint)s belongs to another customer.", complaint=complaint.name)
            )
        if complaint.stage_id.state in ("done", "rejected"):
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s is already %(stage)s: the solution can no longer be answered.",
                    complaint=complaint.name,
                    stage=complaint.stage_id.name,
                )
            )
        if not complaint.date_reply or is_html_empty(complaint.customer_reply):
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: no solution has been proposed yet; there is nothing to accept "
                    "or reject.",
                    complaint=complaint.name,
                )
            )
        return complaint

    def action_portal_accept_solution(self, note=None):
        """The customer accepts the proposed solution: the closing gate's acceptance, with who and when."""
        complaint = self._check_portal_answer()
        user = self.env.user
        now = fields.Datetime.now()
        with checked_action():
            complaint.write(
                {
                    "customer_response": "accepted",
                    "customer_response_user_id": user.id,
                    "date_customer_response": now,
                    "customer_response_note": note or False,
                    "customer_accepted": True,
                    "date_customer_acceptance": complaint.company_id._complaints_local_date(now),
                }
            )
        complaint._post_portal_answer(
            self.env._("%(user)s accepted the proposed solution on the customer portal.", user=user.name),
            note,
        )
        return True

    def action_portal_reject_solution(self, note=None):
        """The customer rejects the proposed solution; the investigator is asked to follow up."""
        if not (note or "").strip():
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: say why you reject the proposed solution.",
                    complaint=self.sudo().name,
                )
            )
        complaint = self._check_portal_answer()
        user = self.env.user
        with checked_action():
            complaint.write(
                {
                    "customer_response": "rejected",
                    "customer_response_user_id": user.id,
                    "date_customer_response": fields.Datetime.now(),
                    "customer_response_note": note,
                    "customer_accepted": False,
                    "date_customer_acceptance": False,
                }
            )
        complaint._post_portal_answer(
            self.env._("%(user)s rejected the proposed solution on the customer portal.", user=user.name),
            note,
        )
        responsible = complaint.user_id or complaint.manager_id
        if responsible:
            complaint.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=responsible.id,
                summary=self.env._("The customer rejected the proposed solution of %s", complaint.name),
                note=note,
            )
        return True

    def _post_portal_answer(self, summary, note):
        body = (
            summary if not note else self.env._("%(summary)s Comment: %(note)s", summary=summary, note=note)
        )
        self.with_context(mail_create_nosubscribe=True).message_post(
            body=body,
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
