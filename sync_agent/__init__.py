"""Sidecar sync agent for the Odoo quality-complaints addon.

The agent runs next to Odoo (not inside it) so that slow or flaky supplier
portals and regulator endpoints never block Odoo workers. It claims events
from Odoo's transactional outbox (:mod:`sync_agent.outbox.gateway`), maps them with
declarative mapping files (:mod:`sync_agent.mapping.registry`), validates and posts
them (:mod:`sync_agent.delivery.portal`), keeps a local journal against duplicate
effects (:mod:`sync_agent.delivery.journal`) and reports every outcome back to Odoo
(:mod:`sync_agent.delivery.worker`); supplier answers travel the other way
(:mod:`sync_agent.answers.supplier`).
"""

from __future__ import annotations

__all__ = ["__version__"]

#: Single source of the package version (read by setuptools via pyproject).
__version__ = "0.1.0"
