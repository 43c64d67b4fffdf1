"""One outbox contract, two sides: the same tests against the fake Odoo and a real one.

Every test below runs twice: against :class:`sync_agent.testing.FakeOdooGateway`
(in memory, the stand-in of the agent's unit tests and the benchmark) and
against a real Odoo with the addon and demo data, through the agent's own
:class:`sync_agent.outbox.gateway.OdooRpcGateway` signed in as the demo integration
user with an API key (marked ``odoo``, like the other e2e tests). Every call's
arguments and answer are validated against
``mappings/schemas/outbox_rpc_v1.schema.json``, and the tests assert the
behaviour the worker relies on: leases that never overlap, attempts counted
at claim time, acks and fails only by the lease holder (one at a time or a
flush's worth in one ``sync_results`` call), releases that take the attempt
back, a status that lists the claiming agent, supplier answers applied once,
and a regulatory report told about its file, its problems and an FDA
acknowledgement.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sync_agent import OdooGateway, OdooRpcGateway, OdooSettings
from sync_agent.outbox.contract import contract_errors
from sync_agent.outbox.gateway import REPORT_MODEL
from sync_agent.testing import FakeOdooGateway

from odoo_harness.e2e import AGENT_LOGIN, OdooClient, OdooServer, Outbox

TARGET = "supplier_portal"


@dataclass
class Side:
    """One implementation of the outbox, with the few test hooks the contract tests need."""

    name: str
    gateway: OdooGateway
    #: Queue ``n`` events for ``TARGET``, each on a record of its own; their uids.
    new_events: Callable[[int], list[str]]
    #: The state of an event (pending, leased, done, dead...), read as a person would.
    state: Callable[[str], str]
    #: A SCAR sent to the supplier, steps D3 and D4 requested: its number.
    new_scar: Callable[[], str]
    #: A draft regulatory report whose file was asked for: (report id, its render event's uid).
    new_report: Callable[[], tuple[int, str]]


def _fake_side() -> Side:
    gateway = FakeOdooGateway(check_contract=True, per_record_order=True)
    res_ids = iter(range(1, 10_000))

    def new_events(count: int) -> list[str]:
        return [
            gateway.add_event({"scar": {"number": "SCAR"}}, target=TARGET, res_id=next(res_ids))
            for _ in range(count)
        ]

    reports = iter(range(1, 10_000))

    def new_report() -> tuple[int, str]:
        report_id = next(reports)
        return report_id, gateway.add_event(
            {}, target="eu_mir_7_2_1", res_model=REPORT_MODEL, res_id=report_id
        )

    scars = iter(range(1, 10_000))
    return Side(
        "fake",
        gateway,
        new_events,
        lambda uid: gateway.event(uid).state,
        lambda: f"SCAR-FAKE-{next(scars):04d}",
        new_report,
    )


def _odoo_side(request: pytest.FixtureRequest) -> Side:
    request.getfixturevalue("quiet_outbox")  # only this test's events are due for the portal
    server: OdooServer = request.getfixturevalue("odoo_server")
    outbox: Outbox = request.getfixturevalue("outbox")
    settings = OdooSettings(
        url=server.url,
        db=server.db,
        user=AGENT_LOGIN[0],
        api_key=request.getfixturevalue("api_key"),
        timeout=30,
    )

    def new_events(count: int) -> list[str]:
        return [scar.event_uid for scar in outbox.send_scars(count, f"contract {request.node.name}")]

    admin: OdooClient = request.getfixturevalue("admin")

    def new_report() -> tuple[int, str]:
        """A draft copy of the demo's EU report, its file asked for (Render & Validate)."""
        demo = outbox.ref("demo_report_eu_followup")
        [regulator_ref] = [
            row["regulator_ref"]
            for row in admin.search_read(REPORT_MODEL, [("id", "=", demo)], ["regulator_ref"])
        ]
        [report_id] = admin.call(REPORT_MODEL, "copy", [demo], {"regulator_ref": regulator_ref})
        admin.call(REPORT_MODEL, "action_render", [report_id])
        [row] = admin.search_read(REPORT_MODEL, [("id", "=", report_id)], ["render_event_uid"])
        return report_id, row["render_event_uid"]

    return Side(
        "odoo",
        OdooRpcGateway(settings),
        new_events,
        lambda uid: outbox.events([uid])[uid]["state"],
        lambda: outbox.send_scars(1, f"contract {request.node.name}")[0].name,
        new_report,
    )


@pytest.fixture(params=["fake", pytest.param("odoo", marks=pytest.mark.odoo)])
def side(request: pytest.FixtureRequest) -> Side:
    return _fake_side() if request.param == "fake" else _odoo_side(request)


