"""Validated settings models of the agent (loaded by :mod:`sync_agent.config.loader`).

Kept apart from the loader so that the shape of the configuration, with its
limits and their reasons, can be read in one place. Every network setting has
a bounded timeout: an agent that can wait forever on a portal holds Odoo
leases forever, and then nothing moves and nobody is told.

Each field's ``description`` is what it means to the person configuring the
agent: :data:`sync_agent.config.loader.SETTINGS` builds the settings table from it,
and the README's table is checked against that (one source, no drift).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

__all__ = [
    "HIDDEN",
    "AgentConfig",
    "AgentSettings",
    "OdooSettings",
    "PortalSettings",
    "default_state_file",
]

#: What ``redacted()`` shows instead of a secret.
HIDDEN: Final = "<set, hidden>"


def default_state_file() -> Path:
    """``$XDG_STATE_HOME/complaints-sync/state.sqlite3`` (``~/.local/state`` if unset)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "complaints-sync" / "state.sqlite3"


def _default_agent_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class OdooSettings(BaseModel):
    """How the agent reaches Odoo (JSON-RPC with a user's API key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: AnyHttpUrl = Field(description="Base URL of the Odoo server.")
    db: str = Field(min_length=1, description="Name of the Odoo database.")
    user: str = Field(min_length=1, description="Login of the Odoo user the agent acts as.")
    api_key: SecretStr = Field(description="That user's API key.")
    # odoorpc's own default, 120 s, is too long to notice an unreachable Odoo quickly.
    timeout: float = Field(default=30.0, gt=0, le=600, description="Seconds for one call to Odoo.")

    @field_validator("db", "user", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        """Trim whitespace so that ``"  "`` counts as empty, not as a name."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("api_key")
    @classmethod
    def _key_not_blank(cls, value: SecretStr) -> SecretStr:
        """Reject an empty key here rather than with a 401 at the first sync."""
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value


