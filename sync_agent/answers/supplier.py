"""Supplier answers: poll the portal's feed and write them back to Odoo.

An answer is applied whole or not at all: it is validated completely here
(pydantic envelope, then its 8D step against the Report8D schema) before one
``sync_apply_supplier_answer`` call, which Odoo runs in one transaction and
validates again. The mapping's ``answers:`` block reads the step's root
causes and actions into our terms (``causes``, ``actions``: Report8D's cause
codes become kind and level), so that Odoo never deals in a partner's codes.
An answer that fails validation or that reading is not dropped: it is sent
to Odoo as *rejected*, with the reason, so that a person sees it on the SCAR.

The feed cursor only moves past a page once each of its answers has been
applied or rejected. If Odoo is unreachable the poll stops and the same page
is fetched again later; the journal's answer ids make sure an answer is never
applied twice. An answer that Odoo itself keeps refusing (raises) is given up
after :data:`MAX_APPLY_ATTEMPTS` polls and logged as an error, so one bad
answer cannot block the feed; one that Odoo refuses as a business error
(``UserError``/``ValidationError``: unknown SCAR, step not requested...) is
not retried, since the same answer would be refused again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from ..delivery.journal import StateStore
from ..delivery.portal import PortalClient
from ..errors import GatewayCallError, GatewayError, MappingError, PortalError
from ..logging_setup import redact
from ..mapping.kinds import AnswerMapping
from ..mapping.schemas import LoadedSchema
from ..outbox.gateway import OdooGateway
from ..outbox.models import ApplyResult, SupplierAnswer, truncate

__all__ = ["MAX_APPLY_ATTEMPTS", "AnswerPoller", "InboundReport"]

MAX_APPLY_ATTEMPTS: Final = 3
_log = logging.getLogger("sync_agent.answers.supplier")


class InboundReport(BaseModel):
    """What one :meth:`AnswerPoller.poll` did."""

    applied: int = 0
    rejected: int = 0
    skipped: int = 0
    errors: int = 0
    pages: int = 0


def _answer_id(raw: Any) -> str:
    """The answer's own id, or a content hash for answers too broken to have one."""
    if isinstance(raw, dict) and isinstance(raw.get("answer_id"), str) and raw["answer_id"].strip():
        return raw["answer_id"].strip()[:128]
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


class AnswerPoller:
    """Moves supplier answers of one portal into Odoo."""

    def __init__(
        self,
        *,
        gateway: OdooGateway,
        portal: PortalClient,
        state: StateStore,
        report_schema: LoadedSchema | None,
        answer_mapping: AnswerMapping | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.gateway, self.portal, self.state = gateway, portal, state
        self._schema = report_schema.partial() if report_schema is not None else None
        self._answers = answer_mapping
        self._stop = stop_event or threading.Event()
        self.cursor_name = f"answers:{portal.settings.target}"

    def poll(self) -> InboundReport:
        """Fetch pages until the feed is exhausted, Odoo is unreachable or a stop is requested."""
        report = InboundReport()
        while not self._stop.is_set():
            try:
                page = self.portal.fetch_answers(self.state.cursor(self.cursor_name))
            except PortalError as exc:
                _log.error("fetching supplier answers failed", extra={"error": str(exc)})
                break
            report.pages += 1
            for raw in page.answers:
                if not self._handle(raw, report):
                    return report  # Odoo unreachable: keep the cursor, retry next poll
            if page.next_cursor is not None:
                self.state.set_cursor(self.cursor_name, page.next_cursor)
            if not page.has_more or not page.answers:
                break
        return report

    def _validate(self, raw: Any) -> tuple[SupplierAnswer, dict[str, Any]]:
        """The answer and its causes and actions in our terms (the mapping's ``answers:`` block)."""
        answer = SupplierAnswer.model_validate(raw)
        extra = set(answer.report) - {f"step{answer.step}"}
        if extra:
            raise ValueError(
                f"report holds {', '.join(sorted(extra))} but the answer is for step {answer.step}"
            )
        if self._schema is not None:
            problems = self._schema.errors(answer.report)
            if problems:
                raise ValueError(
                    "report does not match Report8D: " + "; ".join(f"{p}: {m}" for p, m in problems)
                )
        if self._answers is None or not answer.report:
            return answer, {}
        return answer, self._answers.read(answer.report)

    def _handle(self, raw: Any, report: InboundReport) -> bool:
        answer_id = _answer_id(raw)
        seen = self.state.answer_status(answer_id)
        if seen is not None and seen[0] in ("applied", "rejected", "refused", "abandoned"):
            report.skipped += 1
            return True
        try:
            answer, structure = self._validate(raw)
        except (ValidationError, ValueError, MappingError) as exc:
            reason = _reason(exc)
            scar_ref = raw.get("scar_ref") if isinstance(raw, dict) else None
            _log.warning(
                "supplier answer rejected",
                extra={"answer_id": answer_id, "scar_ref": scar_ref, "reason": reason},
            )
            if not isinstance(scar_ref, str) or not scar_ref.strip():
                # Nothing in Odoo to attach it to: keep it in the journal and the log.
                self.state.record_answer(answer_id, None, "rejected", reason)
                report.rejected += 1
                return True
            data: dict[str, Any] = {
                "answer_id": answer_id,
                "status": "rejected",
                "reject_reason": reason,
                "raw_json": truncate(redact(json.dumps(raw, ensure_ascii=False, default=str)), 10000),
            }
            return self._apply(scar_ref.strip(), answer_id, data, "rejected", report)
        valid: dict[str, Any] = {
            "answer_id": answer_id,
            "status": "valid",
            "reject_reason": None,
            **answer.model_dump(mode="json", exclude={"answer_id"}),
            **structure,
        }
        return self._apply(answer.scar_ref, answer_id, valid, "applied", report)

    def _apply(
        self, scar_ref: str, answer_id: str, data: dict[str, Any], status: str, report: InboundReport
    ) -> bool:
        try:
            result = ApplyResult.model_validate(self.gateway.sync_apply_supplier_answer(scar_ref, data))
        except GatewayCallError as exc:
            seen = self.state.answer_status(answer_id)
            attempts = (seen[1] if seen else 0) + 1
            final = exc.is_refusal or attempts >= MAX_APPLY_ATTEMPTS
            outcome = "refused" if exc.is_refusal else "abandoned" if final else "error"
            self.state.record_answer(answer_id, scar_ref, outcome, str(exc))
            report.errors += 1
            _log.error(
                "odoo refused a supplier answer" + ("; giving up" if final else "; will retry"),
                extra={"answer_id": answer_id, "scar_ref": scar_ref, "error": str(exc), "attempts": attempts},
            )
            return final  # until given up, stop here so the cursor does not move past it
        except GatewayError as exc:
            _log.error("odoo unreachable while applying answers", extra={"error": str(exc)})
            return False
        except ValidationError:
            result = ApplyResult()
        self.state.record_answer(answer_id, scar_ref, status, data.get("reject_reason"))
        if status == "applied":
            report.applied += 1
        else:
            report.rejected += 1
        _log.info(
            "supplier answer written to odoo",
            extra={
                "answer_id": answer_id,
                "scar_ref": scar_ref,
                "status": status,
                "odoo_status": result.status,
            },
        )
        return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return truncate(
            "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()[:10]),
            1000,
        )
    return truncate(redact(str(exc)), 1000)
