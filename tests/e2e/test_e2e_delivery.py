"""The sync agent against a real Odoo and a real (loopback) portal: delivery,
portal faults, permanent refusals and supplier answers.

Each test drives ``complaints-sync`` as a subprocess, exactly as it is run in
production, and checks two things only: what the portal received, and what a
person sees in Odoo (event states, attempts, errors, SCAR steps and notes),
read over JSON-RPC as the admin.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

from sync_agent.testing import Fault

from odoo_harness.e2e import (
    PORTAL_TOKEN,
    AgentLauncher,
    AgentProcess,
    OdooServer,
    Outbox,
    RecordingPortal,
    odoo_time,
    psql,
    wait_until,
    write_agent_config,
)

pytestmark = pytest.mark.odoo

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
REPORT8D_SCHEMA = MAPPINGS / "schemas" / "io.catenax.report_8d_1.0.0_gen_Report8D-schema.json"
STATUS_SCHEMA = MAPPINGS / "schemas" / "complaint_status_v1.schema.json"
#: What each event type is posted as (mappings/*.yaml), and the schema the portal expects.
REGULATOR_TARGETS = ("eu_mir_7_2_1", "us_emdr_3500a", "cn_nmpa_mdae")
ROUTES = {
    "scar.created": ("/api/v1/report8d", REPORT8D_SCHEMA),
    "scar.updated": ("/api/v1/report8d", REPORT8D_SCHEMA),
    "8d.step_submitted": ("/api/v1/report8d", REPORT8D_SCHEMA),
    "complaint.status": ("/api/v1/complaints/status", STATUS_SCHEMA),
}


def _validator(path: Path) -> Draft4Validator | Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = Draft4Validator if "draft-04" in schema.get("$schema", "") else Draft202012Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _report(agent: AgentProcess) -> dict:
    """The JSON that a successful ``once`` / ``status`` printed."""
    assert agent.proc.returncode == 0, (
        f"complaints-sync exited with {agent.proc.returncode}\n{agent.describe()}"
    )
    try:
        return json.loads(agent.stdout())
    except ValueError:
        raise AssertionError(f"complaints-sync printed no JSON report\n{agent.describe()}") from None


def test_once_delivers_every_pending_event_once_and_odoo_shows_them_sent(
    agents: AgentLauncher, portal: RecordingPortal, outbox: Outbox, api_key: str, tmp_path: Path
) -> None:
    scars = outbox.send_scars(4, "happy path")
    pending = outbox.pending_uids()  # ours, plus whatever the demo data left pending
    assert {s.event_uid for s in scars} <= pending
    # The demo's regulator reports are served by the same `once`, as files.
    regulator = outbox.pending_uids(REGULATOR_TARGETS)
    assert len(pending) + len(regulator) <= 20, "more pending events than one batch of `once`"

    agent = agents.run(["once"], log_level="DEBUG")  # DEBUG: the most chances for a secret to leak
    report = _report(agent)
    assert report["delivery"]["claimed"] == len(pending) + len(regulator), agent.describe()
    assert report["delivery"]["delivered"] == len(pending) + len(regulator), agent.describe()
    assert outbox.all_in_state(regulator, "done"), outbox.events(regulator)
    assert report["delivery"]["failed_retryable"] == report["delivery"]["failed_permanent"] == 0

    # The portal: every pending event exactly once, keyed by its uid, authenticated, well-formed.
    posts = portal.post_exchanges()
    assert sorted(p.key for p in posts) == sorted(pending), "each pending event must be POSTed exactly once"
    events = outbox.events(pending)
    validators = {}
    for post in posts:
        event = events[post.key]
        path, schema = ROUTES[event["event_type"]]
        assert post.path == path
        assert post.headers.get("authorization") == f"Bearer {PORTAL_TOKEN}"
        assert post.headers.get("x-event-type") == event["event_type"]
        assert post.headers.get("content-type", "").startswith("application/json")
        assert post.status == 201, post.answer
        validator = validators.setdefault(schema, _validator(schema))
        problems = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(post.document())
        ]
        assert not problems, (
            f"document of {event['event_type']} {post.key} is not valid against {schema.name}: {problems}"
        )
    by_key = {p.key: p.document() for p in posts}
    for scar in scars:
        header = by_key[scar.event_uid]["header"]
        assert header["customerComplaintId"] == scar.name
        assert header["supplierId"] == "V-00815"

    # Odoo: sent, with the portal's reference, on the first attempt.
    receipts = portal.first_receipts(pending)
    for uid, event in outbox.events(pending).items():
        assert event["state"] == "done", event
        assert event["remote_ref"] == receipts[uid], event
        assert event["attempts"] == 1, event
        assert not event["last_error"], event
        assert event["date_done"], event

    # The API key (and the portal token) never show in what the agent printed or journalled.
    output = agent.stdout() + agent.stderr()
    assert output.strip(), "expected some output from the agent"
    assert api_key not in output, "the Odoo API key appears in the agent's output"
    assert PORTAL_TOKEN not in output, "the portal token appears in the agent's output"
    for path in agents.workdir.glob("state.sqlite3*"):
        assert api_key.encode() not in path.read_bytes(), f"the Odoo API key is stored in {path.name}"


def _fault_config(tmp_path: Path) -> dict[str, str]:
    # Two tries per delivery, short timeouts; a Retry-After above 2 s goes to Odoo's schedule.
    config = write_agent_config(
        tmp_path / "agent.toml",
        portal={"connect_timeout": 1, "read_timeout": 2, "max_attempts": 2, "retry_max_wait": 2},
    )
    return {"COMPLAINTS_SYNC_CONFIG": str(config)}


def test_portal_errors_and_timeouts_are_retried_until_every_event_is_sent(
    quiet_outbox: None,
    agents: AgentLauncher,
    portal: RecordingPortal,
    outbox: Outbox,
    odoo_server: OdooServer,
    tmp_path: Path,
) -> None:
    a, b, c, d, e = outbox.send_scars(5, "portal faults")  # claimed in this order
    uids = [s.event_uid for s in (a, b, c, d, e)]
    # The portal's answers to the POSTs of the first run, in order:
    portal.inject(Fault(status=500, method="POST"), times=2)  # a: both tries fail
    portal.inject(Fault(status=429, retry_after="1", method="POST"))  # b: asked to wait 1 s ...
    portal.inject(Fault(method="POST"))  # ... then accepted
    portal.inject(Fault(delay=3.0, method="POST"), times=2)  # c: both tries time out (read timeout 2 s)
    portal.inject(Fault(status=429, retry_after="45", method="POST"))  # d: come back in 45 s
    portal.inject(Fault(status=503, method="POST"))  # e: one 503, then accepted
    env = _fault_config(tmp_path)

    started = datetime.now(timezone.utc).replace(microsecond=0)
    first = _report(agents.run(["once"], env=env))
    assert first["delivery"] == {**first["delivery"], "claimed": 5, "delivered": 2, "failed_retryable": 3}, (
        first
    )

    events = outbox.events(uids)
    for done in (b, e):
        assert events[done.event_uid]["state"] == "done" and events[done.event_uid]["attempts"] == 1
    for failed, needle in ((a, "500"), (c, "timed out"), (d, "429")):
        event = events[failed.event_uid]
        assert event["state"] == "pending" and event["attempts"] == 1, event
        assert needle in (event["last_error"] or ""), event
    # Odoo schedules the retries: exponential backoff (30 s first), at least the portal's Retry-After.
    grace = timedelta(seconds=1.5)  # Odoo stores whole seconds
    for failed in (a, c):
        assert (
            odoo_time(events[failed.event_uid]["next_attempt_at"]) >= started + timedelta(seconds=30) - grace
        )
    assert odoo_time(events[d.event_uid]["next_attempt_at"]) >= started + timedelta(seconds=45) - grace

    expected = {a.event_uid: 2, b.event_uid: 2, c.event_uid: 2, d.event_uid: 1, e.event_uid: 2}
    wait_until(  # c's second try is still being answered (slowly) after the agent gave up on it
        lambda: Counter(p.key for p in portal.post_exchanges(uids)) == expected,
        timeout=10,
        what=f"the portal to have answered the POSTs {expected}",
        diagnostics=lambda: f"POSTs: {Counter(p.key for p in portal.post_exchanges(uids))}",
    )
    posts = Counter(p.key for p in portal.post_exchanges(uids))
    b_tries = portal.post_exchanges([b.event_uid])
    assert b_tries[1].at - b_tries[0].at >= 0.9, "the agent did not honour Retry-After: 1"

    # Not due yet: a new run leaves them alone.
    second = _report(agents.run(["once"], env=env))
    assert second["delivery"]["claimed"] == 0, second
    assert Counter(p.key for p in portal.post_exchanges(uids)) == posts

    # Time passes (the test moves Odoo's schedule forward instead of waiting 45 s).
    psql(
        odoo_server.harness.pg,
        odoo_server.db,
        "UPDATE quality_sync_event SET next_attempt_at = (now() at time zone 'UTC') - interval '1 second'"
        " WHERE state = 'pending' AND event_uid IN (:'p1', :'p2', :'p3')",
        a.event_uid,
        c.event_uid,
        d.event_uid,
    )
    third = _report(agents.run(["once"], env=env))
    assert (third["delivery"]["claimed"], third["delivery"]["delivered"]) == (3, 3), third

    receipts = portal.first_receipts(uids)
    events = outbox.events(uids)
    for scar, attempts in ((a, 2), (b, 1), (c, 2), (d, 2), (e, 1)):
        event = events[scar.event_uid]
        assert event["state"] == "done", event
        assert event["attempts"] == attempts, event
        assert event["remote_ref"] == receipts[scar.event_uid], event
        assert not event["last_error"], event
    # c took effect on the portal during its first, timed-out try: the redeliveries were replays.
    c_posts = portal.post_exchanges([c.event_uid])
    assert [p.replayed for p in c_posts] == [False, True, True], [(p.status, p.replayed) for p in c_posts]
    assert portal.effect_keys(uids) == set(uids)
    assert not [p for p in portal.post_exchanges(uids) if p.status == 422], "a redelivery changed its body"


def test_permanent_refusal_marks_the_event_failed_with_the_portals_reason(
    quiet_outbox: None, agents: AgentLauncher, portal: RecordingPortal, outbox: Outbox
) -> None:
    [scar] = outbox.send_scars(1, "refused by portal")
    reason = "supplierId V-00815 is not registered for BPNL00000003CML1 (E-4711)"
    portal.inject(Fault(status=422, body={"message": reason}, method="POST"))

    report = _report(agents.run(["once"]))
    assert report["delivery"]["failed_permanent"] == 1, report
    assert len(portal.post_exchanges([scar.event_uid])) == 1, "a permanent refusal must not be retried"

    event = outbox.events([scar.event_uid])[scar.event_uid]
    assert event["state"] == "dead", event  # shown as "Failed"
    assert event["attempts"] == 1, event
    assert reason in (event["last_error"] or "") and "422" in event["last_error"], event
    notes = [body for body in outbox.messages("quality.scar", scar.id) if reason in body]
    assert notes, f"no note with the portal's reason on the SCAR: {outbox.messages('quality.scar', scar.id)}"
    assert "supplier_portal" in notes[0] and "failed" in notes[0]

    again = _report(agents.run(["once"]))
    assert again["delivery"]["claimed"] == 0, "a failed event must wait for a person, not be retried"
    assert len(portal.post_exchanges([scar.event_uid])) == 1

    # `status` shows it too: Odoo's failed count and the local journal's recent failures.
    status = _report(agents.run(["status"]))
    assert status["odoo"]["counts"]["dead"] >= 1, status
    failures = {f["event_uid"]: f["error"] for f in status["journal"]["recent_failures"]}
    assert reason in failures.get(scar.event_uid, ""), status

    # Once the portal is fixed, a person replays it, then requeues it in Odoo: sent without a second POST.
    replay = agents.run(["replay", scar.event_uid])
    assert replay.proc.returncode == 0, replay.describe()
    assert json.loads(replay.stdout())["odoo_acked"] is False  # Odoo takes acks of leased events only
    assert "Requeue" in replay.stderr(), replay.describe()
    assert outbox.events([scar.event_uid])[scar.event_uid]["state"] == "dead"
    assert len(portal.post_exchanges([scar.event_uid])) == 2
    outbox.admin.call("quality.sync.event", "action_requeue", [event["id"]])
    requeued = _report(agents.run(["once"]))
    assert (requeued["delivery"]["claimed"], requeued["delivery"]["acked_from_log"]) == (1, 1), requeued
    assert len(portal.post_exchanges([scar.event_uid])) == 2, "the requeued event was POSTed again"
    event = outbox.events([scar.event_uid])[scar.event_uid]
    assert event["state"] == "done", event
    assert event["remote_ref"] == portal.first_receipts([scar.event_uid])[scar.event_uid], event


def _valid_answer(
    scar_ref: str, answer_id: str, summary: str, submitted_at: str = "2026-01-05T07:30:00Z"
) -> dict:
    return {
        "answer_id": answer_id,
        "scar_ref": scar_ref,
        "step": "D3",
        "submitted_at": submitted_at,
        "author": "Chen Jing (PLC quality)",
        "supplier_complaint_id": "PLC-QN-E2E-1",
        "summary": summary,
        "report": {
            "stepD3": {
                "descriptionOfInterimContainmentActions": [
                    {
                        "proofOfEffectiveness": "Sorting record SR-17",
                        "introductionDate": "2026-01-05",
                        "effectivenessResult": 100,
                    }
                ]
            }
        },
    }


def test_supplier_answers_are_written_back_and_malformed_ones_refused_on_the_scar(
    quiet_outbox: None, agents: AgentLauncher, portal: RecordingPortal, outbox: Outbox, tmp_path: Path
) -> None:
    [scar] = outbox.send_scars(1, "answers", steps=("D3", "D4"))
    sent = _report(agents.run(["once"]))
    assert sent["delivery"]["delivered"] == 1 and outbox.all_in_state([scar.event_uid], "done")

    summary = "All 4,000 connectors in stock sorted with a 2 bar leak test; 18 rejects blocked."
    good = _valid_answer(scar.name, f"e2e-{scar.name}-d3", summary)
    bad = {
        **_valid_answer(scar.name, f"e2e-{scar.name}-bad", "MALFORMED ANSWER MUST NOT BE RECORDED"),
        "step": "D9",  # no such 8D step
    }
    portal.add_answer(good)
    portal.add_answer(bad)
    notes_before = outbox.messages("quality.scar", scar.id)

    report = _report(agents.run(["once"]))
    assert (report["answers"]["applied"], report["answers"]["rejected"]) == (1, 1), report

    steps = outbox.steps(scar.id)
    assert steps["D3"]["state"] == "answered", steps["D3"]
    assert steps["D3"]["answer_summary"] == summary
    assert steps["D3"]["answer_id"] == good["answer_id"]
    assert steps["D3"]["answer_author"] == good["author"]
    assert odoo_time(steps["D3"]["date_answered"]) == datetime(2026, 1, 5, 7, 30, tzinfo=timezone.utc)
    assert steps["D4"]["state"] == "requested", "the malformed answer must not touch any step"
    assert all("MALFORMED" not in (step["answer_summary"] or "") for step in steps.values())
    scar_row = outbox.admin.search_read("quality.scar", [("id", "=", scar.id)], ["supplier_complaint_ref"])[0]
    assert scar_row["supplier_complaint_ref"] == "PLC-QN-E2E-1"
    containment = outbox.admin.search_read(
        "quality.scar.containment",
        [("scar_id", "=", scar.id)],
        ["proof", "date_introduced", "effectiveness", "state"],
    )
    assert [
        (row["proof"], row["date_introduced"], row["effectiveness"], row["state"]) for row in containment
    ] == [("Sorting record SR-17", "2026-01-05", 100, "proposed")], (
        "the Report8D containment action became a row of the SCAR, proposed for review"
    )

    notes = outbox.messages("quality.scar", scar.id)
    new_notes = notes[len(notes_before) :]
    assert any("answered D3" in body and "18 rejects" in body for body in new_notes), new_notes
    refused = [body for body in new_notes if "refused" in body]
    assert refused, f"no note about the refused answer on the SCAR: {new_notes}"
    assert "step" in refused[0] and "D9" in refused[0], refused[0]

    # A new agent installation reads the whole feed again: nothing is applied or noted twice.
    fresh = {"COMPLAINTS_SYNC_STATE_FILE": str(tmp_path / "fresh-state.sqlite3")}
    _report(agents.run(["once"], env=fresh))
    assert outbox.messages("quality.scar", scar.id) == notes
    assert outbox.steps(scar.id)["D3"]["answer_id"] == good["answer_id"]


def test_answer_time_with_a_utc_offset_is_stored_in_utc(
    quiet_outbox: None, agents: AgentLauncher, portal: RecordingPortal, outbox: Outbox
) -> None:
    [scar] = outbox.send_scars(1, "answer time zone", steps=("D3",))
    portal.add_answer(
        _valid_answer(scar.name, f"e2e-{scar.name}-tz", "Sorted.", submitted_at="2026-01-05T08:30:00+01:00")
    )
    report = _report(agents.run(["once"]))
    assert report["answers"]["applied"] == 1, report
    step = outbox.steps(scar.id)["D3"]
    assert step["state"] == "answered", step
    assert odoo_time(step["date_answered"]) == datetime(2026, 1, 5, 7, 30, tzinfo=timezone.utc), (
        f"submitted_at 08:30+01:00 stored as {step['date_answered']} (UTC), expected 2026-01-05 07:30:00"
    )
