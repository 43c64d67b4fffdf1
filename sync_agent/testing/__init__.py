"""First-party test doubles: an in-memory Odoo outbox and a loopback portal.

They ship with the package (not under ``tests/``) so that unit tests, the
benchmark and anyone writing a new mapping can exercise the real worker
end to end without Odoo or a supplier portal:

* :class:`FakeOdooGateway` implements the outbox contract of
  :mod:`sync_agent.outbox.gateway` in memory, as the addon's ``quality.sync.event``
  does: leases that never overlap between agents, lapsed leases reclaimable,
  ack/fail/release by the lease holder, backoff and a dead-letter state;
  every claim records its agent and time, and ``sync_status`` lists the
  agents seen and says when events are due but none has claimed lately.
  ``sync_results`` takes a flush's acks and fails in one call, as Odoo does.
  Built with ``check_contract=True`` it validates every call's arguments and
  answer (outbox, supplier answers, regulatory reports) against the contract schema
  (:mod:`sync_agent.outbox.contract`), as the addon's tests validate Odoo's.
* :class:`LoopbackPortal` (in :mod:`sync_agent.testing._loopback`) is a real HTTP
  server bound to 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import GatewayUnavailable
from ._loopback import Fault, LoopbackPortal, RecordedRequest

__all__ = [
    "FakeEvent",
    "FakeOdooGateway",
    "Fault",
    "LoopbackPortal",
    "RecordedRequest",
]


def _odoo_datetime(moment: datetime) -> str:
    """A date-time as Odoo answers it over RPC: UTC, ``YYYY-MM-DD HH:MM:SS``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class FakeEvent:
    """One outbox row of :class:`FakeOdooGateway` (a copy is handed out)."""

    event_uid: str
    target: str
    event_type: str
    res_model: str
    res_id: int
    payload_version: int
    payload: dict[str, Any]
    seq: int
    created: datetime
    state: str = "pending"  # pending | leased | done | dead
    attempts: int = 0
    lease_owner: str | None = None
    lease_until: float = 0.0
    next_attempt_at: float = 0.0
    remote_ref: str | None = None
    last_error: str | None = None
    failures: int = 0
    lease_lapses: int = 0  # claims that found the lease lapsed: the agent stopped holding it
    retry_until: float | None = None  # end of the retry window, from the first failure
    history: list[tuple[str, str]] = field(default_factory=list)  # (action, agent_id)

    def as_claim(self) -> dict[str, Any]:
        return {
            "event_uid": self.event_uid,
            "target": self.target,
            "event_type": self.event_type,
            "res_model": self.res_model,
            "res_id": self.res_id,
            "payload_version": self.payload_version,
            "payload": self.payload,
            "attempts": self.attempts,
        }


