# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty
from odoo.tools.translate import LazyTranslate

from .quality_eight_d import EIGHT_D_STEPS

_lt = LazyTranslate(__name__)


class QualityEightDStep(models.Model):
    _name = "quality.eight.d.step"
    _inherit = ["quality.escalation.mixin"]
    _description = "8D Step"
    _order = "eight_d_id, code"
    _guarded_fields = {
        "eight_d_id": _lt("creating the 8D"),
        "code": _lt("creating the 8D"),
        "state": _lt("Submit Step / Approve Step"),
        "date_submitted": _lt("Submit Step"),
        "approved_by_id": _lt("Approve Step"),
        "date_approved": _lt("Approve Step"),
        "date_escalated": _lt("the escalation of overdue steps"),
    }

    eight_d_id = fields.Many2one(
        "quality.eight.d", required=True, ondelete="cascade", index=True, help="8D report."
    )
    company_id = fields.Many2one(related="eight_d_id.company_id", store=True, help="Company.")
    code = fields.Selection(
        EIGHT_D_STEPS, string="Step", required=True, help="Which of the eight disciplines."
    )
    user_id = fields.Many2one(
        "res.users", string="Owner", domain=[("share", "=", False)], help="Who completes the step."
    )
    date_due = fields.Datetime(string="Due", help="When the step must be approved.")
    state = fields.Selection(
        [
            ("pending", "Not Started"),
            ("open", "In Progress"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
        ],
        default="pending",
        required=True,
        help="Steps are approved by the champion, in order.",
    )
    date_submitted = fields.Datetime(string="Submitted On", readonly=True, help="When it was submitted.")
    approved_by_id = fields.Many2one("res.users", readonly=True, help="The champion who approved it.")
    date_approved = fields.Datetime(string="Approved On", readonly=True, help="When it was approved.")
    date_escalated = fields.Datetime(help="When the overdue step was escalated.")

    _sql_constraints = [("report_code_unique", "unique(eight_d_id, code)", "An 8D has each step once.")]

    @api.depends("code")
    def _compute_display_name(self):
        labels = dict(self._fields["code"]._description_selection(self.env))
        for step in self:
            step.display_name = labels.get(step.code, "")

    def _check_complete(self):
        """Refuse to submit a step whose content is missing, naming what is missing."""
        self.ensure_one()
        report = self.eight_d_id
        missing = {
            "D0": is_html_empty(report.emergency_response) and self.env._("emergency response"),
            "D1": not report.leader_id and self.env._("team leader"),
            "D2": not (report.what and report.how_many) and self.env._("what and how many (5W2H)"),
            "D3": (is_html_empty(report.containment_action) or not report.containment_effective)
            and self.env._("containment and its effectiveness"),
            "D4": self.code == "D4" and self._missing_root_causes(report),
            "D5": not report.capa_ids.filtered(lambda c: c.eight_d_step == "D5")
            and self.env._("a corrective action (CAPA)"),
            "D6": is_html_empty(report.implementation_evidence) and self.env._("implementation evidence"),
            "D7": is_html_empty(report.prevention_rollout) and self.env._("prevention roll-out"),
            "D8": is_html_empty(report.lessons_learned) and self.env._("lessons learned"),
        }[self.code]
        if missing:
            raise UserError(
                self.env._(
                    "8D %(report)s: %(step)s cannot be submitted without %(missing)s.",
                    report=report.name,
                    step=self.display_name,
                    missing=missing,
                )
            )

    def _missing_root_causes(self, report):
        causes = report.root_cause_ids
        kinds = set(causes.mapped("cause_kind"))
        if not {"occurrence", "non_detection"} <= kinds:
            return self.env._("a root cause for occurrence and one for non-detection")
        if causes.filtered(lambda cause: not cause.verified):
            return self.env._("verification of every root cause")
        return False

    # Escalation (quality.escalation.mixin): the current step, to the champion

    @api.model
    def _escalation_domain(self):
        return [("state", "in", ("open", "submitted")), ("eight_d_id.step", "!=", "done")]

    def _escalation_filter(self):
        return self.filtered(lambda step: step.eight_d_id.step == step.code)

    def _escalation_thread(self):
        return self.eight_d_id

    def _escalation_users(self):
        return self.eight_d_id.champion_id

    def _escalation_summary(self):
        return self.env._("Overdue: %(step)s of 8D %(report)s", step=self.code, report=self.eight_d_id.name)

    def _escalation_note(self):
        report = self.eight_d_id
        return self.env._(
            "%(step)s of 8D %(report)s was due on %(due)s and is not approved.",
            step=self.display_name,
            report=report.name,
            due=report.company_id._complaints_format_datetime(self.date_due),
        )
