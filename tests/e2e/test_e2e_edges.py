"""The outbox's promises at the edges (issue #16), against a real Odoo and a
loopback portal: hostile dates, oversized fields, a partner that echoes our
credentials, and a day-long outage on a controlled clock.

The clock: Odoo's outbox schedules retries on its own wall clock. Instead of
waiting a day, the test moves the event's stored times (its first failure,
retry window and next attempt) back by the wait Odoo chose, which is the same
as moving the clock forward; every decision is still Odoo's ``sync_claim`` and
``sync_fail``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from sync_agent.testing import Fault

from odoo_harness.e2e import (
    PORTAL_TOKEN,
    AgentLauncher,
    AgentProcess,
    OdooClient,
    OdooServer,
    Outbox,
    RecordingPortal,
    odoo_time,
    psql,
    write_agent_config,
)

pytestmark = pytest.mark.odoo


def _report(agent: AgentProcess) -> dict:
    assert agent.proc.returncode == 0, (
        f"complaints-sync exited with {agent.proc.returncode}\n{agent.describe()}"
    )
    return json.loads(agent.stdout())


def _set_payload(odoo_server: OdooServer, uid: str, path: str, value_sql: str) -> None:
    """Put a hostile value into an event's payload, as a faulty or hostile writer would."""
    psql(
        odoo_server.harness.pg,
        odoo_server.db,
        f"UPDATE quality_sync_event SET payload = jsonb_set(payload::jsonb, '{path}', {value_sql})"
        " WHERE event_uid = :'p1'",
        uid,
    )


def _notes(outbox: Outbox, scar_id: int) -> str:
    return "\n".join(outbox.messages("quality.scar", scar_id))


def test_out_of_range_dates_fail_for_good_naming_field_value_and_rule(
    quiet_outbox: None,
    agents: AgentLauncher,
    portal: RecordingPortal,
    outbox: Outbox,
    odoo_server: OdooServer,
) -> None:
    late, early = outbox.send_scars(2, "hostile dates")
    values = {late: "9999-12-31T23:59:59-05:00", early: "0001-01-01T00:00:00+01:00"}
    for scar, value in values.items():
        _set_payload(odoo_server, scar.event_uid, "{scar,revised_at}", f"to_jsonb('{value}'::text)")

    report = _report(agents.run(["once"]))
    assert report["delivery"]["failed_permanent"] >= 2, report
    assert portal.post_exchanges([late.event_uid, early.event_uid]) == [], "nothing is sent"
    events = outbox.events([late.event_uid, early.event_uid])
    for scar, value in values.items():
        event = events[scar.event_uid]
        assert (event["state"], event["attempts"]) == ("dead", 1), event
        error = event["last_error"] or ""
        assert "$.payload.scar.revised_at" in error, error
        assert (
            f"header.lastRevisionDate <- scar.revised_at: iso_date: {value!r} is outside the years 1900-2099"
            in error
        )
        assert "internal error" not in error and "OverflowError" not in error
        assert "outside the years 1900-2099" in _notes(outbox, scar.id)


def test_an_oversized_field_fails_for_good_naming_it_and_nothing_is_sent(
    quiet_outbox: None,
    agents: AgentLauncher,
    portal: RecordingPortal,
    outbox: Outbox,
    odoo_server: OdooServer,
) -> None:
    [scar] = outbox.send_scars(1, "oversized field")
    _set_payload(odoo_server, scar.event_uid, "{scar,location}", "to_jsonb(repeat('L', 1048576))")

    report = _report(agents.run(["once"]))
    assert report["delivery"]["failed_permanent"] >= 1, report
    assert portal.post_exchanges([scar.event_uid]) == [], "a 1 MB document is never posted"
    event = outbox.events([scar.event_uid])[scar.event_uid]
    assert event["state"] == "dead", event
    error = event["last_error"] or ""
    assert "$.payload.scar.location" in error and "document too large, nothing sent" in error, error
    assert "1048576 characters long, more than the limit of 20000" in error
    assert len(error) <= 2000


