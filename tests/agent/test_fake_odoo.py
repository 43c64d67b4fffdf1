"""The in-memory outbox (FakeOdooGateway) honours the lease contract."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from sync_agent import GatewayUnavailable, OdooGateway, SyncStatus
from sync_agent.testing import FakeOdooGateway


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fake(**kwargs: object) -> tuple[FakeOdooGateway, Clock]:
    clock = Clock()
    return FakeOdooGateway(clock=clock, **kwargs), clock  # type: ignore[arg-type]


def test_it_is_an_odoo_gateway() -> None:
    assert isinstance(FakeOdooGateway(), OdooGateway)


def test_claim_leases_and_a_live_lease_is_not_claimed_again() -> None:
    gateway, clock = fake()
    uids = [gateway.add_event({"n": i}, res_id=i) for i in range(3)]
    first = gateway.sync_claim("a", 2, 60, None)
    assert [e["event_uid"] for e in first] == uids[:2]
    assert first[0] == {
        "event_uid": uids[0],
        "target": "supplier_portal",
        "event_type": "scar.created",
        "res_model": "quality.scar",
        "res_id": 0,
        "payload_version": 1,
        "payload": {"n": 0},
        "attempts": 1,  # as in the addon: a claim counts as an attempt
    }
    assert [e["event_uid"] for e in gateway.sync_claim("b", 5, 60, None)] == uids[2:]
    assert gateway.sync_claim("c", 5, 60, None) == []
    clock.now += 61  # leases lapsed: claimable again
    again = gateway.sync_claim("c", 5, 60, None)
    assert [e["event_uid"] for e in again] == uids and {e["attempts"] for e in again} == {2}


def test_claim_filters_targets() -> None:
    gateway, _ = fake()
    gateway.add_event({}, target="regulator_eu")
    uid = gateway.add_event({}, target="supplier_portal", res_id=2)
    assert [e["event_uid"] for e in gateway.sync_claim("a", 5, 60, ["supplier_portal"])] == [uid]


def test_per_record_order_is_optional() -> None:
    gateway, _ = fake(per_record_order=True)
    created = gateway.add_event({}, event_type="scar.created", res_id=7)
    updated = gateway.add_event({}, event_type="scar.updated", res_id=7)
    other = gateway.add_event({}, res_id=8)
    assert [e["event_uid"] for e in gateway.sync_claim("a", 5, 60, None)] == [created, other]
    assert gateway.sync_ack("a", created, "R-1")
    assert [e["event_uid"] for e in gateway.sync_claim("a", 5, 60, None)] == [updated]
    plain, _ = fake()
    plain.add_event({}, res_id=7)
    plain.add_event({}, res_id=7)
    assert len(plain.sync_claim("a", 5, 60, None)) == 2  # the addon's behaviour today


def test_ack_only_by_the_lease_holder_and_idempotent() -> None:
    gateway, clock = fake()
    uid = gateway.add_event({})
    gateway.sync_claim("a", 1, 60, None)
    assert gateway.sync_ack("b", uid, "R-1") is False
    assert gateway.event(uid).state == "leased"
    clock.now += 120  # lapsed but not reclaimed: still a's lease
    assert gateway.sync_ack("a", uid, "R-1") is True
    assert gateway.sync_ack("a", uid, "R-1") is True
    assert gateway.sync_ack("b", uid, "R-1") is True  # done is done
    assert gateway.event(uid).remote_ref == "R-1" and gateway.states() == {"done": 1}
    # An unknown event is held by nobody, as in Odoo (tests/e2e/test_outbox_contract.py).
    unknown = "00000000-0000-4000-8000-000000000000"
    assert gateway.sync_ack("a", unknown, None) is False
    assert gateway.sync_fail("a", unknown, "x", True, None) == "not-leased"
    assert gateway.sync_release("a", [unknown]) == 0


def test_ack_of_a_reclaimed_event_is_refused() -> None:
    gateway, clock = fake()
    uid = gateway.add_event({})
    gateway.sync_claim("a", 1, 60, None)
    clock.now += 61
    gateway.sync_claim("b", 1, 60, None)
    assert gateway.sync_ack("a", uid, "R-1") is False
    assert gateway.sync_ack("b", uid, "R-1") is True


def test_fail_backs_off_exponentially_then_dead_letters_when_the_window_ran_out() -> None:
    gateway, clock = fake(retry_window=100, backoff_base=10)
    uid = gateway.add_event({})
    gateway.sync_claim("a", 1, 60, None)
    start = clock.now
    assert gateway.sync_fail("a", uid, "portal 503", True, None) == "pending"
    assert gateway.sync_claim("a", 1, 60, None) == []  # backing off for 10 s
    clock.now += 10
    gateway.sync_claim("a", 1, 60, None)
    assert gateway.sync_fail("a", uid, "portal 503", True, 5) == "pending"
    clock.now += 19
    assert gateway.sync_claim("a", 1, 60, None) == []  # 20 s now
    clock.now += 1
    gateway.sync_claim("a", 1, 60, None)
    assert gateway.sync_fail("a", uid, "portal 503", True, 1000) == "pending"
    assert gateway.event(uid).next_attempt_at == start + 100  # Retry-After, but not past the window
    clock.now = start + 100
    gateway.sync_claim("a", 1, 60, None)
    assert gateway.sync_fail("a", uid, "portal 503 again", True, None) == "dead"
    event = gateway.event(uid)
    assert event.attempts == 4 and event.failures == 4
    assert (
        event.last_error
        == "Retry window of 0.0 hours ran out (4 failed attempts); last error: portal 503 again"
    )


def test_lapsed_leases_are_no_failures() -> None:
    gateway, clock = fake(retry_window=100)
    uid = gateway.add_event({})
    for _ in range(10):  # the agent dies ten times holding the event
        assert len(gateway.sync_claim("a", 1, 60, None)) == 1
        clock.now += 61
    event = gateway.event(uid)
    assert (event.attempts, event.failures, event.retry_until) == (10, 0, None)
    assert gateway.sync_fail("a", uid, "portal 503", True, None) == "pending"
    assert gateway.event(uid).retry_until == clock.now + 100


def test_an_event_that_keeps_stopping_the_agent_is_dead() -> None:
    gateway, clock = fake(lease_lapses_allowed=2)
    uid = gateway.add_event({})
    for _ in range(3):  # claimed three times, and the agent dies holding it each time
        assert [claimed["event_uid"] for claimed in gateway.sync_claim("a", 1, 60, None)] == [uid]
        clock.now += 61
    assert gateway.sync_claim("b", 1, 60, None) == [], "its third lapsed lease fails it"
    event = gateway.event(uid)
    assert (event.state, event.lease_lapses, event.failures) == ("dead", 3, 0)
    assert event.last_error == "The agent stopped 3 times while holding this event (last: a)"
    assert gateway.sync_status()["counts"]["dead"] == 1


def test_retry_after_longer_than_backoff_wins() -> None:
    gateway, clock = fake(backoff_base=1)
    uid = gateway.add_event({})
    gateway.sync_claim("a", 1, 60, None)
    gateway.sync_fail("a", uid, "429", True, 300)
    clock.now += 299
    assert gateway.sync_claim("a", 1, 60, None) == []
    clock.now += 1
    assert len(gateway.sync_claim("a", 1, 60, None)) == 1


def test_non_retryable_fail_is_dead_at_once_and_stale_fail_is_ignored() -> None:
    gateway, _ = fake()
    uid = gateway.add_event({})
    gateway.sync_claim("a", 1, 60, None)
    assert gateway.sync_fail("b", uid, "not mine", False, None) == "not-leased"
    assert gateway.sync_fail("a", uid, "$.header: invalid", False, None) == "dead"


def test_release_hands_leases_back_and_takes_the_attempt_back() -> None:
    gateway, _ = fake()
    uids = [gateway.add_event({}, res_id=i) for i in range(3)]
    gateway.sync_claim("a", 3, 60, None)
    assert gateway.sync_release("b", uids) == 0
    assert gateway.sync_release("a", uids) == 3
    again = gateway.sync_claim("b", 3, 60, None)
    assert {e["attempts"] for e in again} == {1} and len(again) == 3


def test_requeue_brings_a_dead_event_back() -> None:
    gateway, _ = fake()
    uid = gateway.add_event({})
    gateway.sync_claim("a", 1, 60, None)
    gateway.sync_fail("a", uid, "refused", False, None)
    gateway.requeue(uid)
    [again] = gateway.sync_claim("a", 1, 60, None)
    assert again["event_uid"] == uid and again["attempts"] == 1


def test_status_counts_and_oldest_pending() -> None:
    gateway, _ = fake()
    gateway.add_event({}, res_id=1)
    gateway.add_event({}, res_id=2)
    gateway.sync_claim("a", 1, 60, None)
    status = gateway.sync_status()
    assert status["counts"] == {
        "pending": 1,
        "leased": 1,
        "done": 0,
        "dead": 0,
        "cancelled": 0,
        "superseded": 0,
    }
    assert status["oldest_pending"] is not None


def test_claims_record_the_agent_and_status_says_when_none_claims_lately() -> None:
    """The fake keeps Odoo's quality.sync.agent contract: every claim, also an
    empty one, is a heartbeat; status lists the agents and the silence notice."""
    now = [datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)]
    gateway, _clock = fake(wall_clock=lambda: now[0])
    status = gateway.sync_status()
    assert (status["agents"], status["agent_notice"], status["silence_minutes"]) == ([], None, 10)
    uid = gateway.add_event({}, res_id=1)
    assert "ever claimed" in gateway.sync_status()["agent_notice"]

    assert len(gateway.sync_claim("a", 5, 60, None)) == 1
    gateway.sync_release("a", [uid])
    now[0] += timedelta(minutes=2)
    assert gateway.sync_claim("b", 5, 60, ["other_target"]) == []
    status = SyncStatus.model_validate(gateway.sync_status())
    assert [agent.agent_id for agent in status.agents] == ["b", "a"], "newest claim first"
    a = {agent.agent_id: agent for agent in status.agents}["a"]
    assert (a.first_claim_at, a.last_claim_at, a.last_events_at) == (
        "2026-01-05 08:00:00",
        "2026-01-05 08:00:00",
        "2026-01-05 08:00:00",
    )
    assert a.last_claim_count == 1 and status.agent_notice is None

    now[0] += timedelta(minutes=11)
    status = SyncStatus.model_validate(gateway.sync_status())
    assert all(agent.silent for agent in status.agents)
    assert status.agent_notice is not None and "more than 10 minutes" in status.agent_notice
    assert "(last: b)" in status.agent_notice


def test_unavailable_odoo_raises_gateway_unavailable() -> None:
    gateway, _ = fake()
    gateway.unavailable = True
    with pytest.raises(GatewayUnavailable):
        gateway.sync_claim("a", 1, 60, None)


def test_concurrent_claims_never_overlap() -> None:
    gateway, _ = fake()
    for i in range(2000):
        gateway.add_event({}, res_id=i)
    start = threading.Barrier(4)

    def agent(name: str) -> None:
        start.wait()
        while gateway.sync_claim(name, 7, 600, None):
            time.sleep(0)  # let the other agents in, as network round trips would

    threads = [threading.Thread(target=agent, args=(f"agent-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    counts = Counter(uid for _, uid in gateway.claims)
    assert len(counts) == 2000 and set(counts.values()) == {1}
    assert len({agent for agent, _ in gateway.claims}) > 1
