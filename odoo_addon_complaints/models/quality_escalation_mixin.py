# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

from markupsafe import escape

from odoo import api, fields, models
from odoo.tools import split_every

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
    #: records escalated, and committed when run by ir.cron, per transaction
    _escalation_batch_size = 1000

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
    def _escalation_overdue_domain(self):
        """Records whose due date passed and that are not escalated yet."""
        return [
            ("date_escalated", "=", False),
            ("date_due", "!=", False),
            ("date_due", "<", fields.Datetime.now()),
            *self._escalation_domain(),
        ]

    @api.model
    def _cron_escalate_overdue(self, batch_size=None, limit=None):
        """Escalate every overdue record not escalated yet, a batch at a time; return them.

        Records are taken in id order, ``batch_size`` (default
        :attr:`_escalation_batch_size`) at a time, and at most ``limit`` of
        them. Each batch is escalated whole in one transaction: activities,
        messages and ``date_escalated`` together. Run by ``ir.cron``, each
        batch is committed with its progress (``ir.cron._notify_progress``):
        a run stopped half-way keeps the batches it committed, loses the
        batch it was in entirely, and ir.cron runs the job again at once for
        the ``remaining`` records, which the search finds again because
        their stamp was never written. Nothing is escalated twice.

        Two runs at once (the scheduled one and one started by hand) cannot
        escalate a record twice either: both would write its stamp, and under
        Odoo's REPEATABLE READ the second write fails with a serialization
        error that rolls back that run's whole batch.
        """
        batch_size = batch_size or self._escalation_batch_size
        overdue_ids = self.search(self._escalation_overdue_domain(), order="id").ids
        todo_ids = overdue_ids[:limit] if limit else overdue_ids
        # only ir.cron's own run may commit: its progress is committed with each batch
        commit = bool(self.env.context.get("ir_cron_progress_id"))
        escalated = self.browse()
        done = 0
        for batch in split_every(batch_size, todo_ids, self.browse):
            to_escalate = batch._escalation_filter()
            to_escalate._escalate()
            escalated |= to_escalate
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(overdue_ids) - done)
            if commit:
                # ir.cron's progress API: the batch and its progress are kept together
                self.env.cr.commit()  # pylint: disable=invalid-commit
            _logger.info(
                "Escalated %d overdue records of %s (%d of %d examined)",
                len(to_escalate),
                self._name,
                done,
                len(overdue_ids),
            )
        return escalated

    def _escalate(self):
        """Escalate these records now, in the current transaction, and stamp them.

        One ``create`` of every activity (without the "assigned to you"
        e-mail of each) and one of every internal note (a note notifies
        nobody, so it needs no ``message_post``); messages that notify the
        users warned (:attr:`_escalation_notifies_users`) are posted one by one.
        """
        if not self:
            return
        activity_type = self.env.ref(self._escalation_activity_type)
        today = fields.Date.context_today(self)
        activity_values = []
        notes = defaultdict(list)  # thread model -> message values
        followers = defaultdict(lambda: defaultdict(set))  # thread model -> partners -> thread ids
        for record in self:
            thread = record._escalation_thread()
            users = record._escalation_users()
            summary = record._escalation_summary()
            note = record._escalation_note()
            activity_values += [
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": self.env["ir.model"]._get_id(thread._name),
                    "res_id": thread.id,
                    "user_id": user.id,
                    "summary": summary,
                    "note": note or activity_type.default_note,
                    "date_deadline": today,
                    "automated": True,
                }
                for user in users
            ]
            followers[thread._name][users.partner_id].add(thread.id)
            body, subject = (note, summary) if note else (summary, False)
            if record._escalation_notifies_users:
                thread.message_post(
                    body=body,
                    subject=subject or None,
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=users.partner_id.ids,
                )
            else:
                notes[thread._name].append({"res_id": thread.id, "body": escape(body), "subject": subject})
        # The users follow the records first, once each: mail.activity subscribes
        # them once per activity, and two activities on one record in one create
        # would add the same follower twice.
        for model, by_partners in followers.items():
            for partners, thread_ids in by_partners.items():
                self.env[model].browse(thread_ids).message_subscribe(partner_ids=partners.ids)
        # No "assigned to you" e-mail per activity: at volume it is one e-mail per
        # overdue record; the activities show in each user's activities at once.
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(activity_values)
        self._escalation_log_notes(notes)
        with checked_action():
            self.write({"date_escalated": fields.Datetime.now()})

    @api.model
    def _escalation_log_notes(self, notes):
        """Create the internal notes ``{thread model: [values]}``, one ``create`` per model."""
        author_id, email_from = self.env["mail.thread"]._message_compute_author(raise_on_email=False)
        common = {
            "author_id": author_id,
            "email_from": email_from,
            "message_type": "notification",
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "is_internal": True,
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
        }
        for model, values_list in notes.items():
            self.env[model].sudo()._message_create(
                [{**common, "model": model, **values} for values in values_list]
            )

    def _guarded_side_values(self, vals):
        side_values = super()._guarded_side_values(vals)
        if "date_due" in vals:
            side_values = {**side_values, "date_escalated": False}
        return side_values
