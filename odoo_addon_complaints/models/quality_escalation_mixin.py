# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models

from .quality_guarded_mixin import checked_action

_logger = logging.getLogger(__name__)


class QualityEscalationMixin(models.AbstractModel):
    """Escalate each overdue record once: an activity, a chatter message, a stamp.

    Complaint deadlines, 8D steps and regulatory reports all promise a date
    (``date_due``). When it passes, the people answerable get an activity of
    :attr:`_escalation_activity_type`, the record people follow (the
    complaint, the 8D, the report itself) gets a message, and
    ``date_escalated`` is stamped so that the next run leaves the record
    alone. Moving ``date_due`` clears the stamp: a new promise missed is
    escalated again.

    A model using the mixin declares ``date_due``, lists ``date_escalated``
    in its ``_guarded_fields`` (the stamp is evidence that the escalation
    happened) and says who and what through the ``_escalation_*`` hooks.
    """

    _name = "quality.escalation.mixin"
    _inherit = ["quality.guarded.mixin"]
    _description = "Escalation of Overdue Records"

    #: XML id of the activity type scheduled for each user to warn
    _escalation_activity_type = "odoo_addon_complaints.mail_activity_complaint_escalation"
    #: post the message as a comment sent to the users warned (not as an internal note)
    _escalation_notifies_users = False

    date_escalated = fields.Datetime(
        string="Escalated On",
        readonly=True,
        copy=False,
        help="When the record was escalated for being overdue; it is escalated once per due date.",
    )

    # Hooks

    @api.model
    def _escalation_domain(self):
        """Conditions, beyond 'due date passed and not escalated', for a record to be escalated."""
        return []

    def _escalation_filter(self):
        """Of the records found overdue, those to escalate (for rules a domain cannot say)."""
        return self

    def _escalation_thread(self):
        """The record whose chatter and activities people follow."""
        self.ensure_one()
        return self

    def _escalation_users(self):
        """Users who get an activity (``res.users``, maybe empty)."""
        raise NotImplementedError(f"{self._name} must say who its escalations go to")

    def _escalation_summary(self):
        """One line: the activity's summary and the message's subject."""
        raise NotImplementedError(f"{self._name} must summarise its escalations")

    def _escalation_note(self):
        """The text of the activity and of the message; falsy to use the summary alone."""
        return False

    # Mechanism

    @api.model
    def _cron_escalate_overdue(self):
        """Escalate every overdue record not escalated yet; return them."""
        domain = [
            ("date_escalated", "=", False),
            ("date_due", "!=", False),
            ("date_due", "<", fields.Datetime.now()),
            *self._escalation_domain(),
        ]
        overdue = self.search(domain)._escalation_filter()
        overdue._escalate()
        _logger.info("Escalated %d overdue records of %s", len(overdue), self._name)
        return overdue

    def _escalate(self):
        for record in self:
            thread = record._escalation_thread()
            users = record._escalation_users()
            summary = record._escalation_summary()
            note = record._escalation_note()
            for user in users:
                activity_values = {"summary": summary, "user_id": user.id}
                if note:
                    activity_values["note"] = note
                thread.activity_schedule(record._escalation_activity_type, **activity_values)
            message_values = {"body": note or summary}
            if note:
                message_values["subject"] = summary
            if record._escalation_notifies_users:
                message_values.update(subtype_xmlid="mail.mt_comment", partner_ids=users.partner_id.ids)
            else:
                message_values["subtype_xmlid"] = "mail.mt_note"
            thread.message_post(**message_values)
            with checked_action():
                record.date_escalated = fields.Datetime.now()

    def _guarded_side_values(self, vals):
        side_values = super()._guarded_side_values(vals)
        if "date_due" in vals:
            side_values = {**side_values, "date_escalated": False}
        return side_values