class FakeOdooGateway:
    """In-memory :class:`~sync_agent.outbox.gateway.OdooGateway` with lease semantics.

    It follows the addon's ``quality.sync.event`` (same defaults: retryable
    failures are retried for a window of 72 hours from the first failure,
    backoff 30 s doubling up to one hour, at least ``Retry-After``, the last
    attempt at the window's end; attempts counted at claim time, a lapsed
    lease is no failure, but an event whose lease lapsed more than
    ``lease_lapses_allowed`` times, 10, is dead: it may be what stops the agent). ``clock`` (monotonic seconds) is injectable so
    tests can lapse leases, backoffs and whole outages without sleeping.
    ``per_record_order`` hands out one open event per record at a time, as
    the addon does (the addon also holds later events behind a Failed one
    until it is requeued or cancelled; the fake forgets dead events).
    Thread-safe: several workers may share one instance, as agents share Odoo.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        retry_window: float = 72 * 3600.0,
        backoff_base: float = 30.0,
        backoff_cap: float = 3600.0,
        lease_lapses_allowed: int = 10,
        per_record_order: bool = False,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        silence_minutes: int = 10,
        check_contract: bool = False,
    ) -> None:
        self.clock = clock
        #: Validate the outbox calls against ``outbox_rpc_v1.schema.json`` (off by default: the
        #: benchmark and tests that feed deliberately odd uids keep the fake fast and lenient).
        self.check_contract = check_contract
        #: Date-times of the agents' claims (Odoo's ``fields.Datetime.now``); injectable like ``clock``.
        self.wall_clock = wall_clock
        #: Minutes without a claim after which due events say that no agent runs (Odoo: Settings).
        self.silence_minutes = silence_minutes
        #: agent id -> what Odoo's ``quality.sync.agent`` keeps about it.
        self.agents_seen: dict[str, dict[str, Any]] = {}
        self.per_record_order = per_record_order
        self.retry_window = retry_window
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.lease_lapses_allowed = lease_lapses_allowed
        self.unavailable = False
        self.answers: list[tuple[str, dict[str, Any]]] = []
        self.answer_errors: dict[str, Exception] = {}
        # Regulatory reports: every call is recorded, in order, for tests to assert.
        self.rendered: list[dict[str, Any]] = []  # sync_report_rendered calls
        self.invalid: list[dict[str, Any]] = []  # sync_report_invalid calls
        self.acknowledgements: list[dict[str, Any]] = []  # sync_apply_acknowledgement calls
        self.report_errors: dict[int, Exception] = {}  # report id -> error its calls raise
        #: 3500A report number -> report name, for acknowledgements to match.
        self.report_numbers: dict[str, str] = {}
        self.claims: list[tuple[str, str]] = []  # (agent_id, event_uid), every claim ever
        self.results_calls = 0  # sync_results calls: one per flush of a worker
        self._lock = threading.Lock()
        self._all: dict[str, FakeEvent] = {}
        self._open: dict[str, FakeEvent] = {}  # not done/dead, in creation order
        self._seq = itertools.count(1)

    # -- test helpers -------------------------------------------------------
    def add_event(
        self,
        payload: dict[str, Any],
        *,
        target: str = "supplier_portal",
        event_type: str = "scar.created",
        res_model: str = "quality.scar",
        res_id: int = 1,
        payload_version: int = 1,
        event_uid: str | None = None,
    ) -> str:
        """Queue an event as Odoo would on a business change; returns its uid."""
        uid = event_uid or str(uuid.uuid4())
        event = FakeEvent(
            uid,
            target,
            event_type,
            res_model,
            res_id,
            payload_version,
            payload,
            seq=next(self._seq),
            created=datetime.now(timezone.utc),
        )
        with self._lock:
            self._all[uid] = event
            self._open[uid] = event
        return uid

    def event(self, event_uid: str) -> FakeEvent:
        """A snapshot of one event."""
        with self._lock:
            event = self._all[event_uid]
            return replace(event, history=list(event.history))

    def states(self) -> dict[str, int]:
        """Number of events per state."""
        with self._lock:
            counts: dict[str, int] = {}
            for event in self._all.values():
                counts[event.state] = counts.get(event.state, 0) + 1
            return counts

    # -- the contract (mirrors quality.sync.event in the addon) -------------
    def _check(self) -> None:
        if self.unavailable:
            raise GatewayUnavailable("fake odoo is down")

    def _contract(self, definition: str, value: Any) -> Any:
        """``value``, after checking it against the contract when ``check_contract`` is on."""
        if self.check_contract:
            from ..outbox.contract import check_contract  # loads the schema only when asked to

            check_contract(definition, value)
        return value

    def _leased_by(self, agent_id: str, event_uid: str) -> FakeEvent | None:
        """The event if ``agent_id`` holds its lease (lapsed or not, until reclaimed).

        An unknown event is held by nobody, as in Odoo (the contract's answers:
        ack False, fail "not-leased", release skips it)."""
        event = self._all.get(event_uid)
        if event is None:
            return None
        return event if event.state == "leased" and event.lease_owner == agent_id else None

    def sync_claim(
        self, agent_id: str, limit: int, lease_seconds: int, targets: list[str] | None
    ) -> list[dict[str, Any]]:
        """Lease due events (pending and past their backoff, or with a lapsed
        lease) in creation order; every claim counts as an attempt."""
        self._check()
        self._contract("claim_arguments", [agent_id, limit, lease_seconds, targets])
        now = self.clock()
        claimed: list[dict[str, Any]] = []
        earlier: set[tuple[str, int]] = set()  # records with an older open event
        stopping: list[str] = []  # events whose agent stopped too often holding them
        with self._lock:
            for event in self._open.values():
                if len(claimed) >= limit:
                    break
                record = (event.res_model, event.res_id)
                if self.per_record_order:
                    if record in earlier:
                        continue  # never overtake an older event of the same record
                    earlier.add(record)
                if targets is not None and event.target not in targets:
                    continue
                if event.state == "leased" and event.lease_until > now:
                    continue
                if event.state == "pending" and event.next_attempt_at > now:
                    continue
                if event.state == "leased":
                    event.lease_lapses += 1
                    if event.lease_lapses > self.lease_lapses_allowed:
                        event.last_error = (
                            f"The agent stopped {event.lease_lapses} times while holding this event "
                            f"(last: {event.lease_owner})"
                        )
                        event.state, event.lease_owner = "dead", None
                        event.history.append(("lapse:dead", agent_id))
                        stopping.append(event.event_uid)
                        continue
                event.state, event.lease_owner, event.lease_until = "leased", agent_id, now + lease_seconds
                event.attempts += 1
                event.history.append(("claim", agent_id))
                self.claims.append((agent_id, event.event_uid))
                claimed.append(event.as_claim())
            for event_uid in stopping:
                self._open.pop(event_uid)
            self._record_claim(agent_id, len(claimed))
        return self._contract("claim_answer", claimed)

    def _record_claim(self, agent_id: str, claimed: int) -> None:
        """Every claim, also an empty one, is the agent's heartbeat (as in Odoo)."""
        now = self.wall_clock()
        seen = self.agents_seen.setdefault(
            agent_id, {"agent_id": agent_id, "first_claim_at": now, "last_events_at": None}
        )
        seen.update(last_claim_at=now, last_claim_count=claimed)
        if claimed:
            seen["last_events_at"] = now

    def _due(self) -> bool:
        now = self.clock()
        return any(
            (event.state == "pending" and event.next_attempt_at <= now)
            or (event.state == "leased" and event.lease_until <= now)
            for event in self._open.values()
        )

    def _agents_status(self) -> tuple[list[dict[str, Any]], str | None]:
        """The agents seen, newest claim first, and Odoo's notice when none is alive."""
        now = self.wall_clock()
        silence = timedelta(minutes=self.silence_minutes)
        with self._lock:
            rows = sorted(self.agents_seen.values(), key=lambda row: row["last_claim_at"], reverse=True)
            due = self._due()
        agents = [
            {
                **row,
                **{
                    key: _odoo_datetime(row[key]) if row[key] else None
                    for key in ("first_claim_at", "last_claim_at", "last_events_at")
                },
                "silent": now - row["last_claim_at"] > silence,
            }
            for row in rows
        ]
        if not due or (rows and now - rows[0]["last_claim_at"] <= silence):
            return agents, None
        if not rows:
            return (
                agents,
                "No sync agent has ever claimed events from this database, although events are due.",
            )
        return agents, (
            f"No sync agent has claimed events for more than {self.silence_minutes} minutes "
            f"(last: {rows[0]['agent_id']}), although events are due."
        )

    def sync_ack(self, agent_id: str, event_uid: str, remote_ref: str | None) -> bool:
        """Mark done if ``agent_id`` holds the lease; True again for a done event."""
        self._check()
        self._contract("ack_arguments", [agent_id, event_uid, remote_ref])
        return self._contract("ack_answer", self._ack(agent_id, event_uid, remote_ref))

    def _ack(self, agent_id: str, event_uid: str, remote_ref: str | None) -> bool:
        with self._lock:
            event = self._leased_by(agent_id, event_uid)
            if event is None:
                refused = self._all.get(event_uid)
                if refused is None:
                    return False
                refused.history.append(("ack-refused", agent_id))
                return refused.state == "done"
            event.state, event.remote_ref, event.lease_owner, event.last_error = (
                "done",
                remote_ref,
                None,
                None,
            )
            event.history.append(("ack", agent_id))
            self._open.pop(event_uid, None)
            return True

    def sync_fail(
        self, agent_id: str, event_uid: str, error: str, retryable: bool, retry_after: float | None
    ) -> str:
        """Back off exponentially (at least ``retry_after``, never past the
        retry window) or dead-letter the event, saying why when the window ran
        out; ``"not-leased"`` (Odoo: False) if ``agent_id`` lost the lease."""
        self._check()
        self._contract("fail_arguments", [agent_id, event_uid, error, retryable, retry_after])
        return self._contract(
            "fail_gateway_answer", self._fail(agent_id, event_uid, error, retryable, retry_after)
        )

    def _fail(
        self, agent_id: str, event_uid: str, error: str, retryable: bool, retry_after: float | None
    ) -> str:
        now = self.clock()
        with self._lock:
            event = self._leased_by(agent_id, event_uid)
            if event is None:
                if event_uid in self._all:
                    self._all[event_uid].history.append(("fail-ignored", agent_id))
                return "not-leased"
            event.last_error, event.lease_owner = error, None
            event.failures += 1
            if event.retry_until is None:
                event.retry_until = now + self.retry_window
            if retryable and now < event.retry_until:
                delay = min(self.backoff_cap, self.backoff_base * 2 ** min(event.failures - 1, 30))
                delay = max(delay, retry_after or 0.0)
                event.state, event.next_attempt_at = "pending", min(now + delay, event.retry_until)
            else:
                if retryable:
                    event.last_error = (
                        f"Retry window of {self.retry_window / 3600:.1f} hours ran out "
                        f"({event.failures} failed attempts); last error: {error}"
                    )
                event.state = "dead"
                self._open.pop(event_uid, None)
            event.history.append((f"fail:{event.state}", agent_id))
            return event.state

    def sync_results(self, agent_id: str, results: list[dict[str, Any]]) -> list[str]:
        """The acks and fails of one flush, each as :meth:`sync_ack` and :meth:`sync_fail` do
        it; one answer per result: "done", "pending", "dead" or "not-leased"."""
        self._check()
        self._contract("results_arguments", [agent_id, list(results)])
        self.results_calls += 1
        answers = [
            ("done" if self._ack(agent_id, result["event_uid"], result.get("remote_ref")) else "not-leased")
            if result["outcome"] == "done"
            else self._fail(
                agent_id, result["event_uid"], result["error"], result["retryable"], result.get("retry_after")
            )
            for result in results
        ]
        return self._contract("results_answer", answers)

    def sync_release(self, agent_id: str, event_uids: list[str]) -> int:
        """Hand leases back; the attempt the claim counted is taken back."""
        self._check()
        self._contract("release_arguments", [agent_id, list(event_uids)])
        released = 0
        with self._lock:
            for uid in event_uids:
                event = self._leased_by(agent_id, uid)
                if event is not None:
                    event.state, event.lease_owner = "pending", None
                    event.attempts = max(event.attempts - 1, 0)
                    event.history.append(("release", agent_id))
                    released += 1
        return self._contract("release_answer", released)

    def sync_status(self) -> dict[str, Any]:
        """Counts for every state and the creation time of the oldest pending event."""
        self._check()
        self._contract("status_arguments", [])
        counts = {state: 0 for state in ("pending", "leased", "done", "dead", "cancelled", "superseded")}
        counts.update(self.states())
        with self._lock:
            pending = [e.created for e in self._open.values() if e.state == "pending"]
        agents, notice = self._agents_status()
        return self._contract(
            "status_answer",
            {
                "counts": counts,
                # Odoo's spelling of a UTC date-time (fields.Datetime.to_string), as the contract says.
                "oldest_pending": _odoo_datetime(min(pending)) if pending else None,
                "agents": agents,
                "agent_notice": notice,
                "silence_minutes": self.silence_minutes,
            },
        )

    def requeue(self, event_uid: str) -> None:
        """What an integration administrator's *Requeue* does in Odoo."""
        with self._lock:
            event = self._all[event_uid]
            event.state, event.attempts, event.next_attempt_at, event.lease_owner = "pending", 0, 0.0, None
            event.failures, event.retry_until = 0, None
            self._open[event_uid] = event
            event.history.append(("requeue", "admin"))

    def sync_apply_supplier_answer(self, scar_ref: str, answer: dict[str, Any]) -> dict[str, Any]:
        """Record the answer (idempotent on ``answer_id``) or raise an injected error;
        answers as Odoo does: applied (with the step), duplicate or refused_recorded."""
        self._check()
        self._contract("apply_supplier_answer_arguments", [scar_ref, answer])
        if scar_ref in self.answer_errors:
            raise self.answer_errors[scar_ref]
        with self._lock:
            earlier = [a for _, a in self.answers if a.get("answer_id") == answer.get("answer_id")]
            if earlier:
                step = earlier[0].get("step") if earlier[0].get("status") != "rejected" else None
                result: dict[str, Any] = {"status": "duplicate", "step": step}
            else:
                self.answers.append((scar_ref, answer))
                rejected = answer.get("status") == "rejected"
                result = (
                    {"status": "refused_recorded"}
                    if rejected
                    else {"status": "applied", "step": answer.get("step")}
                )
        return self._contract("apply_supplier_answer_answer", result)

    # -- regulatory reports (quality.regulatory.report) -----------------------
    def report_rendered(
        self, report_id: int, event_uid: str, file_name: str, content_b64: str, sha256: str
    ) -> dict[str, Any]:
        """Record the written file (or raise the error injected for the report)."""
        self._check()
        self._contract("report_rendered_arguments", [report_id, event_uid, file_name, content_b64, sha256])
        if report_id in self.report_errors:
            raise self.report_errors[report_id]
        with self._lock:
            self.rendered.append(
                {
                    "report_id": report_id,
                    "event_uid": event_uid,
                    "file_name": file_name,
                    "content_b64": content_b64,
                    "sha256": sha256,
                }
            )
        return self._contract("report_rendered_answer", {"applied": True, "state": "validated"})

    def report_invalid(
        self, report_id: int, event_uid: str, problems: list[dict[str, str]]
    ) -> dict[str, Any]:
        """Record why the report's file was not written."""
        self._check()
        self._contract("report_invalid_arguments", [report_id, event_uid, list(problems)])
        if report_id in self.report_errors:
            raise self.report_errors[report_id]
        with self._lock:
            self.invalid.append({"report_id": report_id, "event_uid": event_uid, "problems": list(problems)})
        return self._contract("report_invalid_answer", {"applied": True, "state": "draft"})

    def apply_acknowledgement(self, ack: dict[str, Any]) -> dict[str, Any]:
        """Record the acknowledgement; it matches a report registered in
        :attr:`report_numbers` by its ``report_number`` (state: its ``status``)."""
        self._check()
        self._contract("apply_acknowledgement_arguments", [ack])
        with self._lock:
            self.acknowledgements.append(ack)
            name = self.report_numbers.get(ack.get("report_number") or "")
        if name is None:
            return self._contract(
                "apply_acknowledgement_answer", {"matched": False, "report": None, "state": None}
            )
        state = {"accepted": "acknowledged", "rejected": "rejected"}.get(ack.get("status") or "", "submitted")
        return self._contract(
            "apply_acknowledgement_answer", {"matched": True, "report": name, "state": state}
        )
