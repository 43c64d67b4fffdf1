"""The delivery loop: claim -> map -> validate -> post -> journal -> ack/fail.

Guarantees, and where each comes from:

* nothing lost: an event leaves Odoo's outbox only when the agent reports it
  done (after the portal accepted it) or failed (with the reason); a crash
  anywhere leaves the lease to expire, and the event is claimed again;
* nothing twice: the ``Idempotency-Key`` is the event uid, and the journal
  (:mod:`sync_agent.delivery.journal`) remembers deliveries whose ack was lost, so a
  reclaimed event is acked without a second POST. Outcomes are reported in
  flushes: at the end of each batch, on a stop, and as soon as the oldest
  waiting outcome waited :data:`ACK_DELAY` seconds (checked after each event).
  A flush journals its deliveries first (one SQLite transaction), then sends
  all its acks and fails to Odoo in one ``sync_results`` call, so Odoo does
  one request's work per flush, not one per event. A crash before the journal
  write means a second POST with the same key, which the portal ignores; a
  crash after it, an ack from the journal on the next claim;
* visible: every failure goes to Odoo with a readable reason (the portal's
  message, or the JSON path the schema rejected) and whether it will be
  retried.

Regulator targets (mappings with a ``document:`` block) are served by the same
loop: the file is rendered and validated, written atomically into the
submission folder (:mod:`sync_agent.delivery.submission`), attached to its regulatory
report in Odoo (``report_rendered``) and acked like a delivery. An invalid
file is never written: the report is told why (``report_invalid``, the
problems by XPath or field) and the event fails for good. Writing the same
file again is harmless (same name, same bytes), so a retry after a lost
answer from Odoo simply renders it again.

A stop request (SIGTERM, SIGINT) lets the current event finish, hands the
rest of the batch back with ``sync_release`` and ends :meth:`Worker.run`.
"""

from __future__ import annotations

import base64
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import schedule
from pydantic import ValidationError

from ..config.settings import AgentSettings
from ..errors import (
    DeliveryFailed,
    DocumentInvalid,
    GatewayCallError,
    GatewayError,
    MappingError,
    PortalError,
    SyncAgentError,
)
from ..logging_setup import redact
from ..mapping.kinds import DocumentMapping
from ..mapping.registry import MappingRegistry
from ..outbox.gateway import OdooGateway
from ..outbox.models import CycleReport, OutboxEvent, truncate
from .journal import DeliveryRecord, StateStore
from .portal import PortalClient
from .submission import SubmissionFolder

__all__ = ["ACK_DELAY", "FILE_BUDGET", "Worker"]

#: Longest time (seconds) an outcome (accepted delivery, failure) waits to be journalled and reported.
ACK_DELAY = 0.25
#: Seconds one regulator file may take (render, validate, write, one Odoo call).
FILE_BUDGET = 5.0

_log = logging.getLogger("sync_agent.delivery.worker")


def _failed(event_uid: str, error: str, *, retryable: bool, retry_after: float | None) -> dict[str, Any]:
    """A failure as ``sync_results`` takes it."""
    return {
        "event_uid": event_uid,
        "outcome": "failed",
        "error": error,
        "retryable": retryable,
        "retry_after": retry_after,
    }


def _guarded(job: Callable[[], Any]) -> None:
    """Run a scheduled job; an unexpected error is logged and the loop goes on
    (the next run retries; held leases expire and are reclaimed)."""
    try:
        job()
    except Exception:  # noqa: BLE001 - the loop must outlive one bad run
        _log.exception("scheduled job failed", extra={"job": getattr(job, "__name__", repr(job))})


