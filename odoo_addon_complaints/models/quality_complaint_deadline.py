# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import create_index
from odoo.tools.translate import LazyTranslate

from .quality_complaint_stage import DEADLINE_KINDS
from .quality_guarded_mixin import checked_action

_lt = LazyTranslate(__name__)


class QualityComplaintDeadline(models.Model):
    _name = "quality.complaint.deadline"
    _inherit = ["quality.escalation.mixin"]
    _description = "Complaint Deadline"
    _order = "complaint_id, date_due, id"
    _rec_name = "kind"
    _guarded_fields = {
        "complaint_id": _lt("the complaint's severity level"),
        "kind": _lt("the complaint's severity level"),
        "date_due": _lt("Move (with a reason)"),
        "date_done": _lt("Done"),
        "date_escalated": _lt("the escalation of missed deadlines"),
        "rescheduled": _lt("Move (with a reason)"),
        "reschedule_reason": _lt("Move (with a reason)"),
    }

    complaint_id = fields.Many2one(
        "quality.complaint",
        required=True,
        ondelete="cascade",
        index=True,
        help="Complaint this deadline belongs to.",
    )
    company_id = fields.Many2one(
        related="complaint_id.company_id", store=True, index=True, help="Company of the complaint."
    )
    kind = fields.Selection(
        DEADLINE_KINDS, string="Step", required=True, help="Step that must be done in time."
    )
    date_due = fields.Datetime(string="Due", required=True, index=True, help="When the step must be done.")
    date_done = fields.Datetime(string="Done", index=True, help="When the step was done.")
    date_escalated = fields.Datetime(
        help="When the missed deadline was escalated to the manager; a deadline is escalated once.",
    )
    rescheduled = fields.Boolean(
        readonly=True,
        help="The due date was moved by hand; it is no longer re-planned from the severity level.",
    )
    reschedule_reason = fields.Text(
        string="Reason for the Last Move",
        readonly=True,
        help="Why the promised date was moved, as logged on the complaint.",
    )
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="Due date passed and the step is not done.",
    )

    _sql_constraints = [
        (
            "complaint_kind_unique",
            "unique(complaint_id, kind)",
            "A complaint has one deadline per step.",
        ),
    ]

    def init(self):
        res = super().init()
        # The escalation cron looks for open deadlines not escalated yet whose due
        # date passed: a few thousand among the 500,000 deadlines of 100,000
        # complaints, which PostgreSQL would otherwise find by reading them all.
        create_index(
            self.env.cr,
            "quality_complaint_deadline_to_escalate_idx",
            self._table,
            ["date_due"],
            where="date_escalated IS NULL AND date_done IS NULL",
        )
        return res

    @api.depends("date_due", "date_done")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for deadline in self:
            deadline.is_overdue = bool(
                not deadline.date_done and deadline.date_due and deadline.date_due < now
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Overdue'."))
        domain = [("date_done", "=", False), ("date_due", "<", fields.Datetime.now())]
        if (operator == "=") == value:
            return domain
        return ["|", ("date_done", "!=", False), ("date_due", ">=", fields.Datetime.now())]

    def _guarded_side_values(self, vals):
        # the escalation mixin clears the escalation of a moved deadline
        side_values = super()._guarded_side_values(vals)
        if "date_due" not in vals or self.env.context.get("complaint_deadline_replan"):
            return side_values
        reason = self.env.context.get("complaint_deadline_reason")
        if not reason:
            raise UserError(
                self.env._(
                    "A promised date can only be moved with a reason: use 'Move Deadline' on the complaint."
                )
            )
        for deadline in self:
            deadline.complaint_id.message_post(
                body=self.env._(
                    "%(step)s deadline moved from %(old)s to %(new)s. Reason: %(reason)s",
                    step=deadline._kind_label(),
                    old=deadline.company_id._complaints_format_datetime(deadline.date_due),
                    new=deadline.company_id._complaints_format_datetime(vals["date_due"]),
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return {**side_values, "rescheduled": True, "reschedule_reason": reason}

    def _kind_label(self):
        return dict(self._fields["kind"]._description_selection(self.env))[self.kind]

    def action_mark_done(self):
        self.complaint_id._check_not_concerned(self.env._("mark its deadlines done"))
        with checked_action():
            self.filtered(lambda deadline: not deadline.date_done).write({"date_done": fields.Datetime.now()})

    def action_open_reschedule(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Move Deadline"),
            "res_model": "quality.complaint.deadline.reschedule",
            "view_mode": "form",
            "target": "new",
            "context": {"default_deadline_id": self.id},
        }

    # Escalation (quality.escalation.mixin)

    @api.model
    def _escalation_domain(self):
        return [
            ("date_done", "=", False),
            ("complaint_id.stage_id.state", "not in", ("done", "rejected")),
            ("complaint_id.active", "=", True),
        ]

    def _escalation_thread(self):
        return self.complaint_id

    def _escalation_users(self):
        complaint = self.complaint_id
        return (
            complaint.manager_id
            or complaint.severity_id.escalation_user_id
            or complaint.user_id
            or complaint.intake_user_id
        )

    def _escalation_summary(self):
        return self.env._(
            "Overdue: %(step)s of complaint %(complaint)s",
            step=", ".join(deadline._kind_label() for deadline in self),
            complaint=self.complaint_id.name,
        )

    def _escalation_note(self):
        complaint = self.complaint_id
        return self.env._(
            "The %(step)s deadline of complaint %(complaint)s (%(customer)s) was due "
            "on %(due)s and is not met.",
            step=self._kind_label(),
            complaint=complaint.name,
            customer=complaint.partner_id.display_name,
            due=complaint.company_id._complaints_format_datetime(self.date_due),
        )
