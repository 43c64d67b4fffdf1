"""The agent's only way into Odoo: the outbox RPC contract of ``quality.sync.event``.

Odoo writes an outbox event in the same transaction as the business change,
so nothing is lost if the agent is down. The agent *claims* due events under
a lease (``SELECT ... FOR UPDATE SKIP LOCKED`` on the Odoo side), delivers
them, and reports the outcomes of a batch in one call, ``sync_results`` (or
one at a time with ``sync_ack`` and ``sync_fail``); Odoo keeps
the state, the error text and the retry schedule, so a person in Odoo sees
what was sent, what failed and why.

:class:`OdooGateway` mirrors the RPC contract one to one (raw JSON values in
and out), so that :class:`OdooRpcGateway` is a thin transport and the
in-memory :class:`sync_agent.testing.FakeOdooGateway` can stand in for it.
The worker parses every answer into a pydantic model (:mod:`sync_agent.outbox.models`).
The arguments and answers of the outbox calls are written down once, as the
JSON Schema ``mappings/schemas/outbox_rpc_v1.schema.json``, and so are the
supplier-answer and regulatory-report calls below
(:mod:`sync_agent.outbox.contract`); the addon's tests, the fake and the
models are held to it, and ``tests/e2e/test_outbox_contract.py`` runs the
same contract tests against the fake and a real Odoo.

Semantics the agent relies on, as the addon implements them (and the fake
in :mod:`sync_agent.testing` mirrors):

* claims never overlap while a lease is live; a lapsed lease is claimable
  again; every claim counts one attempt (the first delivery has
  ``attempts == 1``);
* ``sync_ack`` and ``sync_fail`` act only for the agent holding the lease
  (lapsed or not, until someone else claims the event). ``sync_ack`` of a
  done event returns True again; otherwise a refused ack returns False and
  the journal keeps the delivery, so the next claim acks without posting.
  A refused ``sync_fail`` returns False in Odoo, ``"not-leased"`` here;
* ``sync_results(agent_id, results)`` takes the acks
  (``{"event_uid", "outcome": "done", "remote_ref"}``) and fails
  (``{"event_uid", "outcome": "failed", "error", "retryable", "retry_after"}``)
  of one flush and answers, per result and in order, ``"done"``,
  ``"pending"``, ``"dead"`` or ``"not-leased"``: the semantics of
  ``sync_ack`` and ``sync_fail`` below, in one round trip;
* ``sync_fail`` returns ``"pending"`` (retry scheduled, at the earliest after
  ``retry_after`` seconds) or ``"dead"`` (permanent, or the target's retry
  window ran out: 72 hours from the first failed attempt by default, waits
  doubling from 30 s up to one hour, per target in *Sync Targets*). A lapsed
  lease is no failed attempt: it neither starts nor uses up the window;
* every ``sync_claim``, also one that finds nothing (an idle agent's poll),
  records the agent id and the time in ``quality.sync.agent``: Odoo's only
  sign that an agent is alive. ``sync_status`` lists those agents
  (``agents``: ``agent_id``, ``last_claim_at``... ``silent``) and, when
  events are due but no agent claimed for ``silence_minutes``, the
  ``agent_notice`` that Sync Events and queued reports show people;
* ``sync_release`` hands leases back and takes the claim's attempt back;
* ``sync_apply_supplier_answer`` applies one answer in one transaction and is
  idempotent on ``answer["answer_id"]`` (``quality.scar`` in the addon; the
  supplier portal's answers take the same path).

Regulator files are reported on the regulatory report itself
(``quality.regulatory.report``), so that the person preparing the report sees
the file, or the problems that kept it from being written, on the report:
``sync_report_rendered(report_id, event_uid, file_name, content_b64, sha256)``
after the file was written, ``sync_report_invalid(report_id, event_uid,
problems)`` with ``problems = [{"path", "message"}]`` when nothing was
written, and ``sync_apply_acknowledgement(ack)`` for an FDA acknowledgement
(``{"matched", "report", "state"}`` back). The event itself is then acked or
failed as usual.

* the events of one record and target go out in the order they were
  written: none is claimed while an older one of the same record and target
  is unsent, and a *Failed* one holds the later ones (they stay pending,
  shown as blocked) until a person requeues or cancels it. So a
  ``scar.updated`` never overtakes its ``scar.created``, even after a failure
  (the fake enforces the same order with ``per_record_order=True``).

Everything the agent reports (errors, problems) is redacted first
(:func:`sync_agent.logging_setup.redact`): no secret it holds reaches Odoo.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
from typing import Any, Final, Protocol, runtime_checkable

import odoorpc

from ..config.settings import OdooSettings
from ..errors import GatewayCallError, GatewayUnavailable
from ..logging_setup import redact, register_secret
from .models import truncate

__all__ = [
    "OUTBOX_MODEL",
    "REPORT_MODEL",
    "OdooGateway",
    "OdooRpcGateway",
]

OUTBOX_MODEL: Final = "quality.sync.event"
#: Regulatory reports: regulator files are reported on them.
REPORT_MODEL: Final = "quality.regulatory.report"

_log = logging.getLogger("sync_agent.outbox.gateway")


@runtime_checkable
class OdooGateway(Protocol):
    """The outbox RPC contract; see the module docstring for its semantics."""

    def sync_claim(
        self, agent_id: str, limit: int, lease_seconds: int, targets: list[str] | None
    ) -> list[dict[str, Any]]:
        """Claim up to ``limit`` due events under a lease of ``lease_seconds``."""
        ...

    def sync_ack(self, agent_id: str, event_uid: str, remote_ref: str | None) -> bool:
        """Mark an event delivered; ``remote_ref`` is the portal's id for it."""
        ...

    def sync_fail(
        self, agent_id: str, event_uid: str, error: str, retryable: bool, retry_after: float | None
    ) -> str:
        """Record a failed delivery; returns "pending", "dead" or "not-leased"."""
        ...

    def sync_results(self, agent_id: str, results: list[dict[str, Any]]) -> list[str]:
        """Acks and fails of one flush; one of "done", "pending", "dead", "not-leased" per result."""
        ...

    def sync_release(self, agent_id: str, event_uids: list[str]) -> int:
        """Give leases back unprocessed (graceful stop); returns how many."""
        ...

    def sync_status(self) -> dict[str, Any]:
        """Counts by state, the oldest pending event, the agents seen and the silence notice."""
        ...

    def sync_apply_supplier_answer(self, scar_ref: str, answer: dict[str, Any]) -> dict[str, Any]:
        """Write a supplier's answer (or its rejection) back to the SCAR."""
        ...

    def report_rendered(
        self, report_id: int, event_uid: str, file_name: str, content_b64: str, sha256: str
    ) -> Any:
        """Attach a written regulator file (base64) to its regulatory report."""
        ...

    def report_invalid(self, report_id: int, event_uid: str, problems: list[dict[str, str]]) -> Any:
        """Tell a regulatory report why its file was not written ([{"path", "message"}])."""
        ...

    def apply_acknowledgement(self, ack: dict[str, Any]) -> dict[str, Any]:
        """Apply a regulator's acknowledgement; {"matched", "report", "state"}."""
        ...


