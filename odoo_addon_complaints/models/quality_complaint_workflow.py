# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty

from .quality_complaint import VALIDITY
from .quality_complaint_stage import DEADLINE_KINDS
from .quality_guarded_mixin import checked_action


class QualityComplaint(models.Model):
    """Handling of a complaint: stage gates, deadlines met, mails to the customer."""

    _inherit = "quality.complaint"

    # Stage gates

    def _check_stage_gates(self):
        """Refuse stage moves that the complaint procedure forbids.

        Checked after the write, so that values saved together with the stage
        (a disposition, the customer's acceptance) count.
        """
        for complaint in self:
            stage = complaint.stage_id
            if stage.state in ("done", "rejected"):
                complaint._check_not_concerned(self.env._("close it"))
            if stage.state == "done":
                if not complaint.disposition:
                    raise UserError(
                        self.env._(
                            "Complaint %(complaint)s cannot be closed: set its Disposition first.",
                            complaint=complaint.name,
                        )
                    )
                if not complaint.customer_accepted and not complaint.close_override_reason:
                    raise UserError(
                        self.env._(
                            "Complaint %(complaint)s cannot be closed: the customer "
                            "has not accepted the solution. Record the acceptance, or "
                            "ask a Complaints Manager to override with a reason.",
                            complaint=complaint.name,
                        )
                    )
            if stage.state == "rejected":
                if complaint.validity in ("to_check", "valid"):
                    raise UserError(
                        self.env._(
                            "Complaint %(complaint)s cannot be rejected while its "
                            "Validity is '%(validity)s'.",
                            complaint=complaint.name,
                            validity=dict(VALIDITY)[complaint.validity],
                        )
                    )
                if not complaint.validity_explanation:
                    raise UserError(
                        self.env._(
                            "Complaint %(complaint)s cannot be rejected without an Explanation to Customer.",
                            complaint=complaint.name,
                        )
                    )

    # Deadlines

    def _sync_deadlines(self):
        """Create or re-plan the deadlines from the severity level.

        Deadlines already met, or moved by hand with a reason, keep their date.
        """
        deadline_model = self.env["quality.complaint.deadline"]
        for complaint in self:
            calendar = complaint.company_id.resource_calendar_id
            rules = {rule.kind: rule for rule in complaint.severity_id.deadline_rule_ids}
            existing = {deadline.kind: deadline for deadline in complaint.deadline_ids}
            for kind, _label in DEADLINE_KINDS:
                rule = rules.get(kind)
                deadline = existing.get(kind)
                if not rule:
                    if deadline and not deadline.date_done:
                        deadline.unlink()
                    continue
                due = rule._compute_due_date(complaint.date_received, calendar)
                with checked_action():
                    if not deadline:
                        deadline_model.create({"complaint_id": complaint.id, "kind": kind, "date_due": due})
                    elif not deadline.date_done and not deadline.rescheduled:
                        deadline.with_context(complaint_deadline_replan=True).write(
                            {"date_due": due, "date_escalated": False}
                        )

    def _complete_deadlines(self, kinds):
        with checked_action():
            self.deadline_ids.filtered(
                lambda deadline: deadline.kind in kinds and not deadline.date_done
            ).write({"date_done": fields.Datetime.now()})

    def _on_stage_reached(self):
        """Meet the deadlines the stage stands for, keep the closing date, tell partners."""
        self._complete_deadlines_for_stage()
        for complaint in self.filtered(lambda c: c.stage_id.sync_target):
            self.env["quality.sync.event"]._enqueue(
                complaint, "complaint.status", complaint.stage_id.sync_target, complaint._status_payload()
            )
        for complaint in self:
            closed = complaint.stage_id.state in ("done", "rejected")
            if closed != bool(complaint.date_closed):
                with checked_action():
                    complaint.date_closed = fields.Datetime.now() if closed else False

    def _status_payload(self):
        """What partners learn of a status change: no internal notes, no people."""
        self.ensure_one()
        return {
            "complaint": self.name,
            "customer_ref": self.commercial_partner_id.ref or None,
            "subject": self.subject,
            "status": self.stage_id.state,
            "stage": self.stage_id.with_context(lang="en_US").name,
            "validity": self.validity,
            "disposition": self.disposition or None,
            "received_at": fields.Datetime.to_string(self.date_received),
            "changed_at": fields.Datetime.to_string(fields.Datetime.now()),
        }

    def _complete_deadlines_for_stage(self):
        """Meet the deadlines of the stage reached and of every stage before it.

        Moving a new complaint straight to Investigating means it was
        acknowledged; closing or rejecting it ends every deadline.
        """
        stages = self.env["quality.complaint.stage"].search([("complete_deadline", "!=", False)])
        for complaint in self:
            stage = complaint.stage_id
            if stage.state in ("done", "rejected"):
                complaint._complete_deadlines([kind for kind, _label in DEADLINE_KINDS])
                continue
            passed = stages.filtered(lambda s, stage=stage: (s.sequence, s.id) <= (stage.sequence, stage.id))
            if passed:
                complaint._complete_deadlines(passed.mapped("complete_deadline"))

    # Actions

    def action_containment_done(self):
        for complaint in self:
            if is_html_empty(complaint.containment_action):
                raise UserError(
                    self.env._(
                        "Complaint %(complaint)s: describe the Containment before marking it done.",
                        complaint=complaint.name,
                    )
                )
            with checked_action():
                complaint.date_containment = fields.Datetime.now()
            complaint._complete_deadlines(["containment"])

    def action_root_cause_done(self):
        for complaint in self:
            if is_html_empty(complaint.root_cause):
                raise UserError(
                    self.env._(
                        "Complaint %(complaint)s: describe the Root Cause before marking it found.",
                        complaint=complaint.name,
                    )
                )
            with checked_action():
                complaint.date_root_cause = fields.Datetime.now()
            complaint._complete_deadlines(["root_cause"])

    def action_send_acknowledgement(self):
        return self._action_compose_mail(
            "odoo_addon_complaints.mail_template_complaint_acknowledgement",
            "mark_complaint_acknowledged",
        )

    def action_send_reply(self):
        for complaint in self:
            if is_html_empty(complaint.customer_reply):
                raise UserError(
                    self.env._(
                        "Complaint %(complaint)s: write the Customer Reply before sending it.",
                        complaint=complaint.name,
                    )
                )
        return self._action_compose_mail(
            "odoo_addon_complaints.mail_template_complaint_reply",
            "mark_complaint_replied",
        )

    def _action_compose_mail(self, template_xmlid, mark_key):
        self.ensure_one()
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
                mark_key: True,
            },
        }

    def _message_post_after_hook(self, message, msg_vals):
        if self.env.context.get("mark_complaint_acknowledged"):
            self._mark_acknowledged()
        if self.env.context.get("mark_complaint_replied"):
            with checked_action():
                self.filtered(lambda c: not c.date_reply).write({"date_reply": fields.Datetime.now()})
            self._complete_deadlines(["reply"])
        return super()._message_post_after_hook(message, msg_vals)

    def _mark_acknowledged(self):
        """Meet the acknowledgement deadline and leave the New stage."""
        acknowledged_stage = self.env.ref(
            "odoo_addon_complaints.stage_acknowledged", raise_if_not_found=False
        )
        for complaint in self:
            complaint._complete_deadlines(["acknowledge"])
            if acknowledged_stage and complaint.stage_id.state == "new":
                complaint.stage_id = acknowledged_stage

    def action_open_close_override(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close Without Customer Acceptance"),
            "res_model": "quality.complaint.close.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_complaint_id": self.id},
        }

    def _action_view_records(self, records, name):
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": records._name,
            "domain": [("id", "in", records.ids)],
            "context": {"create": False},
        }
        if len(records) == 1:
            action.update(view_mode="form", res_id=records.id)
        else:
            action.update(view_mode="list,form")
        return action

    def action_view_sale_orders(self):
        return self._action_view_records(self.sale_order_ids, self.env._("Sale Orders"))

    def action_view_pickings(self):
        return self._action_view_records(self.picking_ids, self.env._("Deliveries"))

    def action_view_lots(self):
        return self._action_view_records(self.lot_ids, self.env._("Lots/Serial Numbers"))
