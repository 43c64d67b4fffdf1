# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.quality_guarded_mixin import checked_action


class QualityComplaintDeadlineReschedule(models.TransientModel):
    _name = "quality.complaint.deadline.reschedule"
    _description = "Move a Complaint Deadline"

    deadline_id = fields.Many2one(
        "quality.complaint.deadline",
        required=True,
        ondelete="cascade",
        help="Deadline to move.",
    )
    complaint_id = fields.Many2one(related="deadline_id.complaint_id", help="Complaint of the deadline.")
    date_due_current = fields.Datetime(
        related="deadline_id.date_due", string="Current Due Date", help="Date promised so far."
    )
    date_due = fields.Datetime(string="New Due Date", required=True, help="New date promised.")
    reason = fields.Text(
        required=True,
        help="Why the date moves; logged on the complaint. Tell the customer "
        "before the promised date passes.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        deadline = self.env["quality.complaint.deadline"].browse(values.get("deadline_id"))
        if deadline and "date_due" in fields_list:
            values["date_due"] = deadline.date_due
        return values

    def action_apply(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason for moving the deadline."))
        if self.deadline_id.date_done:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: the %(step)s deadline is already met.",
                    complaint=self.complaint_id.name,
                    step=self.deadline_id._kind_label(),
                )
            )
        self.complaint_id._check_not_concerned(self.env._("move its deadlines"))
        with checked_action():
            self.deadline_id.with_context(complaint_deadline_reason=self.reason.strip()).write(
                {"date_due": self.date_due}
            )
        return {"type": "ir.actions.act_window_close"}
