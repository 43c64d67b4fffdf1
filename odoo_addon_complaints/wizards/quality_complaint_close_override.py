# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..models.quality_guarded_mixin import checked_action


class QualityComplaintCloseOverride(models.TransientModel):
    _name = "quality.complaint.close.override"
    _description = "Close a Complaint Without Customer Acceptance"

    complaint_id = fields.Many2one(
        "quality.complaint", required=True, ondelete="cascade", help="Complaint to close."
    )
    reason = fields.Text(
        required=True,
        help="Why the complaint is closed although the customer has not accepted "
        "the solution; kept on the complaint.",
    )

    def action_close(self):
        self.ensure_one()
        if not self.env.user.has_group("odoo_addon_complaints.group_complaint_manager"):
            raise AccessError(
                self.env._(
                    "Only a Complaints Manager may close a complaint without the customer's acceptance."
                )
            )
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason for closing without the customer's acceptance."))
        complaint = self.complaint_id
        closed_stage = self.env["quality.complaint.stage"].search([("state", "=", "done")], limit=1)
        if not closed_stage:
            raise UserError(self.env._("No stage of type 'Closed' is configured."))
        complaint._check_not_concerned(self.env._("close it"))
        with checked_action():
            complaint.write(
                {
                    "close_override_reason": self.reason.strip(),
                    "close_override_user_id": self.env.user.id,
                    "stage_id": closed_stage.id,
                }
            )
        complaint.message_post(
            body=self.env._(
                "Closed without the customer's acceptance by %(user)s. Reason: %(reason)s",
                user=self.env.user.name,
                reason=self.reason.strip(),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close"}
