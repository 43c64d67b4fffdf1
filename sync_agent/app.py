"""Wiring: build the agent's parts from a validated configuration.

Kept out of the CLI so that tests (and embedders) can build the same runtime
with a :class:`~sync_agent.testing.FakeOdooGateway` in place of Odoo.
Mapping files are loaded and checked here, at start-up: a broken mapping
stops the agent before it claims anything, rather than failing events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .gateway import OdooGateway, OdooRpcGateway
from .inbound import AnswerPoller
from .mapping import MappingFileError, MappingRegistry
from .portal import PortalClient
from .schemas import load_schema
from .settings import AgentConfig, OdooSettings
from .state import StateStore
from .worker import Worker

__all__ = ["PortalNotConfigured", "Runtime", "open_runtime"]


class PortalNotConfigured(Exception):
    """``run``/``once``/``replay`` need a ``[portal]`` configuration."""

    def __init__(self) -> None:
        super().__init__(
            "portal is not configured: set COMPLAINTS_PORTAL_URL and COMPLAINTS_PORTAL_TOKEN or "
            "COMPLAINTS_PORTAL_TOKEN_FILE, or a [portal] table in the config file"
        )


@dataclass
class Runtime:
    """Everything a running agent holds; :meth:`close` releases files and sockets."""

    config: AgentConfig
    gateway: OdooGateway
    registry: MappingRegistry
    state: StateStore
    portal: PortalClient
    worker: Worker
    poller: AnswerPoller
    stop_event: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.portal.close()
        self.state.close()


def open_runtime(
    config: AgentConfig,
    *,
    gateway_factory: Callable[[OdooSettings], OdooGateway] = OdooRpcGateway,
    stop_event: threading.Event | None = None,
) -> Runtime:
    """Load mappings, open the journal, connect the portal client and build
    the worker and answer poller. Raises :class:`PortalNotConfigured` or
    :class:`~sync_agent.mapping.MappingFileError`."""
    if config.portal is None:
        raise PortalNotConfigured()
    registry = MappingRegistry.load_dir(config.agent.mappings_dir)
    if config.portal.target not in registry.targets:
        raise MappingFileError(
            [
                f"no mapping file in {config.agent.mappings_dir} serves the portal's target "
                f"{config.portal.target!r}"
            ]
        )
    try:
        report_schema = load_schema(config.agent.mappings_dir / config.portal.answers_schema)
    except ValueError as exc:
        raise MappingFileError([f"portal.answers_schema: {exc}"]) from None
    stop = stop_event or threading.Event()
    gateway = gateway_factory(config.odoo)
    state = StateStore(config.agent.state_file, synchronous=config.agent.state_sync)
    portal = PortalClient(config.portal, stop_event=stop)
    worker = Worker(
        gateway=gateway, portal=portal, registry=registry, state=state, settings=config.agent, stop_event=stop
    )
    poller = AnswerPoller(
        gateway=gateway, portal=portal, state=state, report_schema=report_schema, stop_event=stop
    )
    return Runtime(config, gateway, registry, state, portal, worker, poller, stop)
