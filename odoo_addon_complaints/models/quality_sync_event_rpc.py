# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The sync agent's side of the outbox: claim, acknowledge, fail, release, status.

These are the calls of the outbox contract (``mappings/schemas/outbox_rpc_v1.schema.json``)
that the integration user makes over RPC, and how an attempt's outcome moves an
event: leases, retries within the target's window, agents that stop holding an
event. The events themselves, their queue per record and what people do with
them are in ``quality_sync_event.py``.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .quality_sync_event import UNSENT_STATES, _sql_goes_before, redact_credentials

_logger = logging.getLogger(__name__)

#: First wait after a failed attempt; it doubles with each failure up to the target's longest wait
#: (quality.sync.target). How long failures are retried is a time window, not a number of attempts.
BACKOFF_BASE_SECONDS = 30


class QualitySyncEvent(models.Model):
    _inherit = "quality.sync.event"

    def _check_sync_access(self):
        if not (
            self.env.user.has_group("odoo_addon_complaints.group_sync_integration") or self.env.is_superuser()
        ):
            raise AccessError(self.env._("Only the integration user of the sync agent may exchange events."))

    @api.model
    def sync_claim(self, agent_id, limit=50, lease_seconds=120, targets=None):
        """Lease up to ``limit`` due events to ``agent_id`` and return them.

        Due means pending and past ``next_attempt_at``, or leased with a lapsed
        lease (its agent died), with no older unsent event of the same record
        and target (a SCAR's update never overtakes its creation; a failed one
        holds the later ones until it is requeued or cancelled, see
        ``blocked_reason``). Rows locked by a concurrent claim are skipped, so
        two agents never receive the same event.

        A lapsed lease counts as an agent stop (``lease_lapses``). An event
        whose agent stopped more often than its target allows
        (``quality.sync.target``) is Failed instead of claimed again: it may
        be what stops the agent, and a person must look at it.
        """
        self._check_sync_access()
        if not agent_id:
            raise UserError(self.env._("sync_claim needs the agent id."))
        limit = max(1, min(int(limit), 1000))
        lease_seconds = max(5, int(lease_seconds))
        # Wall-clock time, not the transaction's start: the same clock as sync_fail's schedule.
        now = self._sync_now()
        query = SQL(
            """
            SELECT id, state FROM quality_sync_event event
             WHERE ((state = 'pending' AND next_attempt_at <= %(now)s)
                    -- A lapsed lease (the agent died) is due again; no failure is counted for it.
                    OR (state = 'leased' AND lease_expires_at < %(now)s))
               %(target_clause)s
               -- A record's events go out in order: none overtakes an older one not yet sent.
               AND NOT EXISTS (
                   SELECT 1 FROM quality_sync_event older
                    WHERE %(goes_before)s AND older.state IN %(unsent)s)
          ORDER BY next_attempt_at, id
             LIMIT %(limit)s
               FOR UPDATE SKIP LOCKED
            """,
            now=now,
            target_clause=SQL("AND target = ANY(%s)", list(targets)) if targets else SQL(),
            goes_before=_sql_goes_before("older", "event"),
            unsent=UNSENT_STATES,
            limit=limit,
        )
        self.flush_model()
        self.env.cr.execute(query)
        rows = self.env.cr.fetchall()
        lapsed = self.sudo().browse([row_id for row_id, state in rows if state == "leased"])
        stopping = lapsed._fail_stopping_agents()
        ids = [row_id for row_id, __ in rows if row_id not in stopping.ids]
        if not ids:
            return []
        self.env.cr.execute(
            """
            UPDATE quality_sync_event
               SET lease_lapses = COALESCE(lease_lapses, 0) + (state = 'leased')::int,
                   state = 'leased', lease_owner = %s, attempts = COALESCE(attempts, 0) + 1,
                   lease_expires_at = %s + %s * interval '1 second',
                   write_uid = %s, write_date = (clock_timestamp() at time zone 'UTC')
             WHERE id = ANY(%s)
            """,
            [agent_id, now, lease_seconds, self.env.uid, ids],
        )
        self.invalidate_model()
        events = self.sudo().browse(ids)
        return [event._to_agent_dict() for event in events.sorted(lambda e: (e.next_attempt_at, e.id))]

    def _fail_stopping_agents(self):
        """Of these events, whose lease just lapsed again, fail those past their target's allowance; return them."""
        allowed = {
            target: self.env["quality.sync.target"]._lease_lapses_allowed(target)
            for target in set(self.mapped("target"))
        }
        stopping = self.filtered(lambda event: event.lease_lapses + 1 > allowed[event.target])
        for event in stopping:
            event.write(
                {
                    "state": "dead",
                    "lease_lapses": event.lease_lapses + 1,
                    "last_error": self.env._(
                        "The agent stopped %(count)s times while holding this event (last: %(agent)s), more "
                        "than the %(allowed)s times target %(target)s allows: the event may be what stops it. "
                        "Read the agent's log, then requeue or cancel the event.",
                        count=event.lease_lapses + 1,
                        agent=event.lease_owner,
                        allowed=allowed[event.target],
                        target=event.target,
                    ),
                    "lease_owner": False,
                    "lease_expires_at": False,
                }
            )
            event._notify_dead()
        return stopping

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

    def _log_ignored_answer(self, agent_id, event_uid, answer):
        """An answer for an event the agent no longer holds changes nothing; say why in the log."""
        event = self.sudo().search([("event_uid", "=", event_uid)], limit=1)
        _logger.info(
            "ignored %s from %s for sync event %s: it is %s%s",
            answer,
            agent_id,
            event_uid,
            event.state or "unknown",
            f" by {event.superseded_by_id.id}" if event.superseded_by_id else "",
        )

    def _leased_by(self, agent_id, event_uid):
        self._check_sync_access()
        return (
            self.sudo()
            .search([("event_uid", "=", event_uid)], limit=1)
            .filtered(lambda event: event.state == "leased" and event.lease_owner == agent_id)
        )

    @api.model
    def sync_ack(self, agent_id, event_uid, remote_ref=None):
        """Mark the event sent. Acknowledging a sent event again is harmless.

        One delivery's :meth:`sync_results`; True when the event is sent."""
        [answer] = self.sync_results(
            agent_id, [{"event_uid": event_uid, "outcome": "done", "remote_ref": remote_ref}]
        )
        return answer == "done"

    @api.model
    def _sync_now(self):
        """The outbox's clock (naive UTC, wall time); tests replace it to run days in no time."""
        return fields.Datetime.now()

    @api.model
    def sync_fail(self, agent_id, event_uid, error, retryable=True, retry_after=None):
        """Record a failed attempt: "pending" (retried later), "dead", or False when the
        agent does not hold the lease. One failure's :meth:`sync_results`."""
        [answer] = self.sync_results(
            agent_id,
            [
                {
                    "event_uid": event_uid,
                    "outcome": "failed",
                    "error": error,
                    "retryable": retryable,
                    "retry_after": retry_after,
                }
            ],
        )
        return False if answer == "not-leased" else answer

    @api.model
    def sync_results(self, agent_id, results):
        """The outcomes of one flush of the agent, in one call: its acks and its fails.

        ``results`` is a list of ``{"event_uid", "outcome": "done", "remote_ref"}``
        (delivered; ``remote_ref`` is the partner's id or null) and
        ``{"event_uid", "outcome": "failed", "error", "retryable", "retry_after"}``.
        Returns one answer per result, in order: ``"done"`` (sent, also when it
        already was), ``"pending"`` (retry scheduled), ``"dead"`` (Failed) or
        ``"not-leased"`` (the agent does not hold the lease: nothing changed).

        Only the lease holder's answers count, lapsed lease or not, until another
        agent claims the event; a superseded, requeued or cancelled event ignores
        them. The acks are one UPDATE that checks the lease row by row; failures
        follow the retry window of their target (:meth:`_record_failure`).
        """
        self._check_sync_access()
        if not agent_id:
            raise UserError(self.env._("sync_results needs the agent id."))
        results = self._sync_results_items(results)
        done = {}  # event_uid -> remote_ref, the first result of an event wins
        failed = {}  # event_uid -> result
        for result in results:
            bucket = done if result["outcome"] == "done" else failed
            if result["event_uid"] not in done and result["event_uid"] not in failed:
                bucket[result["event_uid"]] = result.get("remote_ref") if bucket is done else result
        states = {}
        if done:
            states.update(self._ack_leased(agent_id, done))
        if failed:
            states.update(self._fail_leased(agent_id, failed))
        unheld = [uid for uid in {result["event_uid"] for result in results} if uid not in states]
        if unheld:
            # Answers for events the agent does not hold: a sent event is sent (its ack was
            # lost and comes again); anything else changes nothing, and the log says why.
            self.env.cr.execute(
                "SELECT event_uid FROM quality_sync_event WHERE event_uid = ANY(%s) AND state = 'done'",
                [unheld],
            )
            sent = {row[0] for row in self.env.cr.fetchall()}
            for uid in unheld:
                if uid in done and uid in sent:
                    states[uid] = "done"
                else:
                    self._log_ignored_answer(agent_id, uid, "ack" if uid in done else "fail")
                    states[uid] = "not-leased"
        return [states[result["event_uid"]] for result in results]

    @api.model
    def _sync_results_items(self, results):
        """The results of :meth:`sync_results`, checked: a malformed one names its place."""
        if not isinstance(results, (list, tuple)):
            raise UserError(self.env._("sync_results takes a list of results."))
        for index, result in enumerate(results):
            if (
                not isinstance(result, dict)
                or not isinstance(result.get("event_uid"), str)
                or result.get("outcome") not in ("done", "failed")
            ):
                raise UserError(
                    self.env._(
                        "sync_results: result %(index)s needs an event_uid and an outcome "
                        "(done or failed): %(result)r",
                        index=index,
                        result=result,
                    )
                )
        return list(results)

    @api.model
    def _ack_leased(self, agent_id, refs):
        """Mark sent, in one statement, the events of ``refs`` (event_uid -> partner reference)
        that ``agent_id`` holds; a held event keeps its reference when none is given.
        Returns {event_uid: "done"} for those."""
        self.flush_model()
        now = fields.Datetime.now()
        uids = list(refs)
        self.env.cr.execute(
            """
            UPDATE quality_sync_event event
               SET state = 'done', remote_ref = COALESCE(answer.ref, event.remote_ref),
                   date_done = %(now)s, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL,
                   write_uid = %(uid)s, write_date = %(now)s
              FROM unnest(%(uids)s::varchar[], %(refs)s::varchar[]) AS answer(event_uid, ref)
             WHERE event.event_uid = answer.event_uid
               AND event.state = 'leased' AND event.lease_owner = %(agent)s
         RETURNING event.event_uid
            """,
            {
                "now": now,
                "uid": self.env.uid,
                "uids": uids,
                "refs": [refs[u] for u in uids],
                "agent": agent_id,
            },
        )
        acked = {row[0]: "done" for row in self.env.cr.fetchall()}
        if acked:
            self.invalidate_model()
            self._invalidate_queue_explanations()
        return acked

    @api.model
    def _fail_leased(self, agent_id, failures):
        """Record the failures (event_uid -> result) of the events ``agent_id`` holds,
        their rows locked first; returns {event_uid: new state} for those."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT id FROM quality_sync_event
             WHERE event_uid = ANY(%s) AND state = 'leased' AND lease_owner = %s
          ORDER BY id
               FOR UPDATE
            """,
            [list(failures), agent_id],
        )
        events = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        states = {}
        for event in events:
            result = failures[event.event_uid]
            states[event.event_uid] = event._record_failure(
                result.get("error") or "", result.get("retryable", True), result.get("retry_after")
            )
        return states

    def _record_failure(self, error, retryable, retry_after):
        """One failed attempt of this leased event: retry later, or give up; returns the new state.

        A retryable failure is retried within the target's retry window
        (``quality.sync.target``, 72 hours by default) counted from the first
        failed attempt, the wait doubling from 30 seconds up to the target's
        longest wait (one hour by default) and never shorter than the partner's
        ``retry_after``; the last attempt falls on the window's end. A failure
        after the window, or a permanent one, makes the event Failed and posts a
        note on its record. Lapsed leases are no failures: they neither start nor
        use up the window.
        """
        self.ensure_one()
        error = redact_credentials(error)
        now = self._sync_now()
        window, cap = self.env["quality.sync.target"]._retry_policy(self.target)
        first = self.first_failure_at or now
        until = self.retry_until or first + window
        failures = self.failure_count + 1
        values = {"failure_count": failures, "first_failure_at": first, "retry_until": until}
        if retryable and now < until:
            delay = min(timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** min(failures - 1, 30)), cap)
            if retry_after:
                delay = max(delay, timedelta(seconds=float(retry_after)))
            values.update(state="pending", next_attempt_at=min(now + delay, until))
        else:
            values["state"] = "dead"
            if retryable:
                error = self.env._(
                    "Retry window of %(hours)s hours ran out (failing since %(since)s UTC, %(count)s failed "
                    "attempts); last error: %(error)s",
                    hours=round(window.total_seconds() / 3600, 1),
                    since=fields.Datetime.to_string(first),
                    count=failures,
                    error=error,
                )
        self.write({**values, "last_error": error, "lease_owner": False, "lease_expires_at": False})
        if self.state == "dead":
            self._notify_dead()
        return self.state

    @api.model
    def sync_release(self, agent_id, event_uids):
        """Give leased events back untouched (graceful stop); the attempt does not count."""
        released = self.sudo().browse()
        for event_uid in event_uids:
            released |= self._leased_by(agent_id, event_uid)
        for event in released:
            event.write(
                {
                    "state": "pending",
                    "attempts": max(event.attempts - 1, 0),
                    "lease_owner": False,
                    "lease_expires_at": False,
                }
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
            body = self.env._(
                "Sending %(event)s to %(target)s failed: %(error)s",
                event=self.event_type,
                target=self.target,
                error=self.last_error or "",
            )
            held = self.sudo().held_count
            if held == 1:
                body += " " + self.env._(
                    "1 later event of this record waits for it until it is requeued or cancelled in Sync Events."
                )
            elif held > 1:
                body += " " + self.env._(
                    "%(count)s later events of this record wait for it until it is requeued or cancelled in Sync Events.",
                    count=held,
                )
            record.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
