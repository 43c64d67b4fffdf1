# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import checked_action, lock_rows

EIGHT_D_STEPS = [
    ("D0", "D0 Emergency Response"),
    ("D1", "D1 Team"),
    ("D2", "D2 Problem Description"),
    ("D3", "D3 Containment"),
    ("D4", "D4 Root Causes"),
    ("D5", "D5 Corrective Actions"),
    ("D6", "D6 Implementation and Validation"),
    ("D7", "D7 Prevention"),
    ("D8", "D8 Closure"),
]

_lt = LazyTranslate(__name__)


class QualityEightD(models.Model):
    """An 8D report: a disciplined investigation from emergency response to closure."""

    _name = "quality.eight.d"
    _description = "8D Report"
    _sequence_code = "quality.eight.d"
    _inherit = [
        "quality.numbered.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "quality.sync.mixin",
        "quality.guarded.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _guarded_fields = {
        "step": _lt("Approve Step"),
        "date_closed": _lt("Close 8D (champion's signature)"),
        "closing_signature_id": _lt("Close 8D (champion's signature)"),
    }

    title = fields.Char(required=True, tracking=True, help="Short statement of the problem.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, help="Company."
    )
    source = fields.Selection(
        [
            ("complaint", "Customer Complaint"),
            ("internal", "Internal Nonconformity"),
            ("supplier", "Supplier Problem"),
        ],
        required=True,
        default="complaint",
        help="What the 8D investigates.",
    )
    complaint_ids = fields.Many2many(
        "quality.complaint", string="Complaints", check_company=True, help="Complaints this 8D answers."
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", help="Customer who asked for the 8D, if any."
    )
    supplier_id = fields.Many2one("res.partner", help="Supplier involved, if any.")
    product_ids = fields.Many2many("product.product", string="Products", help="Products concerned.")
    lot_ids = fields.Many2many("stock.lot", string="Lots/Serials", help="Lots concerned.")
    step = fields.Selection(
        [*EIGHT_D_STEPS, ("done", "Closed")],
        default="D0",
        required=True,
        tracking=True,
        index=True,
        group_expand="_group_expand_step",
        help="Current step; steps complete in order, each approved by the champion.",
    )
    step_ids = fields.One2many("quality.eight.d.step", "eight_d_id", string="Steps", help="The nine steps.")
    current_step_id = fields.Many2one(
        "quality.eight.d.step", compute="_compute_current_step", help="Step being worked on."
    )
    date_step_due = fields.Datetime(
        string="Step Due", compute="_compute_date_step_due", store=True, help="Due date of the current step."
    )
    is_overdue = fields.Boolean(
        compute="_compute_current_step", help="The current step is past its due date."
    )
    # D1
    champion_id = fields.Many2one(
        "res.users",
        required=True,
        tracking=True,
        domain=[("share", "=", False)],
        help="Complaints Manager who sponsors the 8D and approves each step; by default the escalation "
        "manager of its complaint. Never the owner of a step he approves; only a Complaints Manager changes it.",
    )
    leader_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        tracking=True,
        domain=[("share", "=", False)],
        help="Leads the team and owns the steps by default.",
    )
    member_ids = fields.One2many(
        "quality.eight.d.member", "eight_d_id", string="Team", help="Team members and roles."
    )
    # D0, D2, D3
    emergency_response = fields.Html(help="D0: immediate actions to protect the customer.")
    what = fields.Text(help="D2: what is the problem (object and defect)?")
    why = fields.Text(help="D2: why is it a problem?")
    where = fields.Text(help="D2: where was it found (geographically, on the part)?")
    when = fields.Text(help="D2: when was it found, first and since?")
    who = fields.Text(help="D2: who found it, who is affected?")
    how = fields.Text(help="D2: how was it found?")
    how_many = fields.Text(help="D2: how many, how often?")
    is_is_not_ids = fields.One2many(
        "quality.eight.d.is.not",
        "eight_d_id",
        string="IS / IS NOT",
        help="D2: where the problem is and is not.",
    )
    containment_action = fields.Html(string="Containment", help="D3: containment actions and their owner.")
    qty_checked = fields.Float(
        compute="_compute_containment",
        digits="Product Unit of Measure",
        help="D3: quantity sorted, from the complaints.",
    )
    qty_found_defective = fields.Float(
        compute="_compute_containment",
        digits="Product Unit of Measure",
        help="D3: quantity found defective by sorting, from the complaints.",
    )
    quarantine_picking_ids = fields.Many2many(
        "stock.picking", compute="_compute_containment", help="D3: quarantine transfers of the complaints."
    )
    containment_effective = fields.Selection(
        [("yes", "Effective"), ("no", "Not Effective")],
        help="D3: did containment stop defective parts reaching the customer?",
    )
    # D4 - D8
    root_cause_ids = fields.One2many(
        "quality.eight.d.root.cause", "eight_d_id", string="Root Causes", help="D4."
    )
    capa_ids = fields.One2many(
        "quality.capa", "eight_d_id", string="Actions", help="D5-D7: the CAPA records."
    )
    implementation_evidence = fields.Html(help="D6: evidence that the actions are implemented and work.")
    prevention_rollout = fields.Html(
        string="Roll-out", help="D7: similar products and processes the fix is rolled out to."
    )
    update_fmea = fields.Boolean(string="Update FMEA", help="D7: the FMEA must be updated.")
    update_control_plan = fields.Boolean(help="D7: the control plan must be updated.")
    update_work_instruction = fields.Boolean(
        string="Update Work Instructions", help="D7: work instructions must be updated."
    )
    document_references = fields.Char(help="D7: references of the documents updated.")
    lessons_learned = fields.Html(help="D8: what the organisation learns.")
    team_recognition = fields.Html(help="D8: how the team's work is recognised.")
    date_closed = fields.Datetime(readonly=True, copy=False, help="When the champion closed the 8D.")
    closing_signature_id = fields.Many2one(
        "quality.signature", readonly=True, copy=False, help="The champion's signature that closed the 8D."
    )
    scar_ids = fields.One2many(
        "quality.scar", "eight_d_id", string="Supplier Requests", help="SCARs issued from this 8D."
    )

    _signed_actions = ("action_close",)

    @api.model
    def _group_expand_step(self, steps, domain):
        return [code for code, _label in self._fields["step"].selection]

    @api.depends("step", "step_ids.date_due", "step_ids.state")
    def _compute_current_step(self):
        now = fields.Datetime.now()
        for report in self:
            step = report.step_ids.filtered(lambda s, code=report.step: s.code == code)[:1]
            report.current_step_id = step
            report.is_overdue = bool(
                step and step.date_due and step.date_due < now and step.state != "approved"
            )

    @api.depends("step", "step_ids.date_due")
    def _compute_date_step_due(self):
        for report in self:
            report.date_step_due = report.step_ids.filtered(lambda s, code=report.step: s.code == code)[
                :1
            ].date_due

    @api.depends("complaint_ids.sorting_ids", "complaint_ids.complaint_picking_ids")
    def _compute_containment(self):
        for report in self:
            sortings = report.complaint_ids.sorting_ids
            report.qty_checked = sum(sortings.mapped("qty_checked"))
            report.qty_found_defective = sum(sortings.mapped("qty_defective"))
            report.quarantine_picking_ids = report.complaint_ids.complaint_picking_ids.filtered(
                lambda p: p.complaint_picking_kind == "quarantine"
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("champion_id"):
                vals["champion_id"] = self._default_champion(vals).id
        reports = super().create(vals_list)
        with checked_action():
            reports._create_steps()
        return reports

    @api.model
    def _default_champion(self, vals):
        """The escalation manager of the complaint investigated, never silently the creator."""
        complaint_ids = []
        for command in vals.get("complaint_ids") or []:
            if command[0] == 4:
                complaint_ids.append(command[1])
            elif command[0] == 6:
                complaint_ids.extend(command[2])
        complaints = self.env["quality.complaint"].browse(complaint_ids)
        champion = complaints.manager_id[:1]
        if not champion:
            raise UserError(
                self.env._(
                    "8D %(report)s: choose its Champion, a Complaints Manager who approves the steps.",
                    report=vals.get("title") or vals.get("name"),
                )
            )
        return champion

    def write(self, vals):
        if (
            "champion_id" in vals
            and not self.env.su
            and not self.env.user.has_group("odoo_addon_complaints.group_complaint_manager")
        ):
            raise UserError(
                self.env._(
                    "8D %(report)s: only a Complaints Manager changes the field 'Champion'.",
                    report=", ".join(self.mapped("name")),
                )
            )
        return super().write(vals)

    def _check_approver(self, step):
        """The champion approves, as a Complaints Manager who neither owns the step nor is concerned."""
        self.ensure_one()
        user = self.env.user
        if user != self.champion_id:
            raise UserError(
                self.env._(
                    "8D %(report)s: only the champion %(champion)s approves its steps.",
                    report=self.name,
                    champion=self.champion_id.name,
                )
            )
        if not user.has_group("odoo_addon_complaints.group_complaint_manager"):
            raise UserError(
                self.env._(
                    "8D %(report)s: steps are approved by a Complaints Manager; %(user)s is not one.",
                    report=self.name,
                    user=user.name,
                )
            )
        if step.user_id == user:
            raise UserError(
                self.env._(
                    "8D %(report)s: %(user)s owns %(step)s and cannot approve it.",
                    report=self.name,
                    user=user.name,
                    step=step.display_name,
                )
            )
        self.complaint_ids._check_not_concerned(self.env._("approve its 8D"))

    def _create_steps(self):
        rules = {rule.code: rule for rule in self.env["quality.eight.d.step.rule"].search([])}
        for report in self:
            calendar = report.company_id.resource_calendar_id
            start = fields.Datetime.now()
            values = []
            for code, _label in EIGHT_D_STEPS:
                rule = rules.get(code)
                due = rule._compute_due_date(start, calendar) if rule else False
                values.append(
                    {
                        "eight_d_id": report.id,
                        "code": code,
                        "user_id": report.leader_id.id,
                        "date_due": due,
                        "state": "open" if code == "D0" else "pending",
                    }
                )
                start = due or start
            self.env["quality.eight.d.step"].create(values)

    # Step workflow

    def action_submit_step(self):
        """The step owner submits the current step for the champion's approval."""
        for report in self:
            step = report.current_step_id
            if not step or step.state != "open":
                raise UserError(
                    self.env._("8D %(report)s: the current step is not open.", report=report.name)
                )
            step._check_complete()
            with checked_action():
                step.write({"state": "submitted", "date_submitted": fields.Datetime.now()})
            report.message_post(
                body=self.env._("%(step)s submitted for approval.", step=step.display_name),
                subtype_xmlid="mail.mt_note",
            )
            report._notify_step_submitted(step)

    def _notify_step_submitted(self, step):
        """Tell the supplier portal of each SCAR sent from this 8D."""
        self.scar_ids.filtered(lambda scar: scar.state not in ("draft", "cancelled"))._emit(
            "8d.step_submitted"
        )

    def action_approve_step(self):
        """The champion approves the current step; the 8D moves to the next one."""
        for report in self:
            step = report.current_step_id
            lock_rows(step)  # approved once, even when the champion clicks twice at once
            report._check_approver(step)
            if step.state != "submitted":
                raise UserError(
                    self.env._(
                        "8D %(report)s: %(step)s must be submitted before it is approved.",
                        report=report.name,
                        step=step.display_name,
                    )
                )
            if step.code == "D8":
                raise UserError(
                    self.env._(
                        "8D %(report)s: D8 is approved by closing the 8D with your signature.",
                        report=report.name,
                    )
                )
            with checked_action():
                step.write(
                    {
                        "state": "approved",
                        "approved_by_id": self.env.user.id,
                        "date_approved": fields.Datetime.now(),
                    }
                )
                codes = [code for code, _label in EIGHT_D_STEPS]
                report.step = codes[codes.index(step.code) + 1]
                report.current_step_id.state = "open"
            report.message_post(
                body=self.env._(
                    "%(step)s approved by %(user)s.", step=step.display_name, user=self.env.user.name
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_reject_step(self):
        for report in self:
            step = report.current_step_id
            if self.env.user != report.champion_id or step.state != "submitted":
                raise UserError(
                    self.env._(
                        "8D %(report)s: only the champion sends a submitted step back.", report=report.name
                    )
                )
            with checked_action():
                step.state = "open"
            report.message_post(
                body=self.env._("%(step)s sent back for rework.", step=step.display_name),
                subtype_xmlid="mail.mt_note",
            )

    def action_open_close_signature(self):
        self.ensure_one()
        return self.env["quality.signature"]._action_request(
            self, "action_close", self.env._("Close 8D %s as champion", self.name), self.env._("Close 8D")
        )

    def action_close(self):
        """Close the 8D: the champion approves D8 with an electronic signature."""
        self.ensure_one()
        signature = self.env["quality.signature"]._given_for(self)
        if not signature:
            raise UserError(
                self.env._("8D %(report)s is closed by the champion's signature.", report=self.name)
            )
        step = self.current_step_id
        lock_rows(step)  # closed once, with one signature, even when signed twice at once
        self._check_approver(step)
        if self.step != "D8" or step.state != "submitted":
            raise UserError(self.env._("8D %(report)s: submit D8 before closing.", report=self.name))
        open_capas = self.capa_ids.filtered(lambda capa: capa.state not in ("done", "cancelled"))
        if open_capas:
            raise UserError(
                self.env._(
                    "8D %(report)s cannot close while actions are open: %(capas)s",
                    report=self.name,
                    capas=", ".join(open_capas.mapped("name")),
                )
            )
        with checked_action():
            step.write(
                {
                    "state": "approved",
                    "approved_by_id": self.env.user.id,
                    "date_approved": fields.Datetime.now(),
                }
            )
            self.write(
                {"step": "done", "date_closed": fields.Datetime.now(), "closing_signature_id": signature.id}
            )
        self.message_post(
            body=self.env._("8D closed and signed by %(user)s.", user=self.env.user.name),
            subtype_xmlid="mail.mt_note",
        )
        return True

    @api.model
    def _cron_escalate_overdue_steps(self):
        """Escalate each overdue current step once to the champion (see quality.escalation.mixin)."""
        return self.env["quality.eight.d.step"]._cron_escalate_overdue()
