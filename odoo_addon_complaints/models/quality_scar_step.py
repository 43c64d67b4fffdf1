# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import checked_action
from .quality_scar import SCAR_STEPS

_lt = LazyTranslate(__name__)


class QualityScarStep(models.Model):
    _name = "quality.scar.step"
    _inherit = ["quality.guarded.mixin"]
    _description = "SCAR Requested Step"
    _order = "scar_id, code"
    _guarded_fields = {
        "state": _lt("Send (SCAR) / Accept / Reject, or the supplier's answer"),
        "answer_id": _lt("the supplier's answer from the portal"),
        "answer_summary": _lt("the supplier's answer from the portal"),
        "answer_report": _lt("the supplier's answer from the portal"),
        "answer_author": _lt("the supplier's answer from the portal"),
        "date_answered": _lt("the supplier's answer from the portal"),
    }

    scar_id = fields.Many2one("quality.scar", required=True, ondelete="cascade", index=True, help="SCAR.")
    code = fields.Selection(SCAR_STEPS, string="Step", required=True, help="8D step asked of the supplier.")
    date_due = fields.Date(string="Due", help="When the supplier's answer is due.")
    state = fields.Selection(
        [
            ("draft", "Not Sent"),
            ("requested", "Requested"),
            ("answered", "Answered"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
        ],
        default="draft",
        required=True,
        help="Answers are accepted, or rejected with a reason and asked again.",
    )
    answer_id = fields.Char(
        string="Portal Answer ID",
        readonly=True,
        copy=False,
        index=True,
        help="Id of the answer on the portal.",
    )
    answer_summary = fields.Text(string="Answer", readonly=True, copy=False, help="The supplier's answer.")
    answer_report = fields.Json(
        string="Answer (8D Data)", readonly=True, copy=False, help="The step as the portal sent it."
    )
    answer_author = fields.Char(
        string="Answered By", readonly=True, copy=False, help="Who answered at the supplier."
    )
    date_answered = fields.Datetime(
        string="Answered On", readonly=True, copy=False, help="When the supplier answered."
    )
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Attachments", help="Evidence sent with the answer."
    )
    reject_reason = fields.Text(copy=False, help="Why the answer was rejected; the supplier sees it.")

    _sql_constraints = [("scar_code_unique", "unique(scar_id, code)", "A step is requested once per SCAR.")]

    def action_accept(self):
        for step in self:
            if step.state != "answered":
                raise UserError(
                    self.env._(
                        "SCAR %(scar)s: only an answered step can be accepted.", scar=step.scar_id.name
                    )
                )
            with checked_action():
                step.state = "accepted"
        self.scar_id._refresh_state()
        self.scar_id._emit("scar.updated")

    def action_reject(self):
        for step in self:
            if step.state != "answered":
                raise UserError(
                    self.env._(
                        "SCAR %(scar)s: only an answered step can be rejected.", scar=step.scar_id.name
                    )
                )
            if not (step.reject_reason or "").strip():
                raise UserError(
                    self.env._(
                        "SCAR %(scar)s, step %(step)s: give the reason for rejecting the answer.",
                        scar=step.scar_id.name,
                        step=step.code,
                    )
                )
            with checked_action():
                step.state = "rejected"
            step.scar_id.message_post(
                body=self.env._("%(step)s rejected: %(reason)s", step=step.code, reason=step.reject_reason),
                subtype_xmlid="mail.mt_note",
            )
        self.scar_id._refresh_state()
        self.scar_id._emit("scar.updated")
