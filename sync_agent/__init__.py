"""Sidecar sync agent for the Odoo quality-complaints addon.

The agent runs next to Odoo (not inside it) so that slow or flaky supplier
portals and regulator endpoints never block Odoo workers. Its subpackages
follow the data, in the order it flows:

* :mod:`sync_agent.config`: where the settings come from and what they may be;
* :mod:`sync_agent.outbox`: the events claimed from Odoo's transactional
  outbox, the gateway that claims and reports them, and the RPC contract;
* :mod:`sync_agent.mapping`: declarative mapping files turn an event into a
  document, a JSON one for a supplier portal or a file for a regulator;
* :mod:`sync_agent.delivery`: the worker posts or writes it, keeps a local
  journal against duplicate effects and reports every outcome back to Odoo;
* :mod:`sync_agent.answers`: what comes back the other way, supplier answers
  and FDA acknowledgements;
* :mod:`sync_agent.testing`: a fake Odoo and a loopback portal for tests.

This module is the public API: import from ``sync_agent`` what ``__all__``
lists; anything else is reached through its module (``sync_agent.mapping.transforms``)
and the modules with a leading underscore are private. Every error the agent
raises on purpose is a :class:`SyncAgentError` that says whether it is
``retryable`` (:mod:`sync_agent.errors`).
"""

from __future__ import annotations

from ._resources import packaged_mappings_dir
from ._version import __version__
from .answers.ack_inbox import AckInbox
from .answers.fda_ack import Acknowledgement, parse_ack
from .answers.supplier import AnswerPoller
from .app import Runtime, open_runtime
from .config.loader import load_config
from .config.settings import AgentConfig, AgentSettings, OdooSettings, PortalSettings
from .delivery.journal import StateStore
from .delivery.portal import PortalClient
from .delivery.submission import SubmissionFolder
from .delivery.worker import Worker
from .errors import (
    AckFormatError,
    ConfigError,
    ContractViolation,
    DeliveryFailed,
    DocumentInvalid,
    GatewayCallError,
    GatewayError,
    GatewayUnavailable,
    MappingError,
    MappingFileError,
    PayloadInvalid,
    PortalError,
    PortalNotConfigured,
    Problem,
    RuleError,
    SchemaPathError,
    SyncAgentError,
    TransformError,
)
from .logging_setup import configure_logging
from .mapping.documents import RenderedDocument
from .mapping.kinds import DocumentMapping, Mapping, PortalMapping
from .mapping.registry import MappingRegistry
from .outbox.gateway import OdooGateway, OdooRpcGateway
from .outbox.models import CycleReport, OutboxEvent, SyncStatus

__all__ = [
    "__version__",
    # configuration
    "AgentConfig",
    "AgentSettings",
    "OdooSettings",
    "PortalSettings",
    "load_config",
    "configure_logging",
    # outbox
    "CycleReport",
    "OdooGateway",
    "OdooRpcGateway",
    "OutboxEvent",
    "SyncStatus",
    # mapping
    "DocumentMapping",
    "Mapping",
    "MappingRegistry",
    "PortalMapping",
    "RenderedDocument",
    "packaged_mappings_dir",
    # delivery
    "PortalClient",
    "StateStore",
    "SubmissionFolder",
    "Worker",
    # answers
    "AckInbox",
    "Acknowledgement",
    "AnswerPoller",
    "parse_ack",
    # wiring
    "Runtime",
    "open_runtime",
    # errors
    "AckFormatError",
    "ConfigError",
    "ContractViolation",
    "DeliveryFailed",
    "DocumentInvalid",
    "GatewayCallError",
    "GatewayError",
    "GatewayUnavailable",
    "MappingError",
    "MappingFileError",
    "PayloadInvalid",
    "PortalError",
    "PortalNotConfigured",
    "Problem",
    "RuleError",
    "SchemaPathError",
    "SyncAgentError",
    "TransformError",
]
