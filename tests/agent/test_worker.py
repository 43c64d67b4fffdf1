"""The worker end to end: FakeOdooGateway + a real HTTP portal on 127.0.0.1."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from sync_agent import CycleReport, GatewayUnavailable, OutboxEvent, PortalClient, Worker
from sync_agent.logging_setup import JsonFormatter
from sync_agent.mapping.schemas import load_schema
from sync_agent.testing import FakeOdooGateway, Fault, LoopbackPortal

from agent_helpers import MAPPINGS, PORTAL_TOKEN, example_payload, portal_settings

REPORT8D = load_schema(MAPPINGS / "schemas" / "io.catenax.report_8d_1.0.0_gen_Report8D-schema.json")
MakeWorker = Callable[..., Worker]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SimulatedCrash(BaseException):
    """Stands for the process dying (kill -9): nothing after it runs, no handler catches it."""


def payload(n: int = 0, **scar: Any) -> dict[str, Any]:
    data = example_payload()
    data["scar"]["number"] = f"SCAR-2025-{n:04d}"
    data["scar"].update(scar)
    return data


def add(gateway: FakeOdooGateway, count: int, **kwargs: Any) -> list[str]:
    return [gateway.add_event(payload(i), res_id=i, **kwargs) for i in range(count)]


def posts_by_key(server: LoopbackPortal) -> Counter[str]:
    return Counter(r.headers["idempotency-key"] for r in server.posts())


def test_happy_path_delivers_valid_report8d_and_acks(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uids = add(gateway, 3)
    report = make_worker(gateway).run_once()
    assert (report.claimed, report.delivered, report.failed_permanent) == (3, 3, 0)
    assert gateway.states() == {"done": 3}
    for request in portal_server.posts():
        assert request.path == "/api/v1/report8d"
        assert request.headers["authorization"] == f"Bearer {PORTAL_TOKEN}"
        assert request.headers["x-event-type"] == "scar.created"
        assert REPORT8D.errors(request.json()) == []
    assert set(portal_server.effects) == set(uids)
    assert {gateway.event(u).remote_ref for u in uids} == {"R-000001", "R-000002", "R-000003"}


def test_invalid_document_is_dead_with_json_path_and_never_sent(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    bad = payload()
    bad["customer"]["email"] = "not-an-email"
    uid = gateway.add_event(bad)
    report = make_worker(gateway).run_once()
    assert report.failed_permanent == 1 and portal_server.posts() == []
    event = gateway.event(uid)
    assert event.state == "dead"
    assert "$.header.customerContact.email" in (event.last_error or "")


def test_portal_400_is_dead_with_the_portals_message(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(status=400, body={"message": "supplierId V-00815 is not registered"}))
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    make_worker(gateway).run_once()
    event = gateway.event(uid)
    assert event.state == "dead" and len(portal_server.posts()) == 1
    assert event.last_error == (
        "portal answered 400 Bad Request on POST /api/v1/report8d: supplierId V-00815 is not registered"
    )


def test_500_then_success_is_one_effect(make_worker: MakeWorker, portal_server: LoopbackPortal) -> None:
    portal_server.inject(Fault(status=500), times=2)
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    make_worker(gateway).run_once()
    assert gateway.event(uid).state == "done"
    assert posts_by_key(portal_server) == {uid: 3} and list(portal_server.effects) == [uid]


def test_429_with_retry_after_then_success(make_worker: MakeWorker, portal_server: LoopbackPortal) -> None:
    portal_server.inject(Fault(status=429, retry_after="0"))
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    make_worker(gateway).run_once()
    assert gateway.event(uid).state == "done" and posts_by_key(portal_server) == {uid: 2}


def test_409_in_progress_then_the_portals_answer_acks_done_with_its_reference(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(status=409, retry_after="0", body={"message": "still in progress"}))
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    report = make_worker(gateway).run_once()
    event = gateway.event(uid)
    assert (report.delivered, report.failed_permanent, report.failed_retryable) == (1, 0, 0)
    assert event.state == "done" and event.remote_ref == "R-000001" and event.last_error is None
    assert posts_by_key(portal_server) == {uid: 2} and list(portal_server.effects) == [uid]


def test_a_409_that_outlasts_the_retries_is_retried_by_odoo_after_retry_after(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(status=409, retry_after="120", body={"message": "still in progress"}))
    clock = Clock()
    gateway = FakeOdooGateway(clock=clock)
    uid = gateway.add_event(payload())
    worker = make_worker(gateway)
    report = worker.run_once()
    event = gateway.event(uid)
    assert (report.failed_retryable, report.failed_permanent) == (1, 0)
    assert event.state == "pending" and "409 Conflict" in (event.last_error or "")  # not dead
    assert event.next_attempt_at >= clock.now + 120  # the portal's Retry-After, not Odoo's 30 s
    clock.now += 121
    worker.run_once()
    event = gateway.event(uid)
    assert event.state == "done" and event.remote_ref == "R-000001"
    assert posts_by_key(portal_server) == {uid: 2} and list(portal_server.effects) == [uid]


def test_a_timed_out_post_still_in_progress_at_the_portal_ends_done_not_failed(
    make_worker: MakeWorker,
) -> None:
    """The case of issue #11: the first POST times out on our side while the
    portal goes on applying it; the retries meet 409 (same key in progress),
    and the event must come back Done with the reference of that first POST."""
    clock = Clock()
    gateway = FakeOdooGateway(clock=clock)
    uid = gateway.add_event(payload())
    with LoopbackPortal(token=PORTAL_TOKEN, conflict_in_flight=True, conflict_retry_after="0") as server:
        server.inject(Fault(delay=1.0))  # applied after 1 s; the client gives up after 0.3 s
        client = PortalClient(portal_settings(server.base_url, read_timeout=0.3), sleep=lambda _s: None)
        worker = make_worker(gateway, portal=client)
        report = worker.run_once()
        event = gateway.event(uid)
        assert (report.failed_retryable, report.failed_permanent) == (1, 0)
        assert event.state == "pending" and "409 Conflict" in (event.last_error or "")
        assert server.conflicts == 2  # tries 2 and 3 met the first one still in progress
        deadline = time.monotonic() + 10
        while uid not in server.effects and time.monotonic() < deadline:  # the first POST finishes
            time.sleep(0.05)
        clock.now += 3600  # Odoo's backoff has passed
        worker.run_once()
        event = gateway.event(uid)
        assert event.state == "done" and event.remote_ref == "R-000001"
        assert posts_by_key(server) == {uid: 4} and list(server.effects) == [uid]


def test_persistent_503_is_failed_retryable_with_the_reason(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(status=503, retry_after="0", body={"message": "maintenance"}), times=3)
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    report = make_worker(gateway).run_once()
    event = gateway.event(uid)
    assert report.failed_retryable == 1 and event.state == "pending" and event.attempts == 1
    assert "503" in (event.last_error or "") and "maintenance" in (event.last_error or "")


def test_slow_portal_times_out_and_the_retry_does_not_apply_twice(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(delay=1.0))  # the portal applies it, but answers too late
    client = PortalClient(portal_settings(portal_server.base_url, read_timeout=0.3), sleep=lambda _s: None)
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    make_worker(gateway, portal=client).run_once()
    assert gateway.event(uid).state == "done"
    assert posts_by_key(portal_server)[uid] >= 2
    assert list(portal_server.effects) == [uid]  # deduplicated by Idempotency-Key


def test_crash_between_post_and_journal_reposts_once_safely(
    make_worker: MakeWorker, portal_server: LoopbackPortal, tmp_path: Any
) -> None:
    clock = Clock()
    gateway = FakeOdooGateway(clock=clock)
    uid = gateway.add_event(payload())

    class CrashAfterPost(PortalClient):
        def deliver(self, *args: Any, **kwargs: Any) -> Any:
            super().deliver(*args, **kwargs)
            raise SimulatedCrash

    crashing = CrashAfterPost(portal_settings(portal_server.base_url), sleep=lambda _s: None)
    state_file = tmp_path / "agent.sqlite3"
    with pytest.raises(SimulatedCrash):
        make_worker(gateway, state_file=state_file, portal=crashing).run_once()
    assert gateway.event(uid).state == "leased"  # not lost: Odoo still holds it
    clock.now += 61  # the lease runs out; the restarted agent reclaims it
    make_worker(gateway, state_file=state_file).run_once()
    event = gateway.event(uid)
    assert event.state == "done" and event.remote_ref == "R-000001"
    assert posts_by_key(portal_server) == {uid: 2}  # posted again...
    assert list(portal_server.effects) == [uid]  # ...but took effect exactly once


def test_crash_between_journal_and_ack_acks_without_posting_again(
    make_worker: MakeWorker, portal_server: LoopbackPortal, tmp_path: Any
) -> None:
    clock = Clock()
    gateway = FakeOdooGateway(clock=clock)
    uid = gateway.add_event(payload())
    real_results = gateway.sync_results
    calls = {"n": 0}

    def ack_then_crash(*args: Any) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise SimulatedCrash
        return real_results(*args)

    gateway.sync_results = ack_then_crash  # type: ignore[method-assign]
    state_file = tmp_path / "agent.sqlite3"
    with pytest.raises(SimulatedCrash):
        make_worker(gateway, state_file=state_file).run_once()
    clock.now += 61
    report = make_worker(gateway, state_file=state_file).run_once()
    assert report.acked_from_log == 1 and report.delivered == 0
    assert gateway.event(uid).state == "done" and gateway.event(uid).remote_ref == "R-000001"
    assert posts_by_key(portal_server) == {uid: 1}


def test_lost_ack_is_recovered_from_the_journal(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    clock = Clock()
    gateway = FakeOdooGateway(clock=clock)
    uid = gateway.add_event(payload())
    real_results = gateway.sync_results

    def unreachable(*_args: Any) -> list[str]:
        raise GatewayUnavailable("odoo unreachable during sync_results: timed out")

    gateway.sync_results = unreachable  # type: ignore[method-assign]
    worker = make_worker(gateway)
    assert worker.run_once().ack_lost == 1
    gateway.sync_results = real_results  # type: ignore[method-assign]
    clock.now += 61
    assert worker.run_once().acked_from_log == 1
    assert gateway.event(uid).state == "done" and posts_by_key(portal_server) == {uid: 1}


def test_two_workers_never_process_the_same_event(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uids = add(gateway, 200)
    workers = [make_worker(gateway, agent_id=f"agent-{n}", batch_size=7) for n in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def loop(worker: Worker) -> None:
        try:
            start.wait()
            while worker.run_once().claimed:
                pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert gateway.states() == {"done": 200}
    assert posts_by_key(portal_server) == dict.fromkeys(uids, 1)  # each event POSTed exactly once
    assert Counter(uid for _, uid in gateway.claims) == dict.fromkeys(uids, 1)
    assert {agent for agent, _ in gateway.claims} == {"agent-0", "agent-1"}


def test_sigterm_finishes_the_current_event_and_releases_the_rest(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(delay=0.6))  # the first POST is in flight when SIGTERM arrives
    gateway = FakeOdooGateway()
    uids = add(gateway, 5)
    worker = make_worker(gateway, batch_size=5, poll_interval=0.05)
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        worker.run()
    finally:
        timer.cancel()
    assert signal.getsignal(signal.SIGTERM) is before  # handler restored
    assert gateway.event(uids[0]).state == "done"  # the in-flight event was finished
    for uid in uids[1:]:
        event = gateway.event(uid)
        assert event.state == "pending" and event.lease_owner is None and event.attempts == 0
        assert ("release", "agent-1") in event.history
    assert len(portal_server.posts()) == 1


def test_events_whose_lease_could_run_out_are_released_not_started(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uids = add(gateway, 3)
    worker = make_worker(gateway, batch_size=3)
    # Claimed at 0; once the first event is posted, 40 of the 60 s lease are gone.
    worker.clock = lambda: 40.0 if portal_server.posts() else 0.0
    report = worker.run_once()
    assert report.delivered == 1 and report.released == 2
    assert [gateway.event(u).state for u in uids] == ["done", "pending", "pending"]


def test_malformed_claim_is_failed_naming_the_field(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uid = gateway.add_event("not a dict")  # type: ignore[arg-type]
    report = make_worker(gateway).run_once()
    assert report.skipped_invalid == 1
    event = gateway.event(uid)
    assert event.state == "dead" and event.last_error.startswith("outbox event malformed: payload:")  # type: ignore[union-attr]


def test_unknown_event_type_is_dead_with_reason(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload(), event_type="scar.archived")
    make_worker(gateway).run_once()
    assert gateway.event(uid).last_error == (
        "no mapping for target 'supplier_portal' and event type 'scar.archived'"
    )


def test_unexpected_error_keeps_the_event_retryable(
    make_worker: MakeWorker, portal_server: LoopbackPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    worker = make_worker(gateway)
    monkeypatch.setattr(worker.registry, "for_event", lambda _e: 1 / 0)
    assert worker.run_once().failed_retryable == 1
    assert gateway.event(uid).state == "pending"
    assert "internal error while mapping: ZeroDivisionError" in (gateway.event(uid).last_error or "")


def test_replay_redelivers_a_dead_event_and_a_requeue_acks_it(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(status=422, body={"message": "portal rejected supplier code"}))
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    worker = make_worker(gateway)
    worker.run_once()
    assert gateway.event(uid).state == "dead"
    report = worker.replay(uid)  # e.g. after the supplier was registered on the portal
    assert report.delivered == 1 and report.ack_lost == 1  # Odoo takes acks of leased events only
    assert list(portal_server.effects) == [uid]
    gateway.requeue(uid)  # the administrator's Requeue in Odoo
    assert worker.run_once().acked_from_log == 1  # acked from the journal, not posted again
    assert gateway.event(uid).state == "done" and len(portal_server.posts()) == 2
    with pytest.raises(LookupError, match="not in the local journal"):
        worker.replay("00000000-0000-4000-8000-000000000000")


def test_logs_are_json_with_event_context_and_no_secrets(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        portal_server.inject(Fault(status=500))
        gateway = FakeOdooGateway()
        uid = gateway.add_event(payload())
        make_worker(gateway).run_once()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    delivered = [r for r in lines if r["msg"] == "delivered"]
    assert delivered and delivered[0]["event_uid"] == uid and delivered[0]["remote_ref"] == "R-000001"
    assert any(r["msg"] == "portal call failed, retrying" for r in lines)
    assert PORTAL_TOKEN not in stream.getvalue()


def test_run_catches_up_a_backlog_without_waiting_for_the_next_poll(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    add(gateway, 60)
    worker = make_worker(gateway, batch_size=5, poll_interval=3600)  # only the first poll is scheduled
    first = worker.drain(max_cycles=2)
    assert first.delivered == 10

    def stop_when_done() -> None:
        while gateway.states().get("done", 0) < 60 and not worker.stop_event.is_set():
            threading.Event().wait(0.02)
        worker.request_stop()

    watcher = threading.Thread(target=stop_when_done)
    watcher.start()
    worker.run(install_signals=False)
    watcher.join(timeout=10)
    assert gateway.states() == {"done": 60}


def test_a_slow_batch_is_acked_in_groups_not_only_at_its_end(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    portal_server.inject(Fault(delay=0.3), times=4)  # every delivery takes longer than ACK_DELAY
    gateway = FakeOdooGateway()
    uids = add(gateway, 4)
    seen: list[str] = []

    class Spy(PortalClient):
        def deliver(self, *args: Any, **kwargs: Any) -> Any:
            seen.append(gateway.event(uids[0]).state)
            return super().deliver(*args, **kwargs)

    spy = Spy(portal_settings(portal_server.base_url), sleep=lambda _s: None)
    make_worker(gateway, portal=spy, batch_size=4).run_once()
    assert seen == ["leased", "leased", "done", "done"]  # the first ack did not wait for the batch's end
    assert gateway.states() == {"done": 4}


def test_a_batch_reports_its_acks_and_fails_in_one_call(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    """Odoo gets one sync_results call per flush, not one request per event."""
    portal_server.inject(Fault(status=422, body={"message": "unknown supplier"}))
    gateway = FakeOdooGateway(check_contract=True)
    uids = [gateway.add_event(payload(), res_id=i) for i in range(1, 6)]
    report = make_worker(gateway).run_once()
    assert (report.claimed, report.delivered, report.failed_permanent) == (5, 4, 1)
    assert gateway.results_calls == 1
    assert sorted(gateway.event(uid).state for uid in uids) == ["dead"] + ["done"] * 4


def test_a_stop_flushes_what_waits(make_worker: MakeWorker, portal_server: LoopbackPortal) -> None:
    """Outcomes still waiting when the loop ends are reported before it returns."""
    gateway = FakeOdooGateway()
    uid = gateway.add_event(payload())
    worker = make_worker(gateway)
    [event] = [
        OutboxEvent.model_validate(e) for e in gateway.sync_claim(worker.settings.agent_id, 1, 60, None)
    ]
    worker.process(event, CycleReport())
    assert gateway.event(uid).state == "leased", "the ack waits for the flush"
    worker.request_stop()
    worker.run(install_signals=False)
    assert gateway.event(uid).state == "done"
    assert worker.state.get(uid) is not None and worker.state.get(uid).delivered
