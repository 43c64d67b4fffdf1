# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import html
import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, split_every
from odoo.tools.mail import generate_tracking_message_id

from .quality_guarded_mixin import checked_action

_logger = logging.getLogger(__name__)


def _text_to_html(text):
    """Plain text as the HTML sanitiser stores it: a paragraph, ``&``, ``<`` and ``>`` escaped."""
    if isinstance(text, Markup):
        return text
    return Markup("<p>%s</p>") % Markup(html.escape(text.strip(), quote=False))


class QualityEscalationMixin(models.AbstractModel):
    """Escalate each overdue record once: an activity, a chatter message, a stamp.

    Complaint deadlines, 8D steps and regulatory reports all promise a date
    (``date_due``). When it passes, the people answerable get an activity of
    :attr:`_escalation_activity_type`, the record people follow (the
    complaint, the 8D, the report itself) gets a message, and
    ``date_escalated`` is stamped so that the next run leaves the record
    alone. Moving ``date_due`` clears the stamp: a new promise missed is
    escalated again.

    Records of one thread escalated together (a complaint that missed its
    acknowledgement and its containment deadline by the same run) share one
    activity per user and one message: the people answerable get one to-do
    per record they follow, not one per date missed. The summary speaks of
    them all; the message has a paragraph per record; each record is stamped.

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
        """One line for these records of one thread: the activity's summary and the message's subject."""
        raise NotImplementedError(f"{self._name} must summarise its escalations")

    def _escalation_note(self):
        """This record's paragraph of the activity and of the message; falsy to use the summary alone."""
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

        At volume (thousands of missed deadlines in one run) the ORM's
        ``create`` of an activity and of a note costs about 5 ms a record,
        mostly sanitising HTML that we write ourselves from escaped text, and
        of a follower about half a millisecond, so the followers, activities
        and internal notes are inserted a thousand rows a statement, with the
        values the ORM would store (:meth:`_escalation_subscribe`,
        :meth:`_escalation_activity_row`, :meth:`_escalation_log_notes`;
        ``test_complaint_escalation`` compares them with ORM-made rows).
        Messages that notify the users warned
        (:attr:`_escalation_notifies_users`) are posted one by one with
        ``message_post``, as a notification needs.
        """
        if not self:
            return
        activity_type = self.env.ref(self._escalation_activity_type)
        context = {
            "activity_type": activity_type,
            # the day the people warned must act, in the company's calendar (a cron has no time zone)
            "date_deadline_by_company": {},
            "now": self.env.cr.now(),
            "model_ids": {},
        }
        by_thread = defaultdict(list)
        for record in self:
            by_thread[record._escalation_thread()].append(record.id)
        activity_rows = []
        notes = defaultdict(list)  # thread model -> [(thread, subject, body)]
        followers = defaultdict(lambda: defaultdict(set))  # thread model -> partners -> thread ids
        for thread, record_ids in by_thread.items():
            records = self.browse(record_ids).with_prefetch(self._prefetch_ids)
            users = self.env["res.users"].union(*(record._escalation_users() for record in records))
            summary = records._escalation_summary()
            paragraphs = [
                _text_to_html(note) for note in (record._escalation_note() for record in records) if note
            ]
            note = Markup("").join(paragraphs) if paragraphs else False
            activity_rows += [
                self._escalation_activity_row(context, thread, user, summary, note) for user in users
            ]
            followers[thread._name][users.partner_id].add(thread.id)
            body, subject = (note, summary) if note else (summary, False)
            if self._escalation_notifies_users:
                thread.message_post(
                    body=body,
                    subject=subject or None,
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=users.partner_id.ids,
                )
            else:
                notes[thread._name].append((thread, subject, body))
        self.env.flush_all()
        # The users follow the records first, as mail.activity's create would have them.
        self._escalation_subscribe(followers)
        self._escalation_insert("mail_activity", activity_rows)
        self._escalation_log_notes(notes, context["now"])
        # what the ORM caches of the records' activities and messages is stale now
        self.env.invalidate_all()
        users = self.env["res.users"].browse({row["user_id"] for row in activity_rows})
        # No "assigned to you" e-mail per activity: at volume it is one e-mail per
        # overdue record; the activities show in each user's activities at once.
        users._bus_send("mail.activity/updated", {"activity_created": True})
        with checked_action():
            self.write({"date_escalated": fields.Datetime.now()})

    @api.model
    def _escalation_activity_day(self, context, thread):
        """Today in the company of ``thread``: the escalation activity is due at once."""
        company = thread.company_id if "company_id" in thread._fields else self.env.company
        days = context["date_deadline_by_company"]
        if company not in days:
            days[company] = (company or self.env.company)._complaints_today()
        return days[company]

    def _escalation_activity_row(self, context, thread, user, summary, note):
        """The ``mail_activity`` row the ORM would store for this activity (``context``: of the run)."""
        model_ids = context["model_ids"]
        if thread._name not in model_ids:
            model_ids[thread._name] = self.env["ir.model"]._get_id(thread._name)
        activity_type = context["activity_type"]
        return {
            "activity_type_id": activity_type.id,
            "res_model_id": model_ids[thread._name],
            "res_model": thread._name,
            "res_id": thread.id,
            "res_name": thread.sudo().display_name,
            "user_id": user.id,
            "user_tz": user.tz or None,
            "summary": summary,
            "note": _text_to_html(note) if note else activity_type.default_note or None,
            "date_deadline": self._escalation_activity_day(context, thread),
            "automated": True,
            "active": True,
            **self._escalation_log_columns(context["now"]),
        }

    @api.model
    def _escalation_log_notes(self, notes, now):
        """Insert the internal notes ``{thread model: [(thread, subject, body)]}``.

        The rows are those Odoo's ``mail.thread._message_log_batch`` would store.
        """
        author_id, email_from = self.env["mail.thread"]._message_compute_author(raise_on_email=False)
        common = {
            "author_id": author_id,
            "email_from": email_from,
            "message_type": "notification",
            "is_internal": True,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "email_add_signature": False,
            "message_id": generate_tracking_message_id("message-notify"),
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
            "date": now,
            **self._escalation_log_columns(now),
        }
        self._escalation_insert(
            "mail_message",
            [
                {
                    **common,
                    "model": model,
                    "res_id": thread.id,
                    "subject": subject or None,
                    "body": _text_to_html(body),
                }
                for model, model_notes in notes.items()
                for thread, subject, body in model_notes
            ],
        )

    @api.model
    def _escalation_log_columns(self, now):
        return {"create_uid": self.env.uid, "write_uid": self.env.uid, "create_date": now, "write_date": now}

    @api.model
    def _escalation_subscribe(self, followers):
        """Make partners follow threads, ``{thread model: {partners: thread ids}}``, with default subtypes.

        The rows are those ``message_subscribe`` would create through
        ``mail.followers._insert_followers``: for active partners not
        following yet, with the model's default subtypes (the external ones
        for portal partners).
        """
        Followers = self.env["mail.followers"].sudo()
        follower_rows, subtype_ids = [], []
        for model, by_partners in followers.items():
            for partners, thread_ids in by_partners.items():
                new, __ = Followers._add_default_followers(
                    model, sorted(thread_ids), partners.filtered("active").ids, existing_policy="skip"
                )
                for res_id, values_list in new.items():
                    for values in values_list:
                        follower_rows.append(
                            {
                                "res_model": values["res_model"],
                                "res_id": res_id,
                                "partner_id": values["partner_id"],
                            }
                        )
                        [(__, __, ids)] = values["subtype_ids"]
                        subtype_ids.append(ids)
        follower_ids = self._escalation_insert(Followers._table, follower_rows, return_ids=True)
        relation = Followers._fields["subtype_ids"]
        self._escalation_insert(
            relation.relation,
            [
                {relation.column1: follower_id, relation.column2: subtype_id}
                for follower_id, ids in zip(follower_ids, subtype_ids, strict=True)
                for subtype_id in ids
            ],
        )

    @api.model
    def _escalation_insert(self, table, rows, return_ids=False):
        """Insert ``rows`` (dicts of the same columns) into ``table``, a thousand a statement.

        With ``return_ids``, return the new ids in the order of the rows (as
        the ORM's own ``_create`` relies on).
        """
        if not rows:
            return []
        columns = list(rows[0])
        head = SQL(
            "INSERT INTO %s (%s) VALUES ",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
        )
        values = f"({', '.join(['%s'] * len(columns))})"
        ids = []
        for chunk in split_every(self._escalation_batch_size, rows):
            self.env.cr.execute(
                SQL(
                    head.code + ", ".join([values] * len(chunk)) + (" RETURNING id" if return_ids else ""),
                    *head.params,
                    *(row[column] for row in chunk for column in columns),
                )
            )
            if return_ids:
                ids += [row_id for (row_id,) in self.env.cr.fetchall()]
        return ids

    def _guarded_side_values(self, vals):
        side_values = super()._guarded_side_values(vals)
        if "date_due" in vals:
            side_values = {**side_values, "date_escalated": False}
        return side_values
