"""Helpers shared by the sync-agent tests (constants, example data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sync_agent import PortalSettings

#: A recognisable fake key: if it shows up in any output, a secret leaked.
SECRET = "s3cr3t-KEY-must-never-be-printed"
#: Same idea for the portal token.
PORTAL_TOKEN = "p0rtal-TOKEN-must-never-be-printed"

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
EXAMPLE_EVENT = MAPPINGS / "examples" / "scar.created.v1.json"


def example_event() -> dict[str, Any]:
    """A fresh copy of the documented example event (mappings/examples)."""
    return json.loads(EXAMPLE_EVENT.read_text(encoding="utf-8"))


def example_payload() -> dict[str, Any]:
    return example_event()["payload"]


#: The documented regulatory report event (target eu_mir_7_2_1, an initial report).
REGULATORY_EVENT = MAPPINGS / "examples" / "regulatory_report.render.v1.json"


def regulatory_event(**report: Any) -> dict[str, Any]:
    """A fresh copy of the regulatory report example, ``report`` fields changed."""
    event = json.loads(REGULATORY_EVENT.read_text(encoding="utf-8"))
    event["payload"]["report"].update(report)
    return event


def portal_settings(base_url: str, **overrides: Any) -> PortalSettings:
    values: dict[str, Any] = {
        "base_url": base_url,
        "token": PORTAL_TOKEN,
        "connect_timeout": 2,
        "read_timeout": 5,
        "max_attempts": 3,
        "retry_max_wait": 0.2,
    }
    values.update(overrides)
    return PortalSettings(**values)
