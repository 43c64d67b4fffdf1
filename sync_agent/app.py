"""Wiring: build the agent's parts from a validated configuration.

Kept out of the CLI so that tests (and embedders) can build the same runtime
with a :class:`~sync_agent.testing.FakeOdooGateway` in place of Odoo.
Mapping files are loaded and checked here, at start-up: a broken mapping
stops the agent before it claims anything, rather than failing events. They
are the packaged standard mappings with ``agent.mappings_dir`` laid over them
(:meth:`~sync_agent.mapping.registry.MappingRegistry.load`).

The agent serves the portal's target (if a portal is configured) and every
regulator target of the mappings (files into the submission folder), so a
site that only reports to regulators needs no portal. With
``agent.ack_inbox_dir`` set it also applies the FDA acknowledgements dropped
into that folder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .answers.ack_inbox import AckInbox
from .answers.supplier import AnswerPoller
from .config.settings import AgentConfig, OdooSettings
from .delivery.journal import StateStore
from .delivery.portal import PortalClient
from .delivery.submission import SubmissionFolder
from .delivery.worker import Worker
from .errors import MappingFileError, PortalNotConfigured
from .mapping.registry import MappingRegistry
from .mapping.schemas import load_schema
from .outbox.gateway import OdooGateway, OdooRpcGateway

__all__ = ["Runtime", "open_runtime"]


@dataclass
class Runtime:
    """Everything a running agent holds; :meth:`close` releases files and sockets."""

    config: AgentConfig
    gateway: OdooGateway
    registry: MappingRegistry
    state: StateStore
    portal: PortalClient | None  # None: regulator targets only
    worker: Worker
    poller: AnswerPoller | None  # supplier answers come from the portal
    submissions: SubmissionFolder
    stop_event: threading.Event = field(default_factory=threading.Event)
    ack_inbox: AckInbox | None = None  # None: agent.ack_inbox_dir not set

    def close(self) -> None:
        if self.portal is not None:
            self.portal.close()
        self.state.close()


def open_runtime(
    config: AgentConfig,
    *,
    gateway_factory: Callable[[OdooSettings], OdooGateway] = OdooRpcGateway,
    stop_event: threading.Event | None = None,
) -> Runtime:
    """Load mappings, open the journal, connect the portal client (if any) and
    build the worker, answer poller and acknowledgement inbox (if any). Raises
    :class:`PortalNotConfigured` (no portal and no regulator target) or
    :class:`~sync_agent.errors.MappingFileError`."""
    registry = MappingRegistry.load(config.agent.mappings_dir, packaged=config.agent.packaged_mappings)
    if config.portal is None and not registry.document_targets:
        raise PortalNotConfigured()
    report_schema = None
    if config.portal is not None:
        if config.portal.target not in registry.targets:
            raise MappingFileError(
                [
                    f"no mapping file in {' or '.join(map(str, registry.layers))} serves the portal's "
                    f"target {config.portal.target!r}"
                ]
            )
        try:
            report_schema = load_schema(registry.resolve(config.portal.answers_schema))
        except ValueError as exc:
            raise MappingFileError([f"portal.answers_schema: {exc}"]) from None
    stop = stop_event or threading.Event()
    gateway = gateway_factory(config.odoo)
    state = StateStore(config.agent.state_file, synchronous=config.agent.state_sync)
    submissions = SubmissionFolder(config.agent.submission_dir)
    portal = PortalClient(config.portal, stop_event=stop) if config.portal is not None else None
    worker = Worker(
        gateway=gateway,
        portal=portal,
        registry=registry,
        state=state,
        settings=config.agent,
        submissions=submissions,
        stop_event=stop,
    )
    poller = None
    if portal is not None and report_schema is not None:
        poller = AnswerPoller(
            gateway=gateway,
            portal=portal,
            state=state,
            report_schema=report_schema,
            answer_mapping=registry.answers_for(config.portal.target),
            stop_event=stop,
        )
    ack_inbox = None
    if config.agent.ack_inbox_dir is not None:
        ack_inbox = AckInbox(config.agent.ack_inbox_dir, gateway, stop_event=stop)
    return Runtime(
        config, gateway, registry, state, portal, worker, poller, submissions, stop, ack_inbox=ack_inbox
    )