class PortalSettings(BaseModel):
    """The supplier portal REST endpoint and how to authenticate to it.

    The token is read from an environment variable or a file by the loader
    and kept as a :class:`SecretStr`; it never appears in a config file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str = Field(
        default="supplier_portal",
        min_length=1,
        max_length=64,
        description="Outbox target this portal serves (the `target` of the events it is sent).",
    )
    base_url: AnyHttpUrl = Field(
        description="Base URL of the supplier portal; without a portal, only regulator targets are served."
    )
    auth: Literal["bearer", "api_key"] = Field(
        default="bearer",
        description="`bearer` (an `Authorization: Bearer` header) or `api_key` (the key in `api_key_header`).",
    )
    api_key_header: str = Field(
        default="X-API-Key",
        pattern=r"^[A-Za-z0-9-]{1,64}$",
        description="Header that carries the token when `auth` is `api_key`.",
    )
    token: SecretStr = Field(
        description="The portal's token; never in the config file (use `token_file` or `token_env` there)."
    )
    connect_timeout: float = Field(default=5.0, gt=0, le=60, description="Seconds to connect to the portal.")
    read_timeout: float = Field(
        default=30.0, gt=0, le=300, description="Seconds to wait for the portal's answer."
    )
    max_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Tries per request, the first included, on transport errors, 408, 409, 425, 429 and 5xx.",
    )
    retry_max_wait: float = Field(
        default=30.0,
        ge=0,
        le=600,
        description="Longest wait in seconds between tries; a longer `Retry-After` ends the tries at once "
        "and Odoo schedules the next attempt after it.",
    )
    ca_bundle: Path | None = Field(
        default=None,
        description="CA bundle for a private PKI (unset: the system's). TLS verification cannot be disabled.",
    )
    proxy: AnyHttpUrl | None = Field(
        default=None,
        description="Outbound proxy. Proxy, CA and netrc settings of the environment are ignored on "
        "purpose: where the agent sends data is set here, explicitly.",
    )
    answers_path: str = Field(
        default="/api/v1/answers",
        pattern=r"^/[^?#]*$",
        description="Path of the portal's feed of supplier answers.",
    )
    answers_page_size: int = Field(
        default=100, ge=1, le=1000, description="Answers asked for per page of that feed."
    )
    answers_schema: str = Field(
        default="schemas/io.catenax.report_8d_1.0.0_gen_Report8D-schema.json",
        description="Report8D schema the supplier answers are checked against, relative to the mappings "
        "(`mappings_dir` first, then the packaged ones).",
    )

    @field_validator("token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    def event_budget_seconds(self) -> float:
        """Worst-case seconds one delivery may take with all retries."""
        per_try = self.connect_timeout + self.read_timeout
        return self.max_attempts * per_try + (self.max_attempts - 1) * self.retry_max_wait


class AgentSettings(BaseModel):
    """How the agent itself runs: identity, batch and lease sizes, local files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent_id: str = Field(
        default_factory=_default_agent_id,
        min_length=1,
        max_length=128,
        description="Name of this agent on the leases it takes in Odoo; unique per running agent.",
    )
    batch_size: int = Field(default=20, ge=1, le=500, description="Events claimed from Odoo at a time.")
    lease_seconds: int = Field(
        default=600,
        ge=10,
        le=86400,
        description="Seconds a claimed event stays this agent's; must exceed one delivery's worst case.",
    )
    poll_interval: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds between outbox polls when the previous poll found nothing to do.",
    )
    answers_interval: float = Field(
        default=60.0, gt=0, le=86400, description="Seconds between polls of the portal's answer feed."
    )
    state_file: Path = Field(
        default_factory=default_state_file,
        description="The local journal (SQLite): deliveries whose ack may be lost, failures, answer "
        "cursors (`~/.local/state` if `XDG_STATE_HOME` is unset).",
    )
    state_sync: Literal["normal", "full"] = Field(
        default="normal",
        description="`normal` survives a crash of the agent (WAL); `full` also survives a power cut, at "
        "the price of one fsync per delivery.",
    )
    journal_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days a journal entry is kept (far longer than any lease)."
    )
    mappings_dir: Path | None = Field(
        default=None,
        description="Your own mapping files and schemas, laid over the packaged standard ones: a file of "
        "the same name, or a mapping of the same target and event type, replaces the packaged one; "
        "others are added. Unset: the packaged mappings alone.",
    )
    packaged_mappings: bool = Field(
        default=True,
        description="Load the standard mappings shipped with the agent; `false` loads `mappings_dir` "
        "alone (e.g. an agent that serves the supplier portal only).",
    )
    submission_dir: Path = Field(
        default=Path("submissions"),
        description="Where regulator files (MIR XML, eMDR XML, NMPA XLSX) are written, one per report "
        "and type, replaced atomically when a report is rendered again; relative to the working directory.",
    )
    ack_inbox_dir: Path | None = Field(
        default=None,
        description="Folder where FDA acknowledgements (ACK2, ACK3) are dropped; `run` and `once` apply "
        "them to Odoo and move them into `processed/` or `refused/`. Unset or empty: not read.",
    )
    ack_poll_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86400,
        description="Seconds between polls of the acknowledgement inbox (FDA answers in hours).",
    )

    @field_validator("ack_inbox_dir", "mappings_dir", mode="before")
    @classmethod
    def _blank_dir_is_unset(cls, value: Any) -> Any:
        """``COMPLAINTS_ACK_INBOX_DIR=`` switches the inbox off and
        ``COMPLAINTS_SYNC_MAPPINGS_DIR=`` leaves the packaged mappings alone;
        read as a path, an empty value would mean the working directory."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _some_mappings(self) -> AgentSettings:
        """Without the packaged mappings, the agent has nothing to render with
        unless a directory is given."""
        if not self.packaged_mappings and self.mappings_dir is None:
            raise ValueError("packaged_mappings is false, so mappings_dir must name the mappings to load")
        return self

    @model_validator(mode="after")
    def _inbox_is_not_the_submission_folder(self) -> AgentSettings:
        """The agent's own eMDR files are XML too: an inbox shared with the
        submission folder would move them into ``refused/``."""
        if self.ack_inbox_dir is not None and (
            self.ack_inbox_dir.expanduser().resolve() == self.submission_dir.expanduser().resolve()
        ):
            raise ValueError(
                f"ack_inbox_dir must not be the submission folder ({self.submission_dir}): "
                "the agent would take its own regulator files for acknowledgements"
            )
        return self


class AgentConfig(BaseModel):
    """Complete, validated agent configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    odoo: OdooSettings
    agent: AgentSettings = Field(default_factory=AgentSettings)
    #: Optional so that ``check-config`` works before a portal is set up;
    #: ``run``/``once`` refuse to start without it.
    portal: PortalSettings | None = None

    @model_validator(mode="after")
    def _lease_covers_one_delivery(self) -> AgentConfig:
        """A lease shorter than one delivery's worst case would let a second
        agent claim the event while the first is still sending it."""
        if self.portal is not None:
            budget = self.portal.event_budget_seconds()
            if self.agent.lease_seconds <= budget:
                raise ValueError(
                    f"agent.lease_seconds ({self.agent.lease_seconds}) must exceed the worst-case "
                    f"time of one delivery ({budget:.0f} s = max_attempts x (connect_timeout + "
                    "read_timeout) + waits); raise it or lower the portal timeouts"
                )
        return self

    def redacted(self) -> dict[str, Any]:
        """Return the configuration as plain data that is safe to print.

        Secrets are replaced by a fixed marker (not by a partial key: even a
        few characters help an attacker and nobody needs them to debug).
        """
        data: dict[str, Any] = {
            "odoo": {
                "url": str(self.odoo.url),
                "db": self.odoo.db,
                "user": self.odoo.user,
                "api_key": HIDDEN,
                "timeout": self.odoo.timeout,
            },
            "agent": self.agent.model_dump(mode="json"),
        }
        if self.portal is not None:
            portal = self.portal.model_dump(mode="json", exclude={"token"})
            portal["token"] = HIDDEN
            data["portal"] = portal
        return data