def test_credentials_a_portal_echoes_are_stored_nowhere(
    quiet_outbox: None,
    agents: AgentLauncher,
    portal: RecordingPortal,
    outbox: Outbox,
    api_key: str,
    tmp_path: Path,
) -> None:
    refused, retried = outbox.send_scars(2, "echoed credentials")
    portal.inject(Fault(status=401, echo=True, method="POST"))  # refused: permanent, with a note
    portal.inject(Fault(status=503, echo=True, method="POST"), times=2)  # retried: both tries
    config = write_agent_config(tmp_path / "agent.toml", portal={"max_attempts": 2, "retry_max_wait": 1})

    agent = agents.run(["once"], env={"COMPLAINTS_SYNC_CONFIG": str(config)}, log_level="DEBUG")
    _report(agent)
    echoes = [
        p for p in portal.post_exchanges([refused.event_uid, retried.event_uid]) if p.status in (401, 503)
    ]
    assert len(echoes) == 3 and all(PORTAL_TOKEN in json.dumps(p.answer) for p in echoes), "the portal echoed"
    events = outbox.events([refused.event_uid, retried.event_uid])
    assert events[refused.event_uid]["state"] == "dead" and events[retried.event_uid]["state"] == "pending"
    stored = [events[uid]["last_error"] or "" for uid in events] + [
        _notes(outbox, refused.id),
        _notes(outbox, retried.id),
    ]
    assert '"authorization": "***"' in stored[0] and "idempotency-key" in stored[0], stored[0]
    journal = b"".join(path.read_bytes() for path in agents.workdir.glob("state.sqlite3*"))
    output = agent.stdout() + agent.stderr()
    for secret in (PORTAL_TOKEN, api_key):
        for where, text in (("Odoo", "\n".join(stored)), ("the agent's output", output)):
            assert secret not in text, f"a secret is in {where}"
        assert secret.encode() not in journal, "a secret is in the journal"


def test_a_day_long_outage_fails_nothing_and_every_event_goes_out_after(
    quiet_outbox: None,
    agents: AgentLauncher,
    portal: RecordingPortal,
    outbox: Outbox,
    odoo_server: OdooServer,
    admin: OdooClient,
    tmp_path: Path,
) -> None:
    [scar] = outbox.send_scars(1, "day-long outage")
    uid = scar.event_uid
    portal.inject(Fault(status=503, method="POST"), times=10_000)
    config = write_agent_config(tmp_path / "agent.toml", portal={"max_attempts": 1})
    env = {"COMPLAINTS_SYNC_CONFIG": str(config)}

    def travel(delta: timedelta) -> None:
        """Move the outbox's clock ``delta`` forward for this event."""
        psql(
            odoo_server.harness.pg,
            odoo_server.db,
            "UPDATE quality_sync_event SET next_attempt_at = next_attempt_at - :'p2'::interval,"
            " first_failure_at = first_failure_at - :'p2'::interval, retry_until = retry_until - :'p2'::interval"
            " WHERE event_uid = :'p1'",
            uid,
            f"{delta.total_seconds()} seconds",
        )

    def read() -> dict:
        [row] = admin.search_read(
            "quality.sync.event",
            [("event_uid", "=", uid)],
            [
                "state",
                "attempts",
                "failure_count",
                "first_failure_at",
                "retry_until",
                "next_attempt_at",
                "write_date",
            ],
        )
        return row

    elapsed, waits, runs = timedelta(), [], 0
    while elapsed < timedelta(hours=24):
        report = _report(agents.run(["once"], env=env))
        runs += 1
        event = read()
        assert event["state"] == "pending", f"failed during the outage after {elapsed}: {event}"
        wait = odoo_time(event["next_attempt_at"]) - odoo_time(event["write_date"])
        assert wait <= timedelta(hours=1, seconds=1), "never more than an hour between attempts"
        waits.append(wait)
        if runs == 5:  # the agent dies holding the event: its lease lapses, which is no failure
            psql(
                odoo_server.harness.pg,
                odoo_server.db,
                "UPDATE quality_sync_event SET state = 'leased', lease_owner = 'crashed-agent',"
                " attempts = attempts + 1, lease_expires_at = (now() at time zone 'UTC') - interval '1 second',"
                " next_attempt_at = (now() at time zone 'UTC') WHERE event_uid = :'p1'",
                uid,
            )
            assert report["delivery"]["claimed"] == 1
            crashed = _report(agents.run(["once"], env=env))
            assert crashed["delivery"]["claimed"] == 1, "the lapsed lease is due at once"
            after = read()
            assert after["failure_count"] == event["failure_count"] + 1, "only the real failure counted"
            assert after["attempts"] == event["attempts"] + 2
            event = after
            wait = odoo_time(event["next_attempt_at"]) - odoo_time(event["write_date"])
        travel(wait)
        elapsed += wait
    event = read()
    assert odoo_time(event["retry_until"]) - odoo_time(event["first_failure_at"]) == timedelta(hours=72)
    assert event["failure_count"] > 24, "tried all day long, not 8 times"
    assert max(waits) >= timedelta(minutes=59), "the wait grew to the cap"

    portal.clear_faults()  # the portal is back
    travel(odoo_time(event["next_attempt_at"]) - odoo_time(event["write_date"]))
    _report(agents.run(["once"], env=env))
    event = outbox.events([uid])[uid]
    assert event["state"] == "done" and not event["last_error"], event
    assert uid in portal.effect_keys([uid])
    assert not [n for n in outbox.messages("quality.scar", scar.id) if "failed" in n], "no failure note"
