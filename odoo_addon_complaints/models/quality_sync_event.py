# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import uuid
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600


class QualitySyncEvent(models.Model):
    """Transactional outbox of the changes partners must see.

    An event is written in the same transaction as the change it reports, so
    it exists exactly when the change was committed. The sync agent claims due
    events under a lease (``FOR UPDATE SKIP LOCKED``, as Odoo's cron claims
    jobs), delivers them and acknowledges or fails them; nothing is found by
    ``write_date`` cursors, which lose concurrent writes.
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
    target = fields.Char(required=True, readonly=True, index=True, help="Where the event goes, e.g. supplier_portal.")
    event_type = fields.Char(required=True, readonly=True, help="What happened, e.g. scar.created.")
    res_model = fields.Char(string="Record Model", required=True, readonly=True, index=True, help="Model of the record.")
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, readonly=True, index=True, help="Id of the record."
    )
    res_name = fields.Char(string="Record", readonly=True, help="Name of the record when the event was written.")
    payload_version = fields.Integer(default=1, readonly=True, help="Version of the payload format.")
    payload = fields.Json(
        readonly=True,
        # Regulator payloads carry patient data: only vigilance staff and the agent read payloads.
        groups="odoo_addon_complaints.group_regulatory_user,odoo_addon_complaints.group_sync_integration",
        help="What the partner must see, as of the change.",
    )
    payload_shown = fields.Json(
        string="Payload (Shown)",
        compute="_compute_payload_shown",
        help="The payload, unless it carries patient data: those of regulator reports are shown to "
        "Vigilance Officers only.",
    )
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, default=lambda self: self.env.company, help="Company of the record."
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("leased", "Being Sent"),
            ("done", "Sent"),
            ("dead", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
        help="Pending events wait for the agent; failed ones exhausted their retries "
        "or were refused by the partner and need a person.",
    )
    attempts = fields.Integer(default=0, readonly=True, help="How many times the agent tried to deliver it.")
    next_attempt_at = fields.Datetime(
        string="Next Attempt",
        readonly=True,
        index=True,
        default=fields.Datetime.now,
        help="When the agent may try again.",
    )
    lease_owner = fields.Char(readonly=True, help="Agent holding the event right now.")
    lease_expires_at = fields.Datetime(readonly=True, help="When an unfinished lease lapses and the event is due again.")
    last_error = fields.Text(readonly=True, help="Why the last attempt failed, as reported by the agent or the partner.")
    remote_ref = fields.Char(string="Partner Reference", readonly=True, help="Reference the partner gave the record.")
    date_done = fields.Datetime(string="Sent On", readonly=True, help="When the partner accepted the event.")

    _sql_constraints = [("event_uid_unique", "unique(event_uid)", "Event ids are unique.")]

    # Writing events

    @api.model
    def _enqueue(self, records, event_type, target, payload, payload_version=1):
        """Record that ``records`` changed in a way ``target`` must see.

        Call it in the transaction of the change; one event per record.
        """
        return self.sudo().create(
            [
                {
                    "target": target,
                    "event_type": event_type,
                    "res_model": record._name,
                    "res_id": record.id,
                    "res_name": record.display_name,
                    "payload": payload(record) if callable(payload) else payload,
                    "payload_version": payload_version,
                    "company_id": record.company_id.id if "company_id" in record._fields else self.env.company.id,
                }
                for record in records
            ]
        )

    # Agent API (RPC)

    def _check_sync_access(self):
        if not (
            self.env.user.has_group("odoo_addon_complaints.group_sync_integration")
            or self.env.is_superuser()
        ):
            raise AccessError(_("Only the integration user of the sync agent may exchange events."))

    @api.model
    def sync_claim(self, agent_id, limit=50, lease_seconds=120, targets=None):
        """Lease up to ``limit`` due events to ``agent_id`` and return them.

        Due means pending and past ``next_attempt_at``, or leased with a lapsed
        lease (its agent died), with no older unsent event of the same record
        and target (a SCAR's update never overtakes its creation). Rows locked
        by a concurrent claim are skipped, so two agents never receive the
        same event.
        """
        self._check_sync_access()
        if not agent_id:
            raise UserError(_("sync_claim needs the agent id."))
        limit = max(1, min(int(limit), 1000))
        lease_seconds = max(5, int(lease_seconds))
        query = """
            SELECT id FROM quality_sync_event event
             WHERE ((state = 'pending' AND next_attempt_at <= (clock_timestamp() at time zone 'UTC'))
                    OR (state = 'leased' AND lease_expires_at < (clock_timestamp() at time zone 'UTC')))
               {target_clause}
               -- A record's events go out in order: none overtakes an older one not yet sent.
               AND NOT EXISTS (
                   SELECT 1 FROM quality_sync_event older
                    WHERE older.res_model = event.res_model AND older.res_id = event.res_id
                      AND older.target = event.target AND older.id < event.id
                      AND older.state IN ('pending', 'leased', 'dead'))
          ORDER BY next_attempt_at, id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
        """
        # Wall-clock time, not the transaction's start, like the datetimes the ORM writes.
        self.flush_model()
        params = []
        target_clause = ""
        if targets:
            target_clause = "AND target = ANY(%s)"
            params.append(list(targets))
        self.env.cr.execute(query.format(target_clause=target_clause), [*params, limit])
        ids = [row[0] for row in self.env.cr.fetchall()]
        if not ids:
            return []
        self.env.cr.execute(
            """
            UPDATE quality_sync_event
               SET state = 'leased', lease_owner = %s, attempts = COALESCE(attempts, 0) + 1,
                   lease_expires_at = (clock_timestamp() at time zone 'UTC') + %s * interval '1 second',
                   write_uid = %s, write_date = (clock_timestamp() at time zone 'UTC')
             WHERE id = ANY(%s)
            """,
            [agent_id, lease_seconds, self.env.uid, ids],
        )
        self.invalidate_model()
        events = self.sudo().browse(ids)
        return [event._to_agent_dict() for event in events.sorted(lambda e: (e.next_attempt_at, e.id))]

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

    def _to_agent_dict(self):
        return {
            "event_uid": self.event_uid,
            "target": self.target,
            "event_type": self.event_type,
            "res_model": self.res_model,
            "res_id": self.res_id,
            "payload_version": self.payload_version,
            "payload": self.payload or {},
            "attempts": self.attempts,
        }

    def _leased_by(self, agent_id, event_uid):
        self._check_sync_access()
        return self.sudo().search([("event_uid", "=", event_uid)], limit=1).filtered(
            lambda event: event.state == "leased" and event.lease_owner == agent_id
        )

    @api.model
    def sync_ack(self, agent_id, event_uid, remote_ref=None):
        """Mark the event sent. Acknowledging a sent event again is harmless."""
        event = self._leased_by(agent_id, event_uid)
        if not event:
            done = self.sudo().search([("event_uid", "=", event_uid), ("state", "=", "done")], limit=1)
            return bool(done)
        event.write(
            {
                "state": "done",
                "remote_ref": remote_ref or event.remote_ref,
                "date_done": fields.Datetime.now(),
                "lease_owner": False,
                "lease_expires_at": False,
                "last_error": False,
            }
        )
        return True

    @api.model
    def sync_fail(self, agent_id, event_uid, error, retryable=True, retry_after=None):
        """Record a failed attempt; retry later with exponential backoff, or give up."""
        event = self._leased_by(agent_id, event_uid)
        if not event:
            return False
        if retryable and event.attempts < MAX_ATTEMPTS:
            delay = min(BACKOFF_BASE_SECONDS * 2 ** (event.attempts - 1), BACKOFF_MAX_SECONDS)
            if retry_after:
                delay = max(delay, float(retry_after))
            values = {"state": "pending", "next_attempt_at": fields.Datetime.now() + timedelta(seconds=delay)}
        else:
            values = {"state": "dead"}
        event.write({**values, "last_error": error, "lease_owner": False, "lease_expires_at": False})
        if event.state == "dead":
            event._notify_dead()
        return event.state

    @api.model
    def sync_release(self, agent_id, event_uids):
        """Give leased events back untouched (graceful stop); the attempt does not count."""
        released = self.sudo().browse()
        for event_uid in event_uids:
            released |= self._leased_by(agent_id, event_uid)
        for event in released:
            event.write(
                {"state": "pending", "attempts": max(event.attempts - 1, 0), "lease_owner": False, "lease_expires_at": False}
            )
        return len(released)

    @api.model
    def sync_status(self):
        """Counts by state and the oldest pending event, for ``complaints-sync status``."""
        self._check_sync_access()
        counts = dict(self.sudo()._read_group([], ["state"], ["__count"]))
        oldest = self.sudo().search([("state", "=", "pending")], order="create_date", limit=1)
        return {
            "counts": {state: counts.get(state, 0) for state, _label in self._fields["state"].selection},
            "oldest_pending": fields.Datetime.to_string(oldest.create_date) if oldest else None,
        }

    @api.model
    def sync_apply_supplier_answer(self, scar_ref, answer):
        """Write a supplier's answer from the portal back to its SCAR (see quality.scar)."""
        self._check_sync_access()
        return self.env["quality.scar"].sync_apply_supplier_answer(scar_ref, answer)

    def _notify_dead(self):
        record = self.env[self.res_model].browse(self.res_id).exists() if self.res_model in self.env else None
        if record and hasattr(record, "message_post"):
            record.sudo().message_post(
                body=_(
                    "Sending %(event)s to %(target)s failed: %(error)s",
                    event=self.event_type,
                    target=self.target,
                    error=self.last_error or "",
                ),
                subtype_xmlid="mail.mt_note",
            )

    # People

    def _check_admin(self):
        if not self.env.user.has_group("odoo_addon_complaints.group_sync_admin"):
            raise AccessError(_("Only an integration administrator may requeue or cancel sync events."))

    def action_requeue(self):
        self._check_admin()
        for event in self.filtered(lambda e: e.state in ("dead", "cancelled", "pending")):
            event.sudo().write(
                {"state": "pending", "attempts": 0, "next_attempt_at": fields.Datetime.now(), "lease_owner": False}
            )
        return True

    def action_cancel(self):
        self._check_admin()
        if any(event.state in ("done", "leased") for event in self):
            raise UserError(_("Events being sent or already sent cannot be cancelled."))
        self.sudo().write({"state": "cancelled"})
        return True

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
