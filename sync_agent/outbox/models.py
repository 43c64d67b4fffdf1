"""Data models exchanged at the agent's boundaries (Odoo outbox, portal, CLI).

Every value that crosses a process boundary is parsed into one of these
pydantic models before the agent acts on it. A malformed claim from Odoo or a
malformed answer from a portal then fails loudly at the edge, with the field
named, instead of deep inside the mapping or half-way through a write-back.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "D_STEPS",
    "AgentSeen",
    "AnswerPage",
    "ApplyResult",
    "CycleReport",
    "OutboxEvent",
    "PortalReceipt",
    "SupplierAnswer",
    "SyncStatus",
    "encode_json",
    "truncate",
]

#: The 8D disciplines, D0 (emergency response, Global 8D) to D8 (closure).
D_STEPS: Final = ("D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8")

#: Longest error text handed to Odoo or written to logs: enough to read the
#: cause, short enough not to flood a chatter or a log collector.
MAX_ERROR_CHARS: Final = 2000


def truncate(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 15] + " ...[truncated]"


def encode_json(document: Any) -> bytes:
    """A JSON document as it is sent to a portal (compact UTF-8); the mappings'
    size limit measures exactly these bytes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class OutboxEvent(BaseModel):
    """One event claimed from Odoo's outbox (``quality.sync.event``).

    ``event_uid`` is a uuid4 minted by Odoo when the event is written, in the
    same transaction as the business change; it is the idempotency key sent
    to portals, so a redelivery never takes effect twice.
    ``attempts`` counts the claims of this event, this one included.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_uid: str = Field(min_length=1, max_length=64)
    target: str = Field(min_length=1, max_length=64)
    event_type: str = Field(min_length=1, max_length=64)
    res_model: str = Field(min_length=1, max_length=128)
    res_id: int = Field(ge=0)
    payload_version: int = Field(ge=1)
    payload: dict[str, Any]
    attempts: int = Field(default=0, ge=0)

    @field_validator("event_uid")
    @classmethod
    def _uuid(cls, value: str) -> str:
        """Reject anything but a UUID (it becomes an HTTP header value); keep
        Odoo's spelling, since ack/fail must name the event exactly as Odoo does."""
        try:
            UUID(value)
        except ValueError:
            raise ValueError("must be a UUID") from None
        return value


class AgentSeen(BaseModel):
    """One sync agent as Odoo saw it through its claims (``quality.sync.agent``).

    Every claim, also one that finds nothing, records the agent and the time:
    that is how Odoo tells a stopped agent from an idle one.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    agent_id: str
    first_claim_at: str | datetime | None = None
    last_claim_at: str | datetime | None = None
    last_events_at: str | datetime | None = None
    last_claim_count: int = 0
    silent: bool = False


class SyncStatus(BaseModel):
    """Answer of ``sync_status()``: outbox counts by state, the oldest pending
    event, the agents Odoo has seen and, when events are due but no agent has
    claimed for ``silence_minutes``, the notice Odoo shows people."""

    model_config = ConfigDict(extra="allow", frozen=True)

    counts: dict[str, int] = Field(default_factory=dict)
    oldest_pending: str | datetime | None = None
    agents: list[AgentSeen] = Field(default_factory=list)
    agent_notice: str | None = None
    silence_minutes: int | None = None


class PortalReceipt(BaseModel):
    """What a portal answered to an accepted document."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        """Portals return numeric or text ids; Odoo stores a text reference."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class SupplierAnswer(BaseModel):
    """A supplier's answer to one 8D step, as polled from the portal.

    ``scar_ref`` is our SCAR number (``header.customerComplaintId`` in the
    Report8D we sent). ``report`` holds that one step in Report8D form, e.g.
    ``{"stepD3": {...}}``; the inbound module also validates it against the
    Report8D schema. Extra keys are refused: a portal that changes its format
    must be noticed, not half understood.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    answer_id: str = Field(min_length=1, max_length=128)
    scar_ref: str = Field(min_length=1, max_length=64)
    step: Literal["D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"]
    submitted_at: AwareDatetime
    author: str | None = Field(default=None, max_length=256)
    supplier_complaint_id: str | None = Field(default=None, max_length=128)
    summary: str = Field(default="", max_length=20000)
    report: dict[str, Any] = Field(default_factory=dict)

    @field_validator("report")
    @classmethod
    def _one_step(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Only ``stepDn`` keys are allowed (the step itself is checked by the caller)."""
        bad = sorted(k for k in value if k not in {f"step{s}" for s in D_STEPS})
        if bad:
            raise ValueError(f"unexpected key(s) {', '.join(bad)}; only stepD0..stepD8")
        return value


class AnswerPage(BaseModel):
    """One page of the portal's answer feed. Answers stay raw dicts here so
    that one malformed answer is rejected on its own, not with its page."""

    model_config = ConfigDict(extra="allow", frozen=True)

    answers: list[dict[str, Any]]
    next_cursor: str | None = None
    has_more: bool = False


class ApplyResult(BaseModel):
    """Odoo's answer to ``sync_apply_supplier_answer`` (opaque, logged)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    status: str | None = None
    reason: str | None = None


class CycleReport(BaseModel):
    """What one ``run_once()`` did; printed by ``complaints-sync once``."""

    model_config = ConfigDict(extra="forbid")

    claimed: int = 0
    delivered: int = 0
    acked_from_log: int = 0
    failed_retryable: int = 0
    failed_permanent: int = 0
    released: int = 0
    ack_lost: int = 0
    skipped_invalid: int = 0
