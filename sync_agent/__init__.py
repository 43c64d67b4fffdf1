"""Sidecar sync agent for the Odoo quality-complaints addon.

The agent runs next to Odoo (not inside it) so that slow or flaky supplier
portals and regulator endpoints never block Odoo workers. For now it only
knows how to load and validate its configuration; the sync jobs come later.
"""

from __future__ import annotations

__all__ = ["__version__"]

#: Single source of the package version (read by setuptools via pyproject).
__version__ = "0.1.0"
