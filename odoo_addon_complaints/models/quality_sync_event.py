# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import re
import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, create_index

_logger = logging.getLogger(__name__)

STATES = [
    ("pending", "Pending"),
    ("leased", "Being Sent"),
    ("done", "Sent"),
    ("dead", "Failed"),
    ("cancelled", "Cancelled"),
    ("superseded", "Superseded"),
]
#: Not sent yet: the later events of the same record and target wait for these.
UNSENT_STATES = ("pending", "leased", "dead")
#: Waiting for their turn (a lapsed lease is due again); held when an older event failed.
WAITING_STATES = ("pending", "leased")
#: What a newer event of the same type replaces; a sent event stays sent.
SUPERSEDABLE_STATES = ("pending", "leased", "dead", "cancelled")
#: Longest excerpt of the blocking event's error in a held event's explanation.
REASON_ERROR_LENGTH = 200
#: Who reads patient data outside the evaluation itself (regulator payloads, rendered
#: files): like the patient fields, vigilance staff, and the sync agent that renders them.
PATIENT_DATA_READERS = (
    "odoo_addon_complaints.group_regulatory_user,odoo_addon_complaints.group_sync_integration"
)

#: The value of an Authorization-like header or parameter in an error text ("Authorization: Bearer x").
_NAMED_CREDENTIAL = re.compile(
    r"(?i)(\b(?:(?:proxy-)?authorization|x-api-key|api[-_ ]?key|x-auth-token|auth[-_]?token|access[-_]?token"
    r"|(?:set-)?cookie|password|passwd|secret|client[-_]secret)\b\\?[\"']?\s*[:=]\s*\\?[\"']?)"
    r"(?:(?:bearer|basic|token|digest)\s+)?[^\s\"',;&}\\]+"
)
#: A credential after its scheme: "Bearer eyJhbGci...".
_SCHEME_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=-]{6,}")


def redact_credentials(text):
    """``text`` without anything that looks like a credential.

    The agent already removes every secret it holds from what it reports; this
    is the addon's own line of defence, because an event's error and the note
    on the record are read by many people and kept for years.
    """
    if not text:
        return text
    text = _NAMED_CREDENTIAL.sub(lambda match: match.group(1) + "***", text)
    return _SCHEME_CREDENTIAL.sub(lambda match: f"{match.group(1)} ***", text)


def _sql_goes_before(older, event):
    """The ordering rule, the one place the claim and the explanations read it.

    The events of one record and target go out in the order they were written:
    ``older`` (a table alias) goes before ``event`` when it is an earlier event of
    the same record and target. While it is unsent (:data:`UNSENT_STATES`),
    ``event`` is not claimed; a failed one holds it until a person requeues or
    cancels it.
    """
    return SQL(
        "%(older)s.res_model = %(event)s.res_model AND %(older)s.res_id = %(event)s.res_id"
        " AND %(older)s.target = %(event)s.target AND %(older)s.id < %(event)s.id",
        older=SQL.identifier(older),
        event=SQL.identifier(event),
    )


