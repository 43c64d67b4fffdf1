# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import checked_action
from .quality_regulatory_form import REPORT_TYPES
from .quality_sync_event import PATIENT_DATA_READERS

RENDER_EVENT = "regulatory_report.render"
OPEN_STATES = ("draft", "validated")
# The rendered file carries the patient's age, sex and weight.
PATIENT_FILE_GROUPS = PATIENT_DATA_READERS

_lt = LazyTranslate(__name__)


class QualityRegulatoryReport(models.Model):
    """One report to a regulator: an EU MIR, an FDA 3500A or an NMPA form.

    The sync agent renders the file from a snapshot of the report's data,
    validates it against the official schema and either attaches it (the
    report is then Validated) or sends the failures back here, naming the
    element that failed. Staff submit the file and record the references;
    FDA acknowledgements are applied by the agent.
    """

    _name = "quality.regulatory.report"
    _description = "Regulatory Report"
    _sequence_code = "quality.regulatory.report"
    _inherit = [
        "quality.numbered.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "quality.sync.mixin",
        "quality.escalation.mixin",
    ]
    _order = "date_due, id desc"
    _check_company_auto = True
    _guarded_fields = {
        "state": _lt("Render & Validate / Submit / Acknowledged / Rejected / Reset to Draft"),
        "render_state": _lt("Render & Validate"),
        "render_event_uid": _lt("Render & Validate"),
        "validation_errors": _lt("Render & Validate"),
        "attachment_id": _lt("Render & Validate"),
        "file_data": _lt("Render & Validate"),
        "file_name": _lt("Render & Validate"),
        "file_sha256": _lt("Render & Validate"),
        "rendered_on": _lt("Render & Validate"),
        "submitted_by_id": _lt("Submit"),
        "follow_up_number": _lt("creating the report"),
        "mfr_report_number": _lt("creating the report"),
        "date_escalated": _lt("the escalation of overdue reports"),
    }

    adverse_event_id = fields.Many2one(
        "quality.adverse.event",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
        help="Evaluated adverse event the report is about.",
    )
    decision_id = fields.Many2one(
        "quality.adverse.event.decision",
        string="Reportability Decision",
        ondelete="set null",
        domain="[('adverse_event_id', '=', adverse_event_id), ('market_id', '=', market_id)]",
        help="Decision that made the event reportable in this market.",
    )
    complaint_id = fields.Many2one(
        related="adverse_event_id.complaint_id", store=True, index=True, help="Complaint the event came from."
    )
    company_id = fields.Many2one(
        related="adverse_event_id.company_id", store=True, index=True, help="Company."
    )
    market_id = fields.Many2one(
        "quality.regulatory.market",
        required=True,
        ondelete="restrict",
        tracking=True,
        help="Market it is filed in.",
    )
    form_id = fields.Many2one(
        "quality.regulatory.form",
        required=True,
        ondelete="restrict",
        tracking=True,
        domain="[('market_id', '=', market_id)]",
        help="Official form and version the file is rendered in.",
    )
    report_type = fields.Selection(
        REPORT_TYPES,
        required=True,
        default="initial",
        tracking=True,
        help="Initial, follow-up or final; the EU MIR also has combined initial and final, and final "
        "(not reportable) for an event found not reportable after an initial report.",
    )
    initial_report_id = fields.Many2one(
        "quality.regulatory.report",
        ondelete="restrict",
        index=True,
        domain="[('adverse_event_id', '=', adverse_event_id), ('market_id', '=', market_id), "
        "('report_type', 'in', ('initial', 'initial_final'))]",
        help="Initial report that a follow-up or final report continues.",
    )
    follow_up_number = fields.Integer(
        readonly=True, copy=False, help="Number of the follow-up, 0 for the initial report."
    )
    regulator = fields.Char(
        compute="_compute_regulator",
        store=True,
        readonly=False,
        help="Authority the report goes to, e.g. BfArM for an EU report in Germany.",
    )
    regulator_country_id = fields.Many2one(
        "res.country", help="Country of the competent authority (EU reports)."
    )
    regulator_ref = fields.Char(
        string="Regulator Reference",
        tracking=True,
        copy=False,
        help="Reference the regulator gave the case (NCA report number, FDA report number); follow-ups need it.",
    )
    mfr_report_number = fields.Char(
        string="Manufacturer Report Number",
        readonly=True,
        copy=False,
        index=True,
        help="Our report number in the regulator's format (FDA: registration number-year-sequence); "
        "follow-ups keep the initial report's number.",
    )
    date_due = fields.Datetime(
        string="Due Date",
        required=True,
        tracking=True,
        help="When the report must be submitted at the latest.",
    )
    next_report_date = fields.Date(help="When the next (follow-up or final) report will be sent.")
    non_reportable_reason = fields.Text(
        help="Why the event turned out not reportable (final non-reportable reports)."
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("validated", "Validated"),
            ("submitted", "Submitted"),
            ("acknowledged", "Acknowledged"),
            ("rejected", "Rejected"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
        help="Validated: the agent rendered a file that passed the official schema. Submitted: sent to the "
        "regulator. Acknowledged or Rejected: the regulator's answer.",
    )
    render_state = fields.Selection(
        [("none", "Not Rendered"), ("queued", "Queued"), ("done", "Rendered"), ("invalid", "Invalid")],
        default="none",
        required=True,
        readonly=True,
        copy=False,
        help="Where the latest rendering by the sync agent stands.",
    )
    render_event_uid = fields.Char(
        readonly=True, copy=False, help="Outbox event of the latest rendering request."
    )
    validation_errors = fields.Text(
        readonly=True,
        copy=False,
        groups=PATIENT_FILE_GROUPS,
        help="What the official schema or the regulator rejected, element by element. A schema message "
        "may quote a value of the file, patient data included: only vigilance staff read it.",
    )
    has_validation_errors = fields.Boolean(
        compute="_compute_has_validation_errors",
        help="The schema or the regulator rejected the file; vigilance staff read the details.",
    )
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="File Attachment",
        readonly=True,
        copy=False,
        groups=PATIENT_FILE_GROUPS,
        help="Attachment holding the rendered file.",
    )
    file_data = fields.Binary(
        string="File",
        attachment=True,
        readonly=True,
        copy=False,
        groups=PATIENT_FILE_GROUPS,
        help="Rendered file as validated; it holds patient data, so only vigilance staff can open it.",
    )
    file_name = fields.Char(readonly=True, copy=False, help="Name of the rendered file.")
    file_sha256 = fields.Char(
        string="File SHA-256", readonly=True, copy=False, help="Checksum of the rendered file."
    )
    rendered_on = fields.Datetime(readonly=True, copy=False, help="When the file was rendered and validated.")
    submission_ref = fields.Char(
        string="Submission Reference",
        tracking=True,
        copy=False,
        help="Reference of the submission (EUDAMED or e-mail reference, FDA ESG message or core id, NMPA number).",
    )
    submitted_on = fields.Datetime(tracking=True, copy=False, help="When the report was submitted.")
    submitted_by_id = fields.Many2one("res.users", readonly=True, copy=False, help="Who submitted it.")
    ack_ref = fields.Char(
        string="Acknowledgement Reference",
        tracking=True,
        copy=False,
        help="Reference of the regulator's acknowledgement.",
    )
    acknowledged_on = fields.Datetime(
        tracking=True, copy=False, help="When the regulator acknowledged or rejected it."
    )
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="Due date passed and the report is not submitted.",
    )
    date_escalated = fields.Datetime(help="When the overdue report was escalated.")

    _sql_constraints = [
        (
            "follow_up_unique",
            "unique(initial_report_id, follow_up_number)",
            "Follow-up numbers are unique per case.",
        ),
    ]

    @api.model
    def _sequence_company(self, vals):
        event = self.env["quality.adverse.event"].browse(vals.get("adverse_event_id"))
        return event.company_id or super()._sequence_company(vals)

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        with checked_action():
            for report in reports:
                report._check_form_supports_type()
                report._number_in_case()
        return reports

    @api.depends("validation_errors")
    def _compute_has_validation_errors(self):
        for report, stored in zip(self, self.sudo(), strict=True):
            report.has_validation_errors = bool(stored.validation_errors)

    @api.depends("market_id")
    def _compute_regulator(self):
        for report in self:
            report.regulator = report.market_id.regulator

    @api.depends("date_due", "state")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for report in self:
            report.is_overdue = bool(
                report.state in OPEN_STATES and report.date_due and report.date_due < now
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Overdue'."))
        domain = [("state", "in", OPEN_STATES), ("date_due", "<", fields.Datetime.now())]
        if (operator == "=") == value:
            return domain
        return ["|", ("state", "not in", OPEN_STATES), ("date_due", ">=", fields.Datetime.now())]

    @api.constrains("form_id", "market_id")
    def _check_form_market(self):
        for report in self:
            if report.form_id.market_id != report.market_id:
                raise ValidationError(
                    self.env._(
                        "Report %(report)s: form %(form)s is not a %(market)s form.",
                        report=report.name,
                        form=report.form_id.name,
                        market=report.market_id.name,
                    )
                )

    def _check_form_supports_type(self):
        self.ensure_one()
        if self.report_type not in self.form_id._report_type_list():
            label = dict(REPORT_TYPES)[self.report_type]
            raise ValidationError(
                self.env._(
                    "Report %(report)s: form %(form)s has no %(type)s report.",
                    report=self.name,
                    form=self.form_id.name,
                    type=label,
                )
            )
        if self.report_type not in ("initial", "initial_final") and not self.initial_report_id:
            raise ValidationError(
                self.env._(
                    "Report %(report)s: a follow-up or final report continues an initial report; choose it.",
                    report=self.name,
                )
            )

    def _number_in_case(self):
        """Follow-ups continue the initial report's numbers; initial reports get new ones."""
        self.ensure_one()
        initial = self.initial_report_id
        if initial:
            siblings = self.search([("initial_report_id", "=", initial.id), ("id", "!=", self.id)])
            self.write(
                {
                    "follow_up_number": max(siblings.mapped("follow_up_number"), default=0) + 1,
                    "mfr_report_number": initial.mfr_report_number,
                    "regulator_ref": self.regulator_ref or initial.regulator_ref,
                    "regulator_country_id": self.regulator_country_id.id or initial.regulator_country_id.id,
                }
            )
            return
        today = self.company_id._complaints_today()
        sequence = self.env["ir.sequence"].next_by_code("quality.regulatory.report.case", sequence_date=today)
        sequence = sequence or "00001"
        year = today.year
        prefix = (
            self.company_id.fda_registration_number if self.market_id.code == "us" else self.company_id.eu_srn
        )
        self.mfr_report_number = (
            f"{prefix or self.company_id.partner_id.ref or self.company_id.id}-{year}-{sequence}"
        )

    # Rendering, by the sync agent

    def action_render(self):
        """Ask the sync agent to render and validate the file from today's data."""
        for report in self:
            if report.state not in OPEN_STATES:
                raise UserError(
                    self.env._(
                        "Report %(report)s is %(state)s: a submitted report is not rendered again; "
                        "file a follow-up instead.",
                        report=report.name,
                        state=report._state_label(),
                    )
                )
            report._check_form_supports_type()
            # A new rendering supersedes every older one not sent, waiting, being rendered
            # or failed: only today's data is filed, and a failed rendering holds nothing back.
            event = self.env["quality.sync.event"]._enqueue(
                report, RENDER_EVENT, report.form_id.code, report._regulatory_payload(), supersede=True
            )
            with checked_action():
                report.write(
                    {
                        "state": "draft",
                        "render_state": "queued",
                        "render_event_uid": event.event_uid,
                        "validation_errors": False,
                    }
                )
        return True

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _integration_report(self, report_id, event_uid):
        self.env["quality.sync.event"]._check_sync_access()
        report = self.sudo().browse(int(report_id)).exists()
        if not report:
            raise UserError(self.env._("Regulatory report %s does not exist.", report_id))
        if report.render_event_uid != event_uid:
            return report, False  # a newer rendering was asked for: this one is stale
        return report, True

    @api.model
    def sync_report_rendered(self, report_id, event_uid, file_name, content_b64, sha256):
        """The agent rendered a valid file: attach it and mark the report Validated."""
        report, current = self._integration_report(report_id, event_uid)
        if not current or report.state != "draft":
            return {"applied": False, "reason": "stale" if not current else report.state}
        content = base64.b64decode(content_b64)
        if hashlib.sha256(content).hexdigest() != sha256:
            raise UserError(
                self.env._("Report %s: the file's checksum does not match; nothing attached.", report.name)
            )
        # A field attachment: Odoo then lets only the field's groups open it, also through /web/content.
        report.file_data = content_b64
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", report._name),
                    ("res_id", "=", report.id),
                    ("res_field", "=", "file_data"),
                ],
                limit=1,
            )
        )
        attachment.name = file_name
        report.write(
            {
                "attachment_id": attachment.id,
                "file_name": file_name,
                "file_sha256": sha256,
                "rendered_on": fields.Datetime.now(),
                "render_state": "done",
                "state": "validated",
                "validation_errors": False,
            }
        )
        report.message_post(
            body=self.env._(
                "The sync agent rendered %(file)s; it passed the official schema.", file=file_name
            ),
        )
        return {"applied": True, "state": report.state}

    @api.model
    def sync_report_invalid(self, report_id, event_uid, problems):
        """The rendered file failed validation: keep the report in draft and say what failed."""
        report, current = self._integration_report(report_id, event_uid)
        if not current:
            return {"applied": False, "reason": "stale"}
        lines = [
            f"{problem.get('path') or '?'}: {problem.get('message') or ''}".strip()
            for problem in problems or []
        ]
        text = "\n".join(lines) or self.env._("The file did not pass validation.")
        report.write({"render_state": "invalid", "validation_errors": text, "state": "draft"})
        report.message_post(
            body=self.env._(
                "The %(form)s file failed validation in %(count)s place(s); nothing was written. "
                "Vigilance staff find the details under Validation Errors.",
                form=report.form_id.name,
                count=len(lines) or 1,
            )
        )
        user = report.adverse_event_id.user_id or report.company_id.vigilance_user_id
        if user:
            report.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Fix the data of report %s", report.name),
                note=self.env._("See the report's Validation Errors."),
            )
        return {"applied": True, "state": report.state}

    # Submission and acknowledgement

    def action_submit(self):
        for report in self:
            if report.state != "validated":
                raise UserError(self.env._("Report %s: only a validated file can be submitted.", report.name))
        with checked_action():
            self.write(
                {
                    "state": "submitted",
                    "submitted_on": fields.Datetime.now(),
                    "submitted_by_id": self.env.user.id,
                }
            )
        self.activity_unlink(["odoo_addon_complaints.mail_activity_regulatory_overdue"])
        return True

    def action_acknowledge(self):
        self._answer("acknowledged")

    def action_reject(self):
        self._answer("rejected")

    def _answer(self, state):
        for report in self:
            if report.state != "submitted":
                raise UserError(
                    self.env._("Report %s: only a submitted report gets the regulator's answer.", report.name)
                )
        with checked_action():
            self.write({"state": state, "acknowledged_on": fields.Datetime.now()})

    def action_reset_to_draft(self):
        for report in self:
            if report.state not in ("validated", "rejected"):
                raise UserError(
                    self.env._("Report %s: only validated or rejected reports go back to draft.", report.name)
                )
        with checked_action():
            self.write({"state": "draft", "render_state": "none"})

    @api.model
    def sync_apply_acknowledgement(self, ack):
        """Apply an FDA acknowledgement (ACK2 receipt, ACK3 report status) parsed by the agent."""
        self.env["quality.sync.event"]._check_sync_access()
        reports = self.sudo().browse()
        number = ack.get("report_number")
        if number:
            reports = self.sudo().search(
                [
                    ("mfr_report_number", "=", number),
                    ("state", "in", ("submitted", "acknowledged", "rejected")),
                ],
                order="submitted_on desc, id desc",
                limit=1,
            )
        refs = [ref for ref in (ack.get("message_id"), ack.get("core_id"), ack.get("batch_id")) if ref]
        if not reports and refs:
            reports = self.sudo().search(
                [("submission_ref", "in", refs)], order="submitted_on desc, id desc", limit=1
            )
        if not reports:
            return {"matched": False, "report": None, "state": None}
        status = ack.get("status")
        errors = "\n".join(
            " - ".join(part for part in (e.get("section"), e.get("message"), e.get("value")) if part)
            for e in ack.get("errors") or []
        )
        vals = {"ack_ref": ack.get("core_id") or ack.get("message_id") or reports.ack_ref}
        if status == "accepted":
            vals.update(state="acknowledged", acknowledged_on=fields.Datetime.now())
        elif status == "rejected":
            vals.update(
                state="rejected", acknowledged_on=fields.Datetime.now(), validation_errors=errors or False
            )
        reports.write(vals)
        reports.message_post(
            body=self.env._(
                "FDA %(kind)s: %(status)s.%(errors)s",
                kind=ack.get("kind") or "ACK",
                status=status or "-",
                errors=self.env._(" Vigilance staff find the regulator's errors under Validation Errors.")
                if errors
                else "",
            )
        )
        return {"matched": True, "report": reports.name, "state": reports.state}

    # Escalation (quality.escalation.mixin): to the vigilance contacts, who are notified

    _escalation_activity_type = "odoo_addon_complaints.mail_activity_regulatory_overdue"
    _escalation_notifies_users = True

    @api.model
    def _escalation_domain(self):
        return [("state", "in", OPEN_STATES)]

    def _escalation_users(self):
        users = self.adverse_event_id.user_id | self.company_id.vigilance_user_id
        users |= self.env.ref("odoo_addon_complaints.group_regulatory_manager").users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share
        )
        return users

    def _escalation_summary(self):
        return self.env._(
            "Overdue: %(form)s report %(report)s was due %(due)s",
            form=self.form_id.name,
            report=self.name,
            due=self.company_id._complaints_format_datetime(self.date_due),
        )

    @api.model
    def _cron_escalate_overdue(self):
        """Escalate overdue reports once; return how many, as the cron's callers count them."""
        return len(super()._cron_escalate_overdue())