def _split_url(url: str) -> tuple[str, int, str]:
    """``http(s)://host[:port]`` -> (host, port, odoorpc protocol)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.path not in ("", "/"):
        raise ValueError(f"odoo.url must not have a path (odoorpc talks to the server root): {url}")
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 80)
    return parts.hostname or "localhost", port, "jsonrpc+ssl" if ssl else "jsonrpc"


class OdooRpcGateway:
    """:class:`OdooGateway` over odoorpc's JSON-RPC, logged in with an API key.

    odoorpc's ``login`` uses the stateless ``/jsonrpc`` endpoint, where an
    Odoo API key is accepted as the password. Every call has the configured
    timeout. A transport failure drops the connection so that the next call
    logs in again (Odoo may have restarted).
    """

    def __init__(self, settings: OdooSettings) -> None:
        self._settings = settings
        self._host, self._port, self._protocol = _split_url(str(settings.url))
        self._odoo: odoorpc.ODOO | None = None
        register_secret(settings.api_key.get_secret_value())
        # odoorpc logs request arguments at DEBUG, and /jsonrpc carries the
        # password (our API key) as an argument: keep its logger above DEBUG.
        logging.getLogger("odoorpc").setLevel(logging.INFO)

    def _connect(self) -> odoorpc.ODOO:
        if self._odoo is None:
            odoo = odoorpc.ODOO(
                self._host, protocol=self._protocol, port=self._port, timeout=self._settings.timeout
            )
            odoo.login(self._settings.db, self._settings.user, self._settings.api_key.get_secret_value())
            _log.info("logged in to odoo", extra={"odoo_host": self._host, "odoo_db": self._settings.db})
            self._odoo = odoo
        return self._odoo

    def _call(self, method: str, *args: Any, model: str = OUTBOX_MODEL) -> Any:
        try:
            odoo = self._connect()
            return getattr(odoo.env[model], method)(*args)
        except odoorpc.error.RPCError as exc:
            info = exc.info if isinstance(exc.info, dict) else {}
            data = info.get("data") or {}
            message = data.get("message") or str(exc.args[0] if exc.args else exc)
            raise GatewayCallError(truncate(f"{model}.{method}: {message}", 500), data.get("name")) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, json.JSONDecodeError) as exc:
            self._odoo = None
            reason = getattr(exc, "reason", None) or exc
            raise GatewayUnavailable(f"odoo unreachable during {method}: {reason}") from None

    def sync_claim(
        self, agent_id: str, limit: int, lease_seconds: int, targets: list[str] | None
    ) -> list[dict[str, Any]]:
        """See :class:`OdooGateway`."""
        result = self._call("sync_claim", agent_id, limit, lease_seconds, targets)
        if not isinstance(result, list):
            raise GatewayCallError(f"sync_claim returned {type(result).__name__}, expected a list")
        return result

    def sync_ack(self, agent_id: str, event_uid: str, remote_ref: str | None) -> bool:
        """See :class:`OdooGateway`."""
        return bool(self._call("sync_ack", agent_id, event_uid, remote_ref))

    def sync_fail(
        self, agent_id: str, event_uid: str, error: str, retryable: bool, retry_after: float | None
    ) -> str:
        """See :class:`OdooGateway`."""
        state = self._call("sync_fail", agent_id, event_uid, truncate(redact(error)), retryable, retry_after)
        return state if isinstance(state, str) else "not-leased"  # Odoo answers False then

    def sync_results(self, agent_id: str, results: list[dict[str, Any]]) -> list[str]:
        """See :class:`OdooGateway`; errors are redacted and truncated here, as in :meth:`sync_fail`."""
        sent = [
            {**result, "error": truncate(redact(result["error"]))}
            if result.get("outcome") == "failed"
            else result
            for result in results
        ]
        answers = self._call("sync_results", agent_id, sent)
        if not isinstance(answers, list) or len(answers) != len(sent):
            raise GatewayCallError(f"sync_results answered {answers!r:.200}, expected {len(sent)} answers")
        return [str(answer) for answer in answers]

    def sync_release(self, agent_id: str, event_uids: list[str]) -> int:
        """See :class:`OdooGateway`."""
        return int(self._call("sync_release", agent_id, list(event_uids)) or 0)

    def sync_status(self) -> dict[str, Any]:
        """See :class:`OdooGateway`."""
        result = self._call("sync_status")
        return result if isinstance(result, dict) else {"raw": result}

    def sync_apply_supplier_answer(self, scar_ref: str, answer: dict[str, Any]) -> dict[str, Any]:
        """See :class:`OdooGateway`."""
        result = self._call("sync_apply_supplier_answer", scar_ref, answer)
        return result if isinstance(result, dict) else {"result": result}

    def report_rendered(
        self, report_id: int, event_uid: str, file_name: str, content_b64: str, sha256: str
    ) -> Any:
        """See :class:`OdooGateway`."""
        return self._call(
            "sync_report_rendered", report_id, event_uid, file_name, content_b64, sha256, model=REPORT_MODEL
        )

    def report_invalid(self, report_id: int, event_uid: str, problems: list[dict[str, str]]) -> Any:
        """See :class:`OdooGateway`."""
        return self._call("sync_report_invalid", report_id, event_uid, list(problems), model=REPORT_MODEL)

    def apply_acknowledgement(self, ack: dict[str, Any]) -> dict[str, Any]:
        """See :class:`OdooGateway`."""
        result = self._call("sync_apply_acknowledgement", ack, model=REPORT_MODEL)
        return (
            result if isinstance(result, dict) else {"matched": bool(result), "report": None, "state": None}
        )
