"""The outbox RPC contract, as one JSON Schema: ``schemas/outbox_rpc_v1.schema.json``.

The calls the agent makes on Odoo's outbox (``sync_claim``, ``sync_results``,
``sync_ack``, ``sync_fail``, ``sync_release``, ``sync_status``), for supplier
answers (``sync_apply_supplier_answer``) and on regulatory reports
(``sync_report_rendered``, ``sync_report_invalid``,
``sync_apply_acknowledgement``) are described once, with
their positional arguments and their answers, in the standard mappings'
``schemas/`` folder (shipped in the wheel with the mappings). Three parties
are held to that one file, so that they cannot drift apart unnoticed:

* the addon's tests validate Odoo's real answers against it (with a small
  first-party checker: Odoo's environment has no ``jsonschema``);
* :class:`sync_agent.testing.FakeOdooGateway` validates what it is asked and
  what it answers when built with ``check_contract=True``, and the contract
  tests (``tests/e2e/test_outbox_contract.py``) run the same scenario against
  the fake and a real Odoo through :class:`~sync_agent.outbox.gateway.OdooRpcGateway`;
* the pydantic models of :mod:`sync_agent.outbox.models` are checked against its
  ``event``, ``agent_seen`` and ``status_answer`` definitions.

Definitions are named ``<call>_arguments`` and ``<call>_answer``, ``<call>`` being
the method's name without ``sync_``; ``sync_fail``
also has ``fail_gateway_answer``, because the gateway turns Odoo's ``false``
(lease not held) into ``"not-leased"``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Final

from jsonschema import Draft202012Validator

from .._resources import packaged_mappings_dir
from ..errors import ContractViolation

__all__ = ["CONTRACT_FILE", "contract_errors", "check_contract", "outbox_contract"]

#: Path of the contract inside the standard mappings.
CONTRACT_FILE: Final = "schemas/outbox_rpc_v1.schema.json"


@lru_cache(maxsize=1)
def outbox_contract() -> dict[str, Any]:
    """The contract schema, loaded and checked against its draft once."""
    schema = json.loads((packaged_mappings_dir() / CONTRACT_FILE).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@lru_cache(maxsize=None)
def _validator(definition: str) -> Draft202012Validator:
    schema = outbox_contract()
    if definition not in schema["$defs"]:
        raise KeyError(f"the outbox contract has no definition {definition!r}")
    # The definition, with the root's $defs beside it so that its $refs resolve.
    return Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"})


def contract_errors(definition: str, value: Any) -> list[str]:
    """Every way ``value`` breaks ``$defs/<definition>``, as "path: message"; empty when it keeps it."""
    return [
        f"{error.json_path}: {error.message}"
        for error in sorted(_validator(definition).iter_errors(value), key=lambda e: e.json_path)
    ]


def check_contract(definition: str, value: Any) -> None:
    """Raise :class:`ContractViolation` naming the definition and every problem."""
    problems = contract_errors(definition, value)
    if problems:
        raise ContractViolation(f"outbox contract, {definition}: " + "; ".join(problems))
