# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import checked_action

_lt = LazyTranslate(__name__)


class QualityCapa(models.Model):
    """A corrective or preventive action, closed only once its effectiveness is verified."""

    _name = "quality.capa"
    _description = "Corrective and Preventive Action"
    _sequence_code = "quality.capa"
    _inherit = ["quality.numbered.mixin", "mail.thread", "mail.activity.mixin", "quality.guarded.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _guarded_fields = {
        "state": _lt("Approve / Implemented / the signed effectiveness check / Cancel"),
        "approved_by_id": _lt("Approve"),
        "date_approved": _lt("Approve"),
        "date_done": _lt("Implemented"),
    }

    title = fields.Char(required=True, tracking=True, help="What the action does.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, help="Company."
    )
    capa_type = fields.Selection(
        [
            ("correction", "Correction"),
            ("corrective", "Corrective Action"),
            ("preventive", "Preventive Action"),
            ("improvement", "Improvement"),
        ],
        string="Type",
        required=True,
        default="corrective",
        tracking=True,
        help="Correction fixes the defect; corrective action removes its cause; preventive action "
        "stops it elsewhere; improvement raises the level.",
    )
    source = fields.Selection(
        [
            ("complaint", "Complaint"),
            ("8d", "8D Report"),
            ("audit", "Audit"),
            ("internal", "Internal Nonconformity"),
            ("supplier", "Supplier"),
        ],
        required=True,
        default="8d",
        help="Where the action comes from.",
    )
    measure_area = fields.Selection(
        [
            ("process", "Process"),
            ("management", "Management"),
            ("tooling", "Tooling / Equipment"),
            ("inspection", "Inspection"),
        ],
        string="Area",
        help="Where the long-term measure acts.",
    )
    complaint_id = fields.Many2one(
        "quality.complaint", check_company=True, index=True, help="Complaint it answers."
    )
    eight_d_id = fields.Many2one(
        "quality.eight.d", string="8D Report", check_company=True, index=True, help="8D it belongs to."
    )
    eight_d_step = fields.Selection(
        [("D5", "D5 Corrective Action"), ("D6", "D6 Implementation"), ("D7", "D7 Prevention")],
        string="8D Step",
        help="Discipline of the 8D the action belongs to.",
    )
    description = fields.Html(help="The action in detail.")
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        help="Who carries the action out.",
    )
    date_due = fields.Date(
        string="Due Date", required=True, tracking=True, help="When the action must be done."
    )
    date_done = fields.Date(
        string="Implemented On", readonly=True, copy=False, help="When the action was implemented."
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("approved", "Approved"),
            ("verifying", "Verifying Effectiveness"),
            ("done", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
        help="Approved actions are carried out, then verified; only verified, effective actions close.",
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False, help="Who approved.")
    date_approved = fields.Datetime(
        string="Approved On", readonly=True, copy=False, help="When it was approved."
    )
    task_ids = fields.One2many("quality.capa.task", "capa_id", string="Tasks", copy=True, help="Work to do.")
    check_ids = fields.One2many(
        "quality.capa.check", "capa_id", string="Effectiveness Checks", help="Verification rounds."
    )
    on_time_rate = fields.Float(
        string="On-Time Rate (%)",
        compute="_compute_kpis",
        store=True,
        aggregator="avg",
        help="100 when implemented by its due date, else 0; averaged, the on-time rate.",
    )
    effectiveness_rate = fields.Float(
        string="Effectiveness Rate (%)",
        compute="_compute_kpis",
        store=True,
        aggregator="avg",
        help="100 when its last effectiveness check found it effective, else 0; averaged, the effectiveness rate.",
    )

    @api.depends("date_done", "date_due", "check_ids.result")
    def _compute_kpis(self):
        for capa in self:
            on_time = bool(capa.date_done and capa.date_due and capa.date_done <= capa.date_due)
            capa.on_time_rate = 100.0 if on_time else 0.0
            last = capa.check_ids.filtered("result").sorted("id")[-1:]
            capa.effectiveness_rate = 100.0 if last.result == "effective" else 0.0

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("eight_d_id") and not vals.get("source"):
                vals["source"] = "8d"
        return super().create(vals_list)

    def _concerned_complaints(self):
        return self.complaint_id | self.eight_d_id.complaint_ids

    def action_approve(self):
        if not self.env.user.has_group("odoo_addon_complaints.group_complaint_manager"):
            raise UserError(self.env._("Only a Complaints Manager approves corrective actions."))
        for capa in self:
            if capa.state != "draft":
                raise UserError(self.env._("CAPA %(capa)s is not a draft.", capa=capa.name))
            capa._concerned_complaints()._check_not_concerned(self.env._("approve its CAPA %s", capa.name))
            with checked_action():
                capa.write(
                    {
                        "state": "approved",
                        "approved_by_id": self.env.user.id,
                        "date_approved": fields.Datetime.now(),
                    }
                )

    def action_implemented(self):
        """The owner reports the action done; an effectiveness check is planned."""
        for capa in self:
            if capa.state != "approved":
                raise UserError(
                    self.env._("CAPA %(capa)s must be approved before it is implemented.", capa=capa.name)
                )
            if capa.task_ids.filtered(lambda task: not task.done):
                raise UserError(self.env._("CAPA %(capa)s still has open tasks.", capa=capa.name))
            if not capa.check_ids.filtered(lambda check: not check.result):
                raise UserError(
                    self.env._(
                        "CAPA %(capa)s: plan its effectiveness check (date, criterion, verifier) first.",
                        capa=capa.name,
                    )
                )
            with checked_action():
                capa.write({"state": "verifying", "date_done": capa.company_id._complaints_today()})

    def action_cancel(self):
        if not self.env.user.has_group("odoo_addon_complaints.group_complaint_manager"):
            raise UserError(self.env._("Only a Complaints Manager cancels corrective actions."))
        with checked_action():
            self.filtered(lambda capa: capa.state != "done").write({"state": "cancelled"})

    def _record_check_result(self, check, result, signature):
        """Close the CAPA when effective; reopen it with a new action when not."""
        self.ensure_one()
        with checked_action():
            check.write(
                {"result": result, "signature_id": signature.id, "date_verified": fields.Datetime.now()}
            )
            self.state = "done" if result == "effective" else self.state
        if result == "effective":
            self.message_post(
                body=self.env._("Effectiveness verified by %(user)s: closed.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
            return
        with checked_action():
            self.write(
                {
                    "state": "approved",
                    "date_done": False,
                    "task_ids": [
                        Command.create(
                            {
                                "name": self.env._("New action after ineffective check: %s", check.criterion),
                                "user_id": self.user_id.id,
                            }
                        )
                    ],
                }
            )
        self.message_post(
            body=self.env._(
                "Effectiveness check failed (%(criterion)s): reopened with a new action.",
                criterion=check.criterion,
            ),
            subtype_xmlid="mail.mt_note",
        )
