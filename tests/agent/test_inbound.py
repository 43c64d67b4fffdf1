"""Supplier answers: validated whole, applied once, rejected visibly, cursor safe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync_agent import AnswerPoller, GatewayCallError, MappingRegistry, PortalClient, StateStore
from sync_agent.answers.supplier import MAX_APPLY_ATTEMPTS
from sync_agent.mapping.schemas import load_schema
from sync_agent.testing.demo_portal import supplier_answer
from sync_agent.testing import FakeOdooGateway, Fault, LoopbackPortal

from agent_helpers import MAPPINGS, portal_settings

REPORT8D = load_schema(MAPPINGS / "schemas" / "io.catenax.report_8d_1.0.0_gen_Report8D-schema.json")


def answer(n: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "answer_id": f"ans-{n}",
        "scar_ref": "SCAR-2025-0042",
        "step": "D3",
        "submitted_at": "2025-01-03T10:00:00+00:00",
        "author": "Supplier SQE",
        "summary": "Stock sorted, 12 parts blocked",
        "report": {
            "stepD3": {
                "descriptionOfInterimContainmentActions": [
                    {
                        "proofOfEffectiveness": "Sorting record",
                        "introductionDate": "2025-01-03",
                        "effectivenessResult": 100,
                    }
                ]
            }
        },
    }
    data.update(changes)
    return data


@pytest.fixture
def setup(
    tmp_path: Path, portal_server: LoopbackPortal
) -> Iterator[tuple[AnswerPoller, FakeOdooGateway, LoopbackPortal, StateStore]]:
    gateway = FakeOdooGateway()
    client = PortalClient(portal_settings(portal_server.base_url, answers_page_size=2), sleep=lambda _s: None)
    state = StateStore(tmp_path / "s.sqlite3")
    poller = AnswerPoller(gateway=gateway, portal=client, state=state, report_schema=REPORT8D)
    yield poller, gateway, portal_server, state
    client.close()
    state.close()


def test_valid_answers_are_applied_once_across_pages(setup: Any) -> None:
    poller, gateway, server, state = setup
    for n in range(3):
        server.add_answer(answer(n))
    report = poller.poll()
    assert (report.applied, report.pages) == (3, 2)
    scar_ref, applied = gateway.answers[0]
    assert scar_ref == "SCAR-2025-0042"
    assert applied["status"] == "valid" and applied["answer_id"] == "ans-0" and applied["step"] == "D3"
    assert (
        applied["report"]["stepD3"]["descriptionOfInterimContainmentActions"][0]["effectivenessResult"] == 100
    )
    assert state.cursor("answers:supplier_portal") == "3"
    assert poller.poll().applied == 0 and len(gateway.answers) == 3  # nothing new, nothing twice


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (answer(1, step="D9"), "step: Input should be 'D0'"),
        (answer(1, submitted_at="yesterday"), "submitted_at: Input should be a valid datetime"),
        (answer(1, submitted_at="2025-01-03T10:00:00"), "submitted_at: Input should have timezone info"),
        (answer(1, surprise=True), "surprise: Extra inputs are not permitted"),
        (answer(1, report={"stepD4": {"causes": []}}), "report holds stepD4 but the answer is for step D3"),
        (
            answer(
                1,
                report={
                    "stepD3": {"descriptionOfInterimContainmentActions": [{"introductionDate": "03.01.2025"}]}
                },
            ),
            "report does not match Report8D: $.stepD3.descriptionOfInterimContainmentActions[0]",
        ),
    ],
)
def test_invalid_answers_are_sent_to_odoo_as_rejected_with_reason(setup: Any, bad: dict, reason: str) -> None:
    poller, gateway, server, state = setup
    server.add_answer(bad)
    server.add_answer(answer(2))
    report = poller.poll()
    assert (report.rejected, report.applied) == (1, 1)
    scar_ref, rejected = gateway.answers[0]
    assert scar_ref == "SCAR-2025-0042" and rejected["status"] == "rejected"
    assert reason in rejected["reject_reason"]
    assert '"answer_id": "ans-1"' in rejected["raw_json"]
    assert "report" not in rejected  # nothing of a rejected answer is applied
    assert state.answer_status("ans-1") == ("rejected", 1)


def test_answer_without_scar_ref_is_kept_locally(setup: Any) -> None:
    poller, gateway, server, state = setup
    server.add_answer({"hello": "world"})
    report = poller.poll()
    assert report.rejected == 1 and gateway.answers == []
    assert state.summary()["answers"] == {"rejected": 1}


def test_odoo_unreachable_keeps_the_cursor_and_retries_later(setup: Any) -> None:
    poller, gateway, server, state = setup
    server.add_answer(answer(0))
    gateway.unavailable = True
    assert poller.poll().applied == 0
    assert state.cursor("answers:supplier_portal") is None
    gateway.unavailable = False
    assert poller.poll().applied == 1


def test_partially_applied_page_is_not_applied_twice(setup: Any) -> None:
    poller, gateway, server, state = setup
    server.add_answer(answer(0))
    server.add_answer(answer(1))
    real = gateway.sync_apply_supplier_answer
    calls = {"n": 0}

    def flaky(scar_ref: str, data: dict) -> dict:
        calls["n"] += 1
        if calls["n"] == 2:
            gateway.unavailable = True
            try:
                gateway._check()
            finally:
                gateway.unavailable = False
        return real(scar_ref, data)

    gateway.sync_apply_supplier_answer = flaky  # type: ignore[method-assign]
    first = poller.poll()
    assert first.applied == 1 and state.cursor("answers:supplier_portal") is None
    second = poller.poll()
    assert (second.skipped, second.applied) == (1, 1)
    assert [a["answer_id"] for _, a in gateway.answers] == ["ans-0", "ans-1"]


def test_answer_odoo_keeps_refusing_is_given_up_after_bounded_attempts(setup: Any) -> None:
    poller, gateway, server, state = setup
    server.add_answer(answer(0, scar_ref="SCAR-UNKNOWN"))
    server.add_answer(answer(1))
    gateway.answer_errors["SCAR-UNKNOWN"] = GatewayCallError(
        "quality.sync.event.sync_apply_supplier_answer: no SCAR SCAR-UNKNOWN"
    )
    for _ in range(MAX_APPLY_ATTEMPTS - 1):
        assert poller.poll().errors == 1
        assert gateway.answers == []  # the feed waits behind it, in order
    last = poller.poll()
    assert (last.errors, last.applied) == (1, 1)
    assert state.answer_status("ans-0") == ("abandoned", MAX_APPLY_ATTEMPTS)


def test_portal_errors_end_the_poll_without_moving_the_cursor(setup: Any) -> None:
    poller, gateway, server, state = setup
    server.add_answer(answer(0))
    server.inject(Fault(status=500, method="GET"), times=3)
    assert poller.poll().pages == 0
    assert state.cursor("answers:supplier_portal") is None
    assert poller.poll().applied == 1


def test_answer_odoo_refuses_as_a_business_error_is_not_retried(setup: Any) -> None:
    poller, gateway, server, state = setup
    server.add_answer(answer(0, scar_ref="SCAR-CLOSED"))
    server.add_answer(answer(1))
    gateway.answer_errors["SCAR-CLOSED"] = GatewayCallError(
        "quality.sync.event.sync_apply_supplier_answer: SCAR SCAR-CLOSED is closed and takes no answers.",
        "odoo.exceptions.UserError",
    )
    report = poller.poll()
    assert (report.errors, report.applied) == (1, 1)
    assert state.answer_status("ans-0") == ("refused", 1)
    assert state.cursor("answers:supplier_portal") == "2"  # the feed moved on


def test_root_causes_and_actions_reach_odoo_in_our_terms(
    tmp_path: Path, portal_server: LoopbackPortal
) -> None:
    """The mapping's answers block turns Report8D codes into our kind and level, before Odoo."""
    registry = MappingRegistry.load_dir(MAPPINGS)
    gateway = FakeOdooGateway(check_contract=True)  # the structured answer is in the RPC contract
    client = PortalClient(portal_settings(portal_server.base_url), sleep=lambda _s: None)
    state = StateStore(tmp_path / "s.sqlite3")
    poller = AnswerPoller(
        gateway=gateway,
        portal=client,
        state=state,
        report_schema=REPORT8D,
        answer_mapping=registry.answers_for("supplier_portal"),
    )
    d4 = supplier_answer("SCAR-2025-0042")
    d4["report"]["stepD4"]["causes"][1]["typeOfCauses"] = "SUN"
    measure = {
        "measure": "New core pin, wear check every 50,000 shots",
        "responsiblePerson": "Chen Jing",
        "introductionDate": "2025-01-20",
        "proofOfEffectiveness": "Leak test of 3 lots",
        "status": "open",
    }
    d5 = answer(5, step="D5", report={"stepD5": {"definePermanentCorrectiveActions": [measure]}})
    portal_server.add_answer(d4)
    portal_server.add_answer(d5)
    try:
        assert poller.poll().applied == 2
    finally:
        client.close()
        state.close()
    [(_ref, cause_answer), (_ref2, action_answer)] = gateway.answers
    assert [(c["kind"], c["level"]) for c in cause_answer["causes"]] == [
        ("occurrence", "technical"),
        ("non_detection", "systemic"),
    ]
    assert cause_answer["causes"][0]["description"].startswith("Worn core pin")
    assert cause_answer["report"] == d4["report"], "the step as the portal sent it stays with the answer"
    assert action_answer["actions"] == [
        {
            "action": "New core pin, wear check every 50,000 shots",
            "responsible": "Chen Jing",
            "date": "2025-01-20",
            "proof": "Leak test of 3 lots",
            "status": "open",
        }
    ]


def test_without_an_answers_block_the_answer_goes_as_before(setup: Any) -> None:
    poller, gateway, server, _state = setup
    server.add_answer(supplier_answer("SCAR-2025-0042"))
    assert poller.poll().applied == 1
    [(_ref, applied)] = gateway.answers
    assert "causes" not in applied and applied["report"]["stepD4"]["causes"]
