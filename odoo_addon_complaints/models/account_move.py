# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import checked_action

_lt = LazyTranslate(__name__)


class AccountMove(models.Model):
    """Credit notes from complaints, with an approval above the company's limit."""

    _name = "account.move"
    _inherit = ["account.move", "quality.guarded.mixin"]
    _guarded_fields = {
        "complaint_approved_amount": _lt("Approve (complaint credit note)"),
        "complaint_approved_by_id": _lt("Approve (complaint credit note)"),
        "complaint_approved_on": _lt("Approve (complaint credit note)"),
    }

    complaint_id = fields.Many2one(
        "quality.complaint",
        index="btree_not_null",
        copy=False,
        help="Complaint this credit note settles.",
    )
    complaint_approval_state = fields.Selection(
        [
            ("not_required", "Not Required"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
        ],
        string="Complaint Approval",
        compute="_compute_complaint_approval_state",
        store=True,
        copy=False,
        help="Credit notes above the company's complaint approval limit need a "
        "Complaints Manager's approval before they can be posted.",
    )
    complaint_approved_amount = fields.Monetary(
        string="Approved Amount",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        help="Total (in company currency) the manager approved; a larger total needs a new approval.",
    )
    complaint_approved_by_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, copy=False, help="Manager who approved."
    )
    complaint_approved_on = fields.Datetime(
        string="Approved On", readonly=True, copy=False, help="When it was approved."
    )

    @api.depends("complaint_id", "amount_total_signed", "complaint_approved_amount", "company_id")
    def _compute_complaint_approval_state(self):
        for move in self:
            if not move.complaint_id:
                move.complaint_approval_state = False
                continue
            total = abs(move.amount_total_signed)
            limit = move.company_id.complaint_credit_approval_limit
            if not limit or total <= limit:
                move.complaint_approval_state = "not_required"
            elif move.complaint_approved_by_id and not float_compare(
                total, move.complaint_approved_amount, precision_rounding=move.company_currency_id.rounding
            ):
                # Any change of the approved total voids the approval, a smaller one too.
                move.complaint_approval_state = "approved"
            else:
                move.complaint_approval_state = "to_approve"

    def action_complaint_approve(self):
        if not self.env.user.has_group("odoo_addon_complaints.group_complaint_manager"):
            raise UserError(self.env._("Only a Complaints Manager may approve complaint credit notes."))
        # The approver signs for the complaint; they need no accounting rights.
        for move in self.sudo().filtered(lambda m: m.complaint_approval_state == "to_approve"):
            move.complaint_id.with_env(self.env)._check_not_concerned(
                self.env._("approve its credit note %s", move.display_name)
            )
            if move.create_uid == self.env.user:
                raise UserError(
                    self.env._(
                        "Credit note %(move)s for complaint %(complaint)s: %(user)s created it and cannot "
                        "approve it; another Complaints Manager must.",
                        move=move.display_name,
                        complaint=move.complaint_id.name,
                        user=self.env.user.name,
                    )
                )
            with checked_action():
                move.write(
                    {
                        "complaint_approved_amount": abs(move.amount_total_signed),
                        "complaint_approved_by_id": self.env.user.id,
                        "complaint_approved_on": fields.Datetime.now(),
                    }
                )
            message = self.env._(
                "Credit note %(move)s of %(amount)s approved by %(user)s.",
                move=move.display_name,
                amount=abs(move.amount_total_signed),
                user=self.env.user.name,
            )
            move.message_post(body=message, subtype_xmlid="mail.mt_note")
            move.complaint_id.message_post(body=message, subtype_xmlid="mail.mt_note")

    def _post(self, soft=True):
        for move in self:
            if move.complaint_approval_state == "to_approve":
                raise UserError(
                    self.env._(
                        "Credit note %(move)s for complaint %(complaint)s exceeds the approval "
                        "limit of %(limit)s: a Complaints Manager must approve it before it is posted.",
                        move=move.display_name,
                        complaint=move.complaint_id.name,
                        limit=move.company_id.complaint_credit_approval_limit,
                    )
                )
        return super()._post(soft=soft)