def _agent() -> str:
    return f"contract-{uuid.uuid4().hex[:8]}"


def call(side: Side, method: str, *args: Any) -> Any:
    """Call ``method`` on the side's gateway, holding arguments and answer to the contract
    (the gateway's method names are Odoo's, without the ``sync_`` of the report calls)."""
    name = method.removeprefix("sync_")
    assert contract_errors(f"{name}_arguments", list(args)) == [], f"{side.name}: {method} arguments"
    answer = getattr(side.gateway, method)(*args)
    # The gateway turns Odoo's false (lease not held) into "not-leased".
    definition = "fail_gateway_answer" if name == "fail" else f"{name}_answer"
    problems = contract_errors(definition, answer)
    assert problems == [], f"{side.name}: {method} answered {answer!r}: {problems}"
    return answer


def test_claims_lease_each_due_event_once_and_count_the_attempt(side: Side) -> None:
    uids = side.new_events(3)
    first = call(side, "sync_claim", _agent(), 2, 60, [TARGET])
    second = call(side, "sync_claim", _agent(), 10, 60, [TARGET])
    assert len(first) == 2 and len(second) == 1
    assert {e["event_uid"] for e in first} | {e["event_uid"] for e in second} == set(uids)
    assert [e["attempts"] for e in first + second] == [1, 1, 1]
    assert call(side, "sync_claim", _agent(), 10, 60, [TARGET]) == [], "leased events are nobody else's"
    assert call(side, "sync_claim", _agent(), 10, 60, ["no_such_target"]) == []


def test_only_the_lease_holder_acks_and_acking_twice_is_harmless(side: Side) -> None:
    [uid] = side.new_events(1)
    holder, other = _agent(), _agent()
    [event] = call(side, "sync_claim", holder, 10, 60, [TARGET])
    assert event["event_uid"] == uid and event["target"] == TARGET
    assert call(side, "sync_ack", other, uid, "R-1") is False
    assert side.state(uid) == "leased"
    assert call(side, "sync_ack", holder, uid, "R-1") is True
    assert call(side, "sync_ack", holder, uid, None) is True
    assert side.state(uid) == "done"


def test_fail_retries_later_dead_letters_permanent_errors_and_ignores_others(side: Side) -> None:
    side.new_events(3)
    holder = _agent()
    retry, permanent, kept = (e["event_uid"] for e in call(side, "sync_claim", holder, 10, 60, [TARGET]))
    assert call(side, "sync_fail", holder, retry, "portal answered 503", True, None) == "pending"
    assert call(side, "sync_fail", holder, permanent, "portal answered 422: bad field", False, None) == "dead"
    assert call(side, "sync_fail", _agent(), kept, "not my lease", True, None) == "not-leased"
    assert [side.state(uid) for uid in (retry, permanent, kept)] == ["pending", "dead", "leased"]
    assert call(side, "sync_claim", _agent(), 10, 60, [TARGET]) == [], "the retry waits for its backoff"


def test_release_hands_back_only_held_leases_and_takes_the_attempt_back(side: Side) -> None:
    side.new_events(2)
    holder = _agent()
    first, second = (e["event_uid"] for e in call(side, "sync_claim", holder, 10, 60, [TARGET]))
    assert call(side, "sync_release", _agent(), [first, second]) == 0
    assert call(side, "sync_release", holder, [first]) == 1
    assert call(side, "sync_release", holder, [first]) == 0, "released already"
    assert side.state(first) == "pending" and side.state(second) == "leased"
    [again] = call(side, "sync_claim", _agent(), 10, 60, [TARGET])
    assert (again["event_uid"], again["attempts"]) == (first, 1)


def test_status_counts_events_and_lists_the_agent_that_claimed(side: Side) -> None:
    before = call(side, "sync_status")
    side.new_events(2)
    agent = _agent()
    [claimed] = call(side, "sync_claim", agent, 1, 60, [TARGET])
    after = call(side, "sync_status")
    delta = {state: after["counts"][state] - before["counts"][state] for state in ("pending", "leased")}
    assert delta == {"pending": 1, "leased": 1}
    assert after["oldest_pending"] is not None
    [seen] = [row for row in after["agents"] if row["agent_id"] == agent]
    assert (seen["last_claim_count"], seen["silent"]) == (1, False)
    assert after["agents"][0]["agent_id"] == agent, "newest claim first"
    assert after["agent_notice"] is None, "an agent has just claimed"
    call(side, "sync_ack", agent, claimed["event_uid"], None)


