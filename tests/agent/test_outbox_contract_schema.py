"""The outbox RPC contract schema against the agent's models and the addon's checker.

``mappings/schemas/outbox_rpc_v1.schema.json`` is the one description of what
the agent and Odoo exchange. These tests hold the agent's pydantic models to
it (same fields, same required ones, same limits), and show that the small
first-party checker the addon's Odoo tests use (Odoo has no ``jsonschema``)
gives the same verdicts as ``jsonschema`` on the contract.
"""

from __future__ import annotations

import copy
import importlib.util
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from sync_agent import ContractViolation, OutboxEvent, SyncStatus, packaged_mappings_dir
from sync_agent.outbox.models import AgentSeen
from sync_agent.outbox.contract import CONTRACT_FILE, check_contract, contract_errors, outbox_contract
from sync_agent.testing import FakeOdooGateway


ADDON_CHECKER = Path(__file__).resolve().parents[2] / "odoo_addon_complaints/tests/outbox_contract.py"


def _addon_checker() -> Any:
    spec = importlib.util.spec_from_file_location("_addon_outbox_contract", ADDON_CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_contract_is_a_valid_schema_in_the_shipped_mappings() -> None:
    assert (packaged_mappings_dir() / CONTRACT_FILE).is_file()
    Draft202012Validator.check_schema(outbox_contract())
    names = set(outbox_contract()["$defs"])
    for call in ("claim", "ack", "fail", "release", "status"):
        assert {f"{call}_arguments", f"{call}_answer"} <= names, call


@pytest.mark.parametrize(
    ("model", "definition"),
    [(OutboxEvent, "event"), (AgentSeen, "agent_seen"), (SyncStatus, "status_answer")],
)
def test_the_agent_models_have_the_contracts_fields(model: type[BaseModel], definition: str) -> None:
    """Every property of the contract is a field of the model and the reverse; a field the
    model needs is required by the contract, so Odoo always sends it."""
    schema = outbox_contract()["$defs"][definition]
    assert set(schema["properties"]) == set(model.model_fields), definition
    model_required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert model_required <= set(schema["required"]), (
        f"{definition}: the model requires more than the contract"
    )


def test_the_event_models_limits_are_the_contracts() -> None:
    """Lengths and minimums the model enforces are the ones the contract promises,
    so an event Odoo may send is never refused by the agent, and no more is allowed."""
    contract = outbox_contract()
    properties = contract["$defs"]["event"]["properties"]
    generated = OutboxEvent.model_json_schema()["properties"]
    for name, spec in properties.items():
        spec = contract["$defs"][spec["$ref"].rsplit("/", 1)[1]] if "$ref" in spec else spec
        for keyword in ("minLength", "maxLength"):
            assert generated[name].get(keyword) == spec.get(keyword), (name, keyword)
    # Claims count the attempt before answering: the contract is stricter (>= 1) than the model (>= 0),
    # which also reads events outside a claim.
    assert generated["res_id"]["minimum"] == properties["res_id"]["minimum"]
    assert generated["payload_version"]["minimum"] == properties["payload_version"]["minimum"]


def _event(**changes: Any) -> dict[str, Any]:
    event = {
        "event_uid": str(uuid.uuid4()),
        "target": "supplier_portal",
        "event_type": "scar.created",
        "res_model": "quality.scar",
        "res_id": 7,
        "payload_version": 1,
        "payload": {"scar": {}},
        "attempts": 1,
    }
    event.update(changes)
    return event


def _status(**changes: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "counts": dict.fromkeys(("pending", "leased", "done", "dead", "cancelled", "superseded"), 0),
        "oldest_pending": "2026-12-04 16:00:00",
        "agents": [
            {
                "agent_id": "host:1",
                "first_claim_at": "2026-12-04 15:00:00",
                "last_claim_at": "2026-12-04 16:00:00",
                "last_events_at": None,
                "last_claim_count": 0,
                "silent": False,
            }
        ],
        "agent_notice": None,
        "silence_minutes": 10,
    }
    status.update(changes)
    return status


#: (definition, value, valid?) - what both checkers must agree on.
SAMPLES: list[tuple[str, Any, bool]] = [
    ("claim_arguments", ["host:1", 50, 120, None], True),
    ("claim_arguments", ["host:1", 50, 120, ["supplier_portal"]], True),
    ("claim_arguments", ["", 50, 120, None], False),
    ("claim_arguments", ["host:1", 0, 120, None], False),
    ("claim_arguments", ["host:1", 50, 120], False),
    ("claim_answer", [], True),
    ("claim_answer", [_event()], True),
    ("claim_answer", [_event(attempts=0)], False),
    ("claim_answer", [_event(event_uid="e-1")], False),
    ("claim_answer", [_event(res_id=True)], False),
    ("claim_answer", [_event(payload=[])], False),
    ("claim_answer", [_event(extra=1)], False),
    ("claim_answer", [{k: v for k, v in _event().items() if k != "target"}], False),
    ("ack_arguments", ["host:1", str(uuid.uuid4()), None], True),
    ("ack_arguments", ["host:1", str(uuid.uuid4()), 12], False),
    ("ack_answer", True, True),
    ("ack_answer", 1, False),
    ("fail_arguments", ["host:1", str(uuid.uuid4()), "HTTP 503", True, 30.5], True),
    ("fail_arguments", ["host:1", str(uuid.uuid4()), "x" * 2001, True, None], False),
    ("fail_arguments", ["host:1", str(uuid.uuid4()), "HTTP 503", "yes", None], False),
    ("fail_answer", "pending", True),
    ("fail_answer", False, True),
    ("fail_answer", 0, False),
    ("fail_answer", "not-leased", False),
    ("fail_gateway_answer", "not-leased", True),
    ("fail_gateway_answer", False, False),
    ("release_arguments", ["host:1", [str(uuid.uuid4())]], True),
    ("release_arguments", ["host:1", "not a list"], False),
    ("release_answer", 0, True),
    ("release_answer", -1, False),
    ("status_arguments", [], True),
    ("status_answer", _status(), True),
    ("status_answer", _status(oldest_pending=None, agent_notice="No sync agent has claimed..."), True),
    ("status_answer", _status(oldest_pending="2026-12-04T16:00:00+00:00"), False),
    ("status_answer", _status(counts={"pending": 1}), False),
    ("status_answer", _status(agents=[{"agent_id": "host:1"}]), False),
    ("status_answer", _status(silence_minutes=None), False),
]


@pytest.mark.parametrize(("definition", "value", "valid"), SAMPLES)
def test_the_addons_checker_and_jsonschema_agree(definition: str, value: Any, valid: bool) -> None:
    checker = _addon_checker()
    contract = checker.load_contract()
    assert contract == outbox_contract(), "the addon reads the same file"
    assert (contract_errors(definition, value) == []) is valid, contract_errors(definition, value)
    assert (checker.contract_errors(contract, definition, value) == []) is valid


def test_the_addons_checker_refuses_keywords_it_does_not_check() -> None:
    """A keyword added to the contract that the first-party checker ignores would make the
    Odoo test pass vacuously; it raises instead, for every definition."""
    checker = _addon_checker()
    contract = copy.deepcopy(outbox_contract())
    for definition in contract["$defs"]:
        checker.contract_errors(contract, definition, None)  # every keyword in use is known
    contract["$defs"]["event"]["properties"]["res_id"]["multipleOf"] = 1
    with pytest.raises(checker.UnsupportedKeyword, match="multipleOf"):
        checker.contract_errors(contract, "claim_answer", [_event()])


def test_a_fake_checking_the_contract_refuses_calls_that_break_it() -> None:
    gateway = FakeOdooGateway(check_contract=True)
    with pytest.raises(ContractViolation, match=r"claim_arguments: \$\[1\]"):
        gateway.sync_claim("host:1", 0, 60, None)
    gateway.add_event({}, event_uid="not-a-uuid")
    with pytest.raises(ContractViolation, match="claim_answer.*does not match"):
        gateway.sync_claim("host:1", 10, 60, None)
    check_contract("status_answer", gateway.sync_status())
