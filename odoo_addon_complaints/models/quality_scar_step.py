# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, formatLang, plaintext2html
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
    cause_ids = fields.One2many(
        "quality.scar.cause",
        "step_id",
        string="Root Causes",
        readonly=True,
        help="Root causes that came with the supplier's answers to this step.",
    )
    action_ids = fields.One2many(
        "quality.scar.action",
        "step_id",
        string="Actions",
        readonly=True,
        help="Actions that came with the supplier's answers to this step.",
    )
    containment_ids = fields.One2many(
        "quality.scar.containment",
        "step_id",
        string="Containment Actions",
        readonly=True,
        help="Containment actions that came with the supplier's answers to this step.",
    )

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
            step._accept_answer_rows()
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
            for rows in step._answer_row_sets():
                rows.filtered(lambda row: row.state == "proposed").sudo().write(
                    {"state": "rejected", "reject_reason": step.reject_reason}
                )
            step.scar_id.message_post(
                body=self.env._("%(step)s rejected: %(reason)s", step=step.code, reason=step.reject_reason),
                subtype_xmlid="mail.mt_note",
            )
        self.scar_id._refresh_state()
        self.scar_id._emit("scar.updated")

    def _answer_row_sets(self):
        """The rows the supplier's answers to this step brought, one recordset per kind."""
        self.ensure_one()
        return (self.cause_ids, self.action_ids, self.containment_ids)

    def _accept_answer_rows(self):
        """The accepted answer's containment, root causes and actions become our 8D's (if the SCAR has one)."""
        self.ensure_one()
        causes = self.cause_ids.filtered(lambda row: row.state == "proposed")
        actions = self.action_ids.filtered(lambda row: row.state == "proposed")
        containment = self.containment_ids.filtered(lambda row: row.state == "proposed")
        report = self.scar_id.eight_d_id
        if report and containment:
            report.containment_action = self._containment_html(report.containment_action, containment)
        containment.sudo().write({"state": "accepted", "eight_d_id": report.id or False})
        for cause in causes:
            values = {"state": "accepted"}
            if report:
                values["eight_d_cause_id"] = (
                    self.env["quality.eight.d.root.cause"]
                    .create(
                        {
                            "eight_d_id": report.id,
                            "cause_kind": cause.cause_kind,
                            "cause_level": cause.cause_level,
                            "description": self.env._(
                                "%(description)s (supplier, %(scar)s)",
                                description=cause.description,
                                scar=self.scar_id.name,
                            ),
                            "date_clarified": cause.date_clarified
                            or self.scar_id.company_id._complaints_today(),
                            "verification": cause.verification or cause.hypothesis_result,
                        }
                    )
                    .id
                )
            cause.sudo().write(values)
        for action in actions:
            values = {"state": "accepted"}
            if report:
                values["capa_id"] = self._copy_action_to_capa(action, report).id
            action.sudo().write(values)

    def _containment_html(self, current, rows):
        """Our 8D's D3 text with the supplier's accepted containment actions added, one paragraph each."""
        scar = self.scar_id
        places = dict(rows._fields["place"]._description_selection(self.env))
        paragraphs = [
            plaintext2html(
                self.env._(
                    "Supplier %(supplier)s (%(scar)s): %(action)s\n"
                    "Where: %(place)s. Checked: %(checked)s, nonconforming: %(found)s. "
                    "Responsible: %(responsible)s, introduced on %(date)s. Proof: %(proof)s",
                    supplier=scar.supplier_id.name,
                    scar=scar.name,
                    action=row.name or "-",
                    place=places.get(row.place, "-"),
                    checked=formatLang(self.env, row.qty_checked, dp="Product Unit of Measure"),
                    found=formatLang(self.env, row.qty_nonconforming, dp="Product Unit of Measure"),
                    responsible=row.responsible or "-",
                    date=format_date(self.env, row.date_introduced) if row.date_introduced else "-",
                    proof=row.proof or "-",
                )
            )
            for row in rows
        ]
        return Markup("").join([Markup(current or ""), *paragraphs])

    def _copy_action_to_capa(self, action, report):
        scar = self.scar_id
        return self.env["quality.capa"].create(
            {
                "title": action.name.splitlines()[0][:200],
                "company_id": scar.company_id.id,
                "capa_type": "preventive" if action.eight_d_step == "D7" else "corrective",
                "source": "supplier",
                "eight_d_id": report.id,
                "eight_d_step": action.eight_d_step,
                "complaint_id": scar.complaint_id.id,
                "user_id": scar.user_id.id,
                "date_due": action.date_planned or scar.reply_due_on or scar.company_id._complaints_today(),
                "description": plaintext2html(
                    self.env._(
                        "%(action)s\n\nSupplier %(supplier)s (%(scar)s), responsible: %(responsible)s.\n"
                        "Proof of effectiveness: %(proof)s",
                        action=action.name,
                        supplier=scar.supplier_id.name,
                        scar=scar.name,
                        responsible=action.responsible or "-",
                        proof=action.proof or "-",
                    )
                ),
            }
        )