def test_answers_about_an_unknown_event_change_nothing_and_raise_nothing(side: Side) -> None:
    """An event the agent remembers but Odoo no longer has (a restored database, a typo) is
    held by nobody: the agent gets the ordinary refusals, not an error to crash on."""
    unknown = str(uuid.uuid4())
    agent = _agent()
    assert call(side, "sync_ack", agent, unknown, "R-1") is False
    assert call(side, "sync_fail", agent, unknown, "portal answered 503", True, None) == "not-leased"
    assert call(side, "sync_release", agent, [unknown]) == 0


def _done(uid: str, ref: str | None = None) -> dict[str, Any]:
    return {"event_uid": uid, "outcome": "done", "remote_ref": ref}


def _failed(uid: str, error: str, retryable: bool, retry_after: float | None = None) -> dict[str, Any]:
    return {
        "event_uid": uid,
        "outcome": "failed",
        "error": error,
        "retryable": retryable,
        "retry_after": retry_after,
    }


def test_one_flush_reports_acks_and_fails_in_one_call_answered_in_order(side: Side) -> None:
    side.new_events(4)
    holder, other = _agent(), _agent()
    sent, retried, dead, theirs = (e["event_uid"] for e in call(side, "sync_claim", holder, 10, 60, [TARGET]))
    answers = call(
        side,
        "sync_results",
        holder,
        [
            _done(sent, "R-1"),
            _failed(retried, "portal answered 503", True, 30.0),
            _failed(dead, "portal answered 422", False),
        ],
    )
    assert answers == ["done", "pending", "dead"]
    assert [side.state(uid) for uid in (sent, retried, dead, theirs)] == ["done", "pending", "dead", "leased"]
    assert call(
        side, "sync_results", other, [_done(theirs, "X"), _done(sent, None), _failed(theirs, "x", True)]
    ) == [
        "not-leased",
        "done",
        "not-leased",
    ], "only the holder's answers count; a sent event is answered done again"
    assert side.state(theirs) == "leased"
    assert call(side, "sync_results", holder, [_done(theirs, "R-4"), _done(str(uuid.uuid4()))]) == [
        "done",
        "not-leased",
    ]
    assert call(side, "sync_results", holder, []) == []


def test_a_supplier_answer_is_applied_once_and_a_refused_one_recorded_once(side: Side) -> None:
    scar = side.new_scar()
    answer = {
        "answer_id": f"contract-{uuid.uuid4().hex[:8]}",
        "status": "valid",
        "reject_reason": None,
        "scar_ref": scar,
        "step": "D3",
        "submitted_at": "2026-11-20T10:00:00Z",
        "author": "J. Smith",
        "supplier_complaint_id": "SUP-77",
        "summary": "Root cause: worn fixture",
        "report": {"stepD3": {"note": "worn fixture"}},
    }
    assert call(side, "sync_apply_supplier_answer", scar, answer) == {"status": "applied", "step": "D3"}
    assert call(side, "sync_apply_supplier_answer", scar, answer) == {"status": "duplicate", "step": "D3"}
    refusal = {
        "answer_id": f"contract-{uuid.uuid4().hex[:8]}",
        "status": "rejected",
        "reject_reason": "step: Input should be 'D0'",
        "raw_json": '{"step": "D9"}',
    }
    assert call(side, "sync_apply_supplier_answer", scar, refusal) == {"status": "refused_recorded"}
    assert call(side, "sync_apply_supplier_answer", scar, refusal) == {"status": "duplicate", "step": None}


def test_a_report_is_told_its_problems_then_given_its_file(side: Side) -> None:
    report_id, uid = side.new_report()
    problems = [{"path": "/incident/admin_info/ncaReportNo", "message": "Missing child element(s)."}]
    assert call(side, "report_invalid", report_id, uid, problems) == {"applied": True, "state": "draft"}
    content = b"<incident/>"
    b64, digest = base64.b64encode(content).decode(), hashlib.sha256(content).hexdigest()
    assert call(side, "report_rendered", report_id, uid, "RR_MIR_followup.xml", b64, digest) == {
        "applied": True,
        "state": "validated",
    }


def test_an_acknowledgement_of_no_known_report_matches_nothing(side: Side) -> None:
    ack = {
        "kind": "ACK3",
        "report_number": f"1-2026-{uuid.uuid4().int % 100000:05d}",
        "batch_id": None,
        "core_id": None,
        "message_id": None,
        "status": "accepted",
        "received_at": "2026-11-20T10:00:00Z",
        "errors": [],
    }
    assert call(side, "apply_acknowledgement", ack) == {"matched": False, "report": None, "state": None}
