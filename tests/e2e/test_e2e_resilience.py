"""The sync agent survives what production throws at it: being killed with
SIGKILL mid-batch, a second agent working the same outbox, and Odoo going
away and coming back while the agent runs.

The promise checked each time: every event ends *Sent* in Odoo, with the
reference the portal gave it, and took effect on the portal exactly once
(a redelivery after a crash reuses the event's Idempotency-Key, and the
loopback portal, like the real one, applies a key at most once: it replays
the first answer for an identical body and refuses a changed body with 422).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from sync_agent.testing import Fault

from odoo_harness.e2e import (
    AgentLauncher,
    AgentProcess,
    OdooServer,
    Outbox,
    RecordingPortal,
    wait_until,
    write_agent_config,
)

pytestmark = pytest.mark.odoo

LEASE_SECONDS = 15
BATCH_SIZE = 10


def _run_env(tmp_path: Path, **agent: object) -> dict[str, str]:
    """Short timeouts so that a short lease is allowed (the lease must exceed one
    delivery's worst case: 2 x (1 + 3) + 1 = 9 s), quick polls."""
    config = write_agent_config(
        tmp_path / "agent.toml",
        portal={"connect_timeout": 1, "read_timeout": 3, "max_attempts": 2, "retry_max_wait": 1},
        agent={"poll_interval": 0.5, "answers_interval": 30, **agent},
    )
    return {
        "COMPLAINTS_SYNC_CONFIG": str(config),
        "COMPLAINTS_SYNC_LEASE_SECONDS": str(LEASE_SECONDS),
        "COMPLAINTS_SYNC_BATCH_SIZE": str(BATCH_SIZE),
    }


def _diagnostics(outbox: Outbox, uids: list[str], portal: RecordingPortal, *agents: AgentProcess):
    def describe() -> str:
        lines = [
            f"Odoo event states: {outbox.states(uids)}",
            f"portal: {len(portal.effect_keys(uids))}/{len(uids)} keys took effect, "
            f"{len(portal.post_exchanges(uids))} POSTs",
        ]
        lines += [agent.describe() for agent in agents]
        return "\n".join(lines)

    return describe


def _assert_sent_once_each(outbox: Outbox, portal: RecordingPortal, uids: list[str]) -> Counter:
    """Every event Sent in Odoo with the portal's first receipt; one effect per key."""
    events = outbox.events(uids)
    receipts = portal.first_receipts(uids)
    not_done = {uid: e["state"] for uid, e in events.items() if e["state"] != "done"}
    assert not not_done and len(events) == len(uids), f"events not sent: {not_done}"
    assert portal.effect_keys(uids) == set(uids), "some events never took effect on the portal"
    assert set(receipts) == set(uids)
    wrong_ref = {
        uid: (e["remote_ref"], receipts[uid]) for uid, e in events.items() if e["remote_ref"] != receipts[uid]
    }
    assert not wrong_ref, f"Odoo's partner reference differs from the portal's first receipt: {wrong_ref}"
    posts = portal.post_exchanges(uids)
    refused = [(p.key, p.status, p.answer) for p in posts if p.status != 201]
    assert not refused, f"the portal refused deliveries (a redelivery with a changed body?): {refused}"
    # Every POST after the first of a key was answered as a replay, not applied again.
    seen: set[str] = set()
    for post in sorted(posts, key=lambda p: p.at):
        assert post.replayed == (post.key in seen), f"POST of {post.key}: replayed={post.replayed}"
        seen.add(post.key)  # type: ignore[arg-type]
    return Counter(p.key for p in posts)


def test_agent_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    quiet_outbox: None, agents: AgentLauncher, portal: RecordingPortal, outbox: Outbox, tmp_path: Path
) -> None:
    uids = [s.event_uid for s in outbox.send_scars(40, "kill -9")]
    portal.inject(Fault(delay=0.3, method="POST"), times=1000)  # a slow portal: ~3 s per batch
    env = _run_env(tmp_path)

    first = agents.start(["run"], name="run-1", env=env)
    describe = _diagnostics(outbox, uids, portal, first)
    wait_until(
        lambda: len(portal.effect_keys(uids)) >= 15,
        timeout=90,
        what="15 deliveries before killing the agent",
        diagnostics=describe,
    )
    first.sigkill()
    effective_at_kill = portal.effect_keys(uids)
    leased = [uid for uid, e in outbox.events(uids).items() if e["state"] == "leased"]
    assert leased, "the agent was not killed in the middle of a batch (no event leased)\n" + describe()
    assert len(effective_at_kill) < len(uids), "everything was delivered before the kill"

    second = agents.start(["run"], name="run-2", env=env)  # same agent id and journal, as systemd would
    describe = _diagnostics(outbox, uids, portal, first, second)
    wait_until(
        lambda: outbox.all_in_state(uids, "done"),
        timeout=LEASE_SECONDS + 90,
        what="every event Sent after the restart (the killed batch after its lease lapsed)",
        diagnostics=describe,
    )
    assert second.running(), "the restarted agent died\n" + describe()
    assert second.terminate() == 0, "a SIGTERM must stop the agent cleanly\n" + describe()

    posts = _assert_sent_once_each(outbox, portal, uids)
    redelivered = sum(posts.values()) - len(uids)
    assert redelivered <= BATCH_SIZE, (
        f"{redelivered} redeliveries after one crash: more than the batch in flight"
    )