class Worker:
    """Delivers the outbox events of one portal's target to that portal and,
    given a submission folder, those of every regulator target to files."""

    def __init__(
        self,
        *,
        gateway: OdooGateway,
        portal: PortalClient | None,
        registry: MappingRegistry,
        state: StateStore,
        settings: AgentSettings,
        submissions: SubmissionFolder | None = None,
        stop_event: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway, self.portal, self.registry, self.state = gateway, portal, registry, state
        self.settings, self.submissions = settings, submissions
        targets = {portal.settings.target} if portal is not None else set()
        if submissions is not None:
            targets.update(registry.document_targets)
        self.targets = sorted(targets)
        self.stop_event = stop_event or threading.Event()
        self.clock = clock
        # Do not start an event whose lease could run out before it is done.
        self._budget = portal.settings.event_budget_seconds() if portal is not None else FILE_BUDGET
        self._pending: list[tuple[OutboxEvent, str | None, dict[str, Any]]] = []  # accepted, not journalled
        self._outcomes: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (result, log context), journalled
        self._pending_since = 0.0
        self._backlog = False

    def request_stop(self) -> None:
        """Finish the current event, then stop (safe from a signal handler)."""
        self.stop_event.set()

    # -- one cycle -------------------------------------------------------------
    def run_once(self) -> CycleReport:
        """Claim one batch and process it; raises :class:`GatewayError` if the
        claim itself fails (nothing was taken, nothing to undo)."""
        report = CycleReport()
        if self.stop_event.is_set():
            return report
        agent = self.settings.agent_id
        raw = self.gateway.sync_claim(
            agent, self.settings.batch_size, self.settings.lease_seconds, self.targets
        )
        claimed_at = self.clock()
        report.claimed = len(raw)
        events = [event for event in (self._parse(item, report) for item in raw) if event is not None]
        journal = self.state.get_many([e.event_uid for e in events])
        for index, event in enumerate(events):
            lease_left = self.settings.lease_seconds - (self.clock() - claimed_at)
            if self.stop_event.is_set() or lease_left <= self._budget:
                self.flush(report)
                report.released = self._release([e.event_uid for e in events[index:]])
                break
            try:
                self.process(event, report, journal.get(event.event_uid))
                if self._waiting() and self.clock() - self._pending_since >= ACK_DELAY:
                    self.flush(report)
            except Exception:
                # Unexpected (e.g. the journal's disk is full): hand the rest back.
                self._release([e.event_uid for e in events[index + 1 :]])
                raise
        self.flush(report)
        return report

    def _waiting(self) -> bool:
        return bool(self._pending or self._outcomes)

    def _queue(self, result: dict[str, Any], log_ctx: dict[str, Any]) -> None:
        """An outcome for the next flush; the first one starts the :data:`ACK_DELAY` clock."""
        if not self._waiting():
            self._pending_since = self.clock()
        self._outcomes.append((result, log_ctx))

    def flush(self, report: CycleReport) -> None:
        """Journal the accepted deliveries (one transaction), then report every waiting
        outcome, acks and fails, to Odoo in one ``sync_results`` call."""
        pending, self._pending = self._pending, []
        if pending:
            self.state.record_delivered_many([(event, ref) for event, ref, _ in pending])
        outcomes = [
            ({"event_uid": event.event_uid, "outcome": "done", "remote_ref": ref}, log_ctx)
            for event, ref, log_ctx in pending
        ]
        outcomes += self._outcomes
        self._outcomes = []
        if not outcomes:
            return
        try:
            answers = self.gateway.sync_results(self.settings.agent_id, [result for result, _ in outcomes])
        except GatewayError as exc:
            # The journal has the deliveries: on reclaim they are acked without a new POST;
            # unreported failures are retried when their lease lapses.
            lost = sum(1 for result, _ in outcomes if result["outcome"] == "done")
            report.ack_lost += lost
            _log.error(
                "reporting outcomes to odoo failed; acks come from the journal on reclaim,"
                " failed events are retried when their lease lapses",
                extra={"acks": lost, "fails": len(outcomes) - lost, "error": str(exc)},
            )
            return
        acked = []
        for (result, log_ctx), answer in zip(outcomes, answers, strict=True):
            if result["outcome"] == "done":
                if answer == "done":
                    acked.append(result["event_uid"])
                else:
                    report.ack_lost += 1
                    _log.warning("odoo refused the ack (lease held by another agent)", extra=log_ctx)
            elif answer == "not-leased":
                _log.warning("odoo ignored the failure (lease held by another agent)", extra=log_ctx)
            else:
                _log.info("failure recorded in odoo", extra={**log_ctx, "odoo_state": answer})
        self.state.record_acked(acked)

    def _parse(self, item: Any, report: CycleReport) -> OutboxEvent | None:
        """A claim Odoo sent in a wrong shape is failed at once, naming the field."""
        try:
            return OutboxEvent.model_validate(item)
        except ValidationError as exc:
            report.skipped_invalid += 1
            uid = item.get("event_uid") if isinstance(item, dict) else None
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
            reason = truncate(redact(f"outbox event malformed: {problems}"))
            _log.error("outbox event malformed", extra={"event_uid": uid, "error": reason})
            if isinstance(uid, str):
                self._queue(_failed(uid, reason, retryable=False, retry_after=None), {"event_uid": uid})
            return None

    def process(self, event: OutboxEvent, report: CycleReport, known: DeliveryRecord | None = None) -> None:
        """Deliver one claimed event; its ack or failure is reported to Odoo by
        :meth:`flush`. ``known`` is its journal row, if any."""
        log_ctx = {
            "event_uid": event.event_uid,
            "event_type": event.event_type,
            "target": event.target,
            "attempts": event.attempts,
        }
        if known is not None and known.delivered:
            _log.info(
                "already delivered, acking from the journal",
                extra={**log_ctx, "remote_ref": known.remote_ref},
            )
            report.acked_from_log += 1
            self._queue(
                {"event_uid": event.event_uid, "outcome": "done", "remote_ref": known.remote_ref}, log_ctx
            )
            return
        try:
            mapping = self.registry.for_event(event)
            if mapping.is_document:
                self._deliver_file(event, mapping, report, log_ctx)
                return
            document = mapping.render(event)
        except MappingError as exc:
            self._fail(event, exc, report, log_ctx)
            return
        except Exception as exc:  # noqa: BLE001 - a bug: keep the event retryable for a fixed agent
            _log.exception("unexpected error while mapping", extra=log_ctx)
            internal = f"internal error while mapping: {type(exc).__name__}: {exc}"
            self._fail(event, DeliveryFailed(internal, retryable=True), report, log_ctx)
            return
        if self.portal is None:
            no_portal = DeliveryFailed(f"no portal is configured for target {event.target}", retryable=False)
            self._fail(event, no_portal, report, log_ctx)
            return
        try:
            receipt = self.portal.deliver(
                mapping.path,
                document,
                idempotency_key=event.event_uid,
                method=mapping.method,
                event_type=event.event_type,
            )
        except PortalError as exc:
            self._fail(event, exc, report, log_ctx)
            return
        report.delivered += 1
        if _log.isEnabledFor(logging.INFO):
            _log.info("delivered", extra={**log_ctx, "remote_ref": receipt.id})
        if not self._waiting():
            self._pending_since = self.clock()
        self._pending.append((event, receipt.id, log_ctx))

    def _deliver_file(
        self, event: OutboxEvent, mapping: DocumentMapping, report: CycleReport, log_ctx: dict
    ) -> None:
        """Render and validate a regulator file; write it and tell its report in
        Odoo, or write nothing and tell the report why. Acked in :meth:`flush`."""
        if self.submissions is None:
            no_folder = DeliveryFailed(f"no submission folder for target {event.target}", retryable=False)
            self._fail(event, no_folder, report, log_ctx)
            return
        try:
            rendered = mapping.render_document(event)
        except DocumentInvalid as exc:
            # A schema message may quote a value of the file, patient data included: the
            # messages go to the report (read by vigilance staff only), the event names the elements.
            elements = ", ".join(dict.fromkeys(problem.path or "?" for problem in exc.problems))
            where = f"the file is invalid at {elements}"
            if self._report_invalid(event, exc, log_ctx):
                told = DeliveryFailed(f"{where}; the messages are on the report", retryable=False)
                self._fail(event, told, report, log_ctx)
            else:
                untold = DeliveryFailed(f"{where} (not yet on the report)", retryable=True)
                self._fail(event, untold, report, log_ctx)
            return
        try:
            self.submissions.write(rendered.file_name, rendered.content)
        except (OSError, ValueError) as exc:
            unwritten = DeliveryFailed(f"writing {rendered.file_name} failed: {exc}", retryable=True)
            self._fail(event, unwritten, report, log_ctx)
            return
        content_b64 = base64.b64encode(rendered.content).decode("ascii")
        try:
            answer = self.gateway.report_rendered(
                event.res_id, event.event_uid, rendered.file_name, content_b64, rendered.sha256
            )
        except GatewayError as exc:
            error = f"{rendered.file_name} written, but odoo did not take it: {exc}"
            self._fail(event, DeliveryFailed(error, retryable=exc.retryable), report, log_ctx)
            return
        report.delivered += 1
        _log.info(
            "regulator file written",
            extra={**log_ctx, "file_name": rendered.file_name, "sha256": rendered.sha256},
        )
        if isinstance(answer, dict) and answer.get("applied") is False:  # e.g. a newer render is under way
            _log.warning("odoo kept the report as it was", extra={**log_ctx, "reason": answer.get("reason")})
        if not self._waiting():
            self._pending_since = self.clock()
        self._pending.append((event, rendered.file_name, log_ctx))

    def _report_invalid(self, event: OutboxEvent, invalid: DocumentInvalid, log_ctx: dict) -> bool:
        """Tell the regulatory report why no file was written; False if Odoo
        could not be reached (the event is then retried, and the report told later)."""
        problems = [
            {"path": problem.path, "message": truncate(redact(problem.message))}
            for problem in invalid.problems
        ]
        try:
            self.gateway.report_invalid(event.res_id, event.event_uid, problems)
        except GatewayCallError as exc:  # the event's own error text still says it all
            _log.error("odoo refused the report's problems", extra={**log_ctx, "error": str(exc)})
        except GatewayError as exc:
            _log.error("odoo unreachable for the report's problems", extra={**log_ctx, "error": str(exc)})
            return False
        return True

    def _fail(self, event: OutboxEvent, failure: SyncAgentError, report: CycleReport, log_ctx: dict) -> None:
        """Journal and report a failed delivery; ``failure.retryable`` says
        whether Odoo claims the event again (after ``retry_after``, if the
        portal asked for a delay) or keeps it for a person."""
        retryable = failure.retryable
        retry_after = failure.retry_after if isinstance(failure, PortalError) else None
        # The portal's message may echo our headers or token: nothing the agent
        # writes (Odoo's last_error and chatter note, the journal, the log) keeps them.
        error = truncate(redact(str(failure)))
        self.state.record_failed(event, error)
        if retryable:
            report.failed_retryable += 1
        else:
            report.failed_permanent += 1
        self._queue(_failed(event.event_uid, error, retryable=retryable, retry_after=retry_after), log_ctx)
        _log.warning(
            "delivery failed",
            extra={**log_ctx, "error": error, "retryable": retryable, "retry_after": retry_after},
        )

    def _release(self, uids: list[str]) -> int:
        if not uids:
            return 0
        try:
            released = self.gateway.sync_release(self.settings.agent_id, uids)
        except GatewayError as exc:
            _log.error(
                "releasing leases failed; they will expire", extra={"count": len(uids), "error": str(exc)}
            )
            return 0
        _log.info("leases released", extra={"count": released})
        return released

    def prune_journal(self) -> None:
        """Drop journal rows older than the retention (run daily by :meth:`run`)."""
        removed = self.state.prune(self.settings.journal_retention_days)
        _log.info("journal pruned", extra={"rows": removed})

    # -- replay ------------------------------------------------------------------
    def replay(self, event_uid: str) -> CycleReport:
        """Deliver one failed event again from the journal (same Idempotency-Key,
        so the portal applies it at most once) and ack it. Odoo takes the ack
        only while the event is leased; for a dead event the journal keeps the
        delivery, and once a person requeues it in Odoo the next claim acks it
        without posting again."""
        event = self.state.stored_event(event_uid)
        if event is None:
            raise LookupError(f"event {event_uid} is not in the local journal (only failed events are kept)")
        report = CycleReport(claimed=1)
        self.process(event, report, self.state.get(event_uid))
        self.flush(report)
        return report

    # -- the loop ------------------------------------------------------------------
    def drain(self, max_cycles: int = 10) -> CycleReport:
        """Run cycles while full batches come back (catching up after a pause),
        at most ``max_cycles`` so that other jobs (answer polls) get their turn;
        :meth:`run` calls again at once while a backlog remains."""
        total = CycleReport()
        self._backlog = False
        for _ in range(max_cycles):
            if self.stop_event.is_set():
                break
            try:
                report = self.run_once()
            except GatewayError as exc:
                _log.error("claiming from odoo failed; retrying at the next poll", extra={"error": str(exc)})
                break
            for field in CycleReport.model_fields:
                setattr(total, field, getattr(total, field) + getattr(report, field))
            if report.claimed < self.settings.batch_size:
                break
        else:
            self._backlog = True
        return total

    def run(
        self, *, extra_jobs: Sequence[tuple[float, Callable[[], Any]]] = (), install_signals: bool = True
    ) -> None:
        """Poll until stopped. ``extra_jobs`` are (interval seconds, job) pairs,
        e.g. the answer poller. SIGTERM/SIGINT request a graceful stop; a second
        signal exits at once (leases then expire; the journal and the
        Idempotency-Key keep that safe)."""
        scheduler = schedule.Scheduler()
        # schedule takes fractional intervals, although its hints say int
        scheduler.every(self.settings.poll_interval).seconds.do(_guarded, self.drain)  # type: ignore[arg-type]
        for interval, job in extra_jobs:
            scheduler.every(interval).seconds.do(_guarded, job)  # type: ignore[arg-type]
        scheduler.every(1).days.do(_guarded, self.prune_journal)
        previous = self._install_signals() if install_signals else {}
        _log.info("agent started", extra={"agent_id": self.settings.agent_id, "targets": self.targets})
        try:
            scheduler.run_all()
            while not self.stop_event.is_set():
                scheduler.run_pending()
                if self._backlog:
                    _guarded(self.drain)
                    continue
                idle = scheduler.idle_seconds
                self.stop_event.wait(min(max(idle if idle is not None else 1.0, 0.01), 1.0))
        finally:
            self._flush_on_stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            _log.info("agent stopped", extra={"agent_id": self.settings.agent_id})

    def _flush_on_stop(self) -> None:
        """Report what waits before the loop ends (also on a second signal's exit)."""
        if not self._waiting():
            return
        try:
            self.flush(CycleReport())
        except Exception:  # noqa: BLE001 - stopping anyway; leases lapse, the journal keeps deliveries
            _log.exception("flushing outcomes on stop failed")

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def handler(signum: int, _frame: FrameType | None) -> None:
            if self.stop_event.is_set():
                raise SystemExit(128 + signum)
            _log.warning("stop requested; finishing the current event", extra={"signal": signum})
            self.request_stop()

        return {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}