class QualitySyncEvent(models.Model):
    """Transactional outbox of the changes partners must see.

    An event is written in the same transaction as the change it reports, so
    it exists exactly when the change was committed. The sync agent claims due
    events under a lease (``FOR UPDATE SKIP LOCKED``, as Odoo's cron claims
    jobs), delivers them and acknowledges or fails them; nothing is found by
    ``write_date`` cursors, which lose concurrent writes.

    The agent's calls (claim, acknowledge, fail, release, status) and how an
    attempt moves an event are in ``quality_sync_event_rpc.py``.
    """

    _name = "quality.sync.event"
    _description = "Partner Sync Event"
    _order = "id desc"
    _rec_name = "event_uid"

    event_uid = fields.Char(
        string="Event ID",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: str(uuid.uuid4()),
        help="Unique id of the event; partners receive it as the Idempotency-Key.",
    )
    target = fields.Char(
        required=True, readonly=True, index=True, help="Where the event goes, e.g. supplier_portal."
    )
    event_type = fields.Char(required=True, readonly=True, help="What happened, e.g. scar.created.")
    res_model = fields.Char(
        string="Record Model", required=True, readonly=True, index=True, help="Model of the record."
    )
    res_id = fields.Many2oneReference(
        string="Record ID",
        model_field="res_model",
        required=True,
        readonly=True,
        index=True,
        help="Id of the record.",
    )
    res_name = fields.Char(
        string="Record", readonly=True, help="Name of the record when the event was written."
    )
    payload_version = fields.Integer(default=1, readonly=True, help="Version of the payload format.")
    payload = fields.Json(
        readonly=True,
        # Regulator payloads carry patient data: only vigilance staff and the agent read payloads.
        groups=PATIENT_DATA_READERS,
        help="What the partner must see, as of the change.",
    )
    payload_shown = fields.Json(
        string="Payload (Shown)",
        compute="_compute_payload_shown",
        help="The payload, unless it carries patient data: those of regulator reports are shown to "
        "Vigilance Officers only.",
    )
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
        help="Company of the record.",
    )
    state = fields.Selection(
        STATES,
        default="pending",
        required=True,
        readonly=True,
        index=True,
        help="Pending events wait for the agent; failed ones exhausted their retries "
        "or were refused by the partner and need a person. Superseded ones were replaced "
        "by a newer event of the same record before they were sent.",
    )
    attempts = fields.Integer(
        default=0,
        readonly=True,
        help="How many times the agent claimed it, a claim after a lapsed lease (agent crash) included.",
    )
    failure_count = fields.Integer(
        string="Failed Attempts",
        default=0,
        readonly=True,
        help="Attempts the agent reported as failed since the event was written or last requeued.",
    )
    first_failure_at = fields.Datetime(
        string="Failing Since",
        readonly=True,
        help="When the first failed attempt was reported; the retry window of the target counts from it.",
    )
    retry_until = fields.Datetime(
        readonly=True,
        help="End of the retry window: a failed attempt after it makes the event Failed. "
        "Set by the first failed attempt from the target's retry window (Sync Targets).",
    )
    next_attempt_at = fields.Datetime(
        string="Next Attempt",
        readonly=True,
        index=True,
        default=fields.Datetime.now,
        help="When the agent may try again.",
    )
    lease_owner = fields.Char(readonly=True, help="Agent holding the event right now.")
    lease_lapses = fields.Integer(
        string="Agent Stops",
        default=0,
        readonly=True,
        help="How many times an agent stopped (crashed, was killed) while holding the event, so that its "
        "lease lapsed. Past the target's allowance the event is Failed: it may be what stops the agent.",
    )
    lease_expires_at = fields.Datetime(
        readonly=True, help="When an unfinished lease lapses and the event is due again."
    )
    last_error = fields.Text(
        readonly=True, help="Why the last attempt failed, as reported by the agent or the partner."
    )
    remote_ref = fields.Char(
        string="Partner Reference", readonly=True, help="Reference the partner gave the record."
    )
    date_done = fields.Datetime(string="Sent On", readonly=True, help="When the partner accepted the event.")
    superseded_by_id = fields.Many2one(
        "quality.sync.event",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="Newer event of the same record that replaced this one before it was sent.",
    )
    superseded_from = fields.Selection(
        STATES,
        string="State When Superseded",
        readonly=True,
        help="Where the event stood when a newer one replaced it; its attempts and last error are kept.",
    )
    blocked_by_id = fields.Many2one(
        "quality.sync.event",
        string="Waiting For",
        compute="_compute_blocked",
        help="Older unsent event of the same record and target that goes out first. "
        "A failed one holds this event until it is requeued or cancelled.",
    )
    blocked_reason = fields.Char(
        string="Waiting Because",
        compute="_compute_blocked",
        help="Why this event is not sent yet although it is due.",
    )
    is_blocked = fields.Boolean(
        string="Blocked",
        compute="_compute_blocked",
        search="_search_is_blocked",
        help="Held behind a failed event of the same record and target: it goes out once "
        "the failed event is requeued and sent, or cancelled.",
    )
    held_count = fields.Integer(
        string="Events Held",
        compute="_compute_held_count",
        help="Later events of the same record and target that this failed event holds back.",
    )

    _sql_constraints = [("event_uid_unique", "unique(event_uid)", "Event ids are unique.")]

    def init(self):
        res = super().init()
        # The ordering rule's lookup (see _sql_goes_before) over the unsent events
        # only: a small index however many sent events the outbox keeps.
        create_index(
            self.env.cr,
            "quality_sync_event_unsent_queue_idx",
            self._table,
            ["res_id", "res_model", "target", "id"],
            where="state IN (%s)" % ", ".join(f"'{state}'" for state in UNSENT_STATES),
        )
        return res

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        self._invalidate_queue_explanations()
        return events

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            self._invalidate_queue_explanations()
        return result

    def _invalidate_queue_explanations(self):
        """Whether an event waits depends on the other events of its record."""
        self.invalidate_model(["blocked_by_id", "blocked_reason", "is_blocked", "held_count"])

    # Waiting in a record's queue

    def _compute_blocked(self):
        """Point a waiting event at the event it waits for: the oldest failed one of
        its record and target if any (it needs a person), else the oldest unsent one."""
        waiting_ids = [
            event.id for event in self if isinstance(event.id, int) and event.state in WAITING_STATES
        ]
        blockers = {}
        if waiting_ids:
            self.flush_model(["state", "res_model", "res_id", "target"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT DISTINCT ON (event.id) event.id, older.id
                      FROM quality_sync_event event
                      JOIN quality_sync_event older ON %(goes_before)s AND older.state IN %(unsent)s
                     WHERE event.id = ANY(%(ids)s) AND event.state IN %(waiting)s
                  ORDER BY event.id, older.state = 'dead' DESC, older.id
                    """,
                    goes_before=_sql_goes_before("older", "event"),
                    unsent=UNSENT_STATES,
                    waiting=WAITING_STATES,
                    ids=waiting_ids,
                )
            )
            blockers = dict(self.env.cr.fetchall())
        for event in self:
            blocker = self.browse(blockers.get(event.id))
            event.blocked_by_id = blocker
            event.is_blocked = blocker.state == "dead" if blocker else False
            event.blocked_reason = blocker.sudo()._reason_to_wait() if blocker else False

    def _reason_to_wait(self):
        """What a later event of the same record waits for, in words, with this event as the blocker."""
        self.ensure_one()
        if self.state == "dead":
            lines = (self.last_error or "").strip().splitlines()
            error = lines[0] if lines else ""
            if len(error) > REASON_ERROR_LENGTH:
                error = error[: REASON_ERROR_LENGTH - 1] + "…"
            return self.env._(
                "Waiting for event %(event)s (%(type)s), Failed: %(error)s",
                event=self.id,
                type=self.event_type,
                error=error or self.env._("no reason recorded"),
            )
        return self.env._(
            "Waiting for event %(event)s (%(type)s), %(state)s, to be sent first.",
            event=self.id,
            type=self.event_type,
            state=dict(self._fields["state"]._description_selection(self.env))[self.state],
        )

    def _search_is_blocked(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Blocked'."))
        blocked = SQL(
            """
            (SELECT event.id FROM quality_sync_event event
              WHERE event.state IN %(waiting)s
                AND EXISTS (SELECT 1 FROM quality_sync_event older WHERE %(goes_before)s AND older.state = 'dead'))
            """,
            waiting=WAITING_STATES,
            goes_before=_sql_goes_before("older", "event"),
        )
        return [("id", "in" if (operator == "=") == value else "not in", blocked)]

    def _compute_held_count(self):
        dead_ids = [event.id for event in self if isinstance(event.id, int) and event.state == "dead"]
        counts = {}
        if dead_ids:
            self.flush_model(["state", "res_model", "res_id", "target"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT older.id, count(*)
                      FROM quality_sync_event older
                      JOIN quality_sync_event event ON %(goes_before)s AND event.state IN %(waiting)s
                     WHERE older.id = ANY(%(ids)s) AND older.state = 'dead'
                  GROUP BY older.id
                    """,
                    goes_before=_sql_goes_before("older", "event"),
                    waiting=WAITING_STATES,
                    ids=dead_ids,
                )
            )
            counts = dict(self.env.cr.fetchall())
        for event in self:
            event.held_count = counts.get(event.id, 0)

    # Writing events

    @api.model
    def _enqueue(self, records, event_type, target, payload, payload_version=1, supersede=False):
        """Record that ``records`` changed in a way ``target`` must see.

        Call it in the transaction of the change; one event per record. With
        ``supersede``, each new event replaces the record's earlier events of the
        same type that were not sent (see :meth:`_supersede_older`).
        """
        events = self.sudo().create(
            [
                {
                    "target": target,
                    "event_type": event_type,
                    "res_model": record._name,
                    "res_id": record.id,
                    "res_name": record.display_name,
                    "payload": payload(record) if callable(payload) else payload,
                    "payload_version": payload_version,
                    "company_id": record.company_id.id
                    if "company_id" in record._fields
                    else self.env.company.id,
                }
                for record in records
            ]
        )
        if supersede:
            events._supersede_older()
        return events

    def _supersede_older(self):
        """Take the earlier unsent events of the same type and record out of the queue,
        whether waiting, being sent, failed or cancelled (a sent event stays sent).

        These events replace them: none of them holds these back, is requeued or is
        accepted from the agent any more. They keep their attempts and last error,
        and say what replaced them and where they stood.
        """
        for event in self:
            older = self.sudo().search(
                [
                    ("res_model", "=", event.res_model),
                    ("res_id", "=", event.res_id),
                    ("event_type", "=", event.event_type),
                    ("id", "<", event.id),
                    ("state", "in", SUPERSEDABLE_STATES),
                ]
            )
            for state in SUPERSEDABLE_STATES:
                replaced = older.filtered(lambda old, state=state: old.state == state)
                if replaced:
                    replaced.write(
                        {"state": "superseded", "superseded_by_id": event.id, "superseded_from": state}
                    )
                    _logger.info("sync events %s (%s) superseded by %s", replaced.ids, state, event.id)

    PATIENT_DATA_MODELS = ("quality.regulatory.report", "quality.adverse.event")

    @api.depends("res_model")
    def _compute_payload_shown(self):
        may_see_patients = self.env.user.has_group("odoo_addon_complaints.group_regulatory_user")
        hidden = {"hidden": self.env._("This payload holds patient data; only Vigilance Officers see it.")}
        for event in self:
            if event.res_model in self.PATIENT_DATA_MODELS and not may_see_patients:
                event.payload_shown = hidden
            else:
                event.payload_shown = event.sudo().payload

    # People

    def _check_admin(self):
        if not self.env.user.has_group("odoo_addon_complaints.group_sync_admin"):
            raise AccessError(
                self.env._("Only an integration administrator may requeue or cancel sync events.")
            )

    def action_requeue(self):
        """Send failed or cancelled events again; the events they held follow in order.
        Superseded events stay out: the newer event that replaced them is sent instead."""
        self._check_admin()
        for event in self.filtered(lambda e: e.state in ("dead", "cancelled", "pending")):
            event.sudo().write(
                {
                    "state": "pending",
                    "attempts": 0,
                    "failure_count": 0,
                    "lease_lapses": 0,
                    "first_failure_at": False,
                    "retry_until": False,
                    "next_attempt_at": fields.Datetime.now(),
                    "lease_owner": False,
                }
            )
        return True

    def action_cancel(self):
        """Give up events; the events they held go out next, in order."""
        self._check_admin()
        if any(event.state in ("done", "leased") for event in self):
            raise UserError(self.env._("Events being sent or already sent cannot be cancelled."))
        self.filtered(lambda e: e.state != "superseded").sudo().write({"state": "cancelled"})
        return True

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