def test_two_agents_share_the_outbox_without_overlap(
    quiet_outbox: None, agents: AgentLauncher, portal: RecordingPortal, outbox: Outbox, tmp_path: Path
) -> None:
    uids = [s.event_uid for s in outbox.send_scars(30, "two agents")]
    portal.inject(Fault(delay=0.15, method="POST"), times=1000)
    env = {**_run_env(tmp_path), "COMPLAINTS_SYNC_BATCH_SIZE": "5"}
    pair = [
        agents.start(
            ["run"],
            name=name,
            env={
                **env,
                "COMPLAINTS_SYNC_AGENT_ID": f"e2e-{name}",
                "COMPLAINTS_SYNC_STATE_FILE": str(tmp_path / f"{name}.sqlite3"),
            },
        )
        for name in ("agent-a", "agent-b")
    ]
    describe = _diagnostics(outbox, uids, portal, *pair)
    wait_until(
        lambda: outbox.all_in_state(uids, "done"), timeout=120, what="every event Sent", diagnostics=describe
    )
    for agent in pair:
        assert agent.terminate() == 0, "a SIGTERM must stop the agent cleanly\n" + describe()

    posts = _assert_sent_once_each(outbox, portal, uids)
    assert set(posts.values()) == {1}, (
        f"events POSTed more than once: {[k for k, n in posts.items() if n > 1]}"
    )
    delivered = {
        agent.name: {r["event_uid"] for r in agent.log_records() if r.get("msg") == "delivered"}
        for agent in pair
    }
    a, b = delivered["agent-a"], delivered["agent-b"]
    assert not a & b, f"both agents delivered {sorted(a & b)}"
    assert a | b == set(uids)
    assert a and b, f"one agent did all the work ({len(a)} / {len(b)}): the test did not exercise two agents"


def test_agent_recovers_when_odoo_restarts_mid_run(
    quiet_outbox: None,
    agents: AgentLauncher,
    portal: RecordingPortal,
    outbox: Outbox,
    odoo_server: OdooServer,
    tmp_path: Path,
) -> None:
    uids = [s.event_uid for s in outbox.send_scars(30, "odoo restart")]
    portal.inject(Fault(delay=0.2, method="POST"), times=1000)
    agent = agents.start(["run"], name="run", env=_run_env(tmp_path))
    describe = _diagnostics(outbox, uids, portal, agent)
    wait_until(
        lambda: len(portal.effect_keys(uids)) >= 5,
        timeout=90,
        what="5 deliveries before stopping Odoo",
        diagnostics=describe,
    )
    odoo_server.stop()
    try:
        time.sleep(3)  # the agent goes on with its batch; its acks and claims fail meanwhile
        assert agent.running(), "the agent died when Odoo went away\n" + agent.describe()
    finally:
        odoo_server.start()

    wait_until(
        lambda: outbox.all_in_state(uids, "done"),
        timeout=LEASE_SECONDS + 90,
        what="every event Sent after Odoo came back",
        diagnostics=describe,
    )
    assert agent.running(), "the agent died\n" + describe()
    assert agent.terminate() == 0, "a SIGTERM must stop the agent cleanly\n" + describe()

    posts = _assert_sent_once_each(outbox, portal, uids)
    # No crash of the agent here: the journal bridges the outage, nothing is POSTed twice.
    assert set(posts.values()) == {1}, (
        f"events POSTed more than once: {[k for k, n in posts.items() if n > 1]}"
    )
    errors = [r for r in agent.log_records() if r.get("level") == "ERROR" and "odoo" in r.get("msg", "")]
    assert errors, "the agent never noticed that Odoo was gone (no ERROR about odoo in its log)"
