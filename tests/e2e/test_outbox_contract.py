"""One outbox contract, two sides: the same tests against the fake Odoo and a real one.

Every test below runs twice: against :class:`sync_agent.testing.FakeOdooGateway`
(in memory, the stand-in of the agent's unit tests and the benchmark) and
against a real Odoo with the addon and demo data, through the agent's own
:class:`sync_agent.outbox.gateway.OdooRpcGateway` signed in as the demo integration
user with an API key (marked ``odoo``, like the other e2e tests). Every call's
arguments and answer are validated against
``mappings/schemas/outbox_rpc_v1.schema.json``, and the tests assert the
behaviour the worker relies on: leases that never overlap, attempts counted
at claim time, acks and fails only by the lease holder, releases that take
the attempt back, and a status that lists the claiming agent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sync_agent import OdooGateway, OdooRpcGateway, OdooSettings
from sync_agent.outbox.contract import contract_errors
from sync_agent.testing import FakeOdooGateway

from odoo_harness.e2e import AGENT_LOGIN, OdooServer, Outbox

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


def _fake_side() -> Side:
    gateway = FakeOdooGateway(check_contract=True, per_record_order=True)
    res_ids = iter(range(1, 10_000))

    def new_events(count: int) -> list[str]:
        return [
            gateway.add_event({"scar": {"number": "SCAR"}}, target=TARGET, res_id=next(res_ids))
            for _ in range(count)
        ]

    return Side("fake", gateway, new_events, lambda uid: gateway.event(uid).state)


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

    return Side("odoo", OdooRpcGateway(settings), new_events, lambda uid: outbox.events([uid])[uid]["state"])


@pytest.fixture(params=["fake", pytest.param("odoo", marks=pytest.mark.odoo)])
def side(request: pytest.FixtureRequest) -> Side:
    return _fake_side() if request.param == "fake" else _odoo_side(request)


def _agent() -> str:
    return f"contract-{uuid.uuid4().hex[:8]}"


def call(side: Side, method: str, *args: Any) -> Any:
    """Call ``method`` on the side's gateway, holding arguments and answer to the contract."""
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
