"""Fixtures shared by the sync-agent tests."""

from __future__ import annotations

import pytest

AGENT_ENV_VARS = (
    "COMPLAINTS_ODOO_URL",
    "COMPLAINTS_ODOO_DB",
    "COMPLAINTS_ODOO_USER",
    "COMPLAINTS_ODOO_API_KEY",
    "COMPLAINTS_ODOO_API_KEY_FILE",
    "COMPLAINTS_SYNC_CONFIG",
)

#: A recognisable fake key: if it shows up in any output, a secret leaked.
SECRET = "s3cr3t-KEY-must-never-be-printed"


@pytest.fixture(autouse=True)
def clean_agent_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate every test from the developer's own agent configuration."""
    for var in AGENT_ENV_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def full_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A complete, valid configuration in the process environment."""
    values = {
        "COMPLAINTS_ODOO_URL": "http://localhost:8069",
        "COMPLAINTS_ODOO_DB": "complaints_demo",
        "COMPLAINTS_ODOO_USER": "sync-bot",
        "COMPLAINTS_ODOO_API_KEY": SECRET,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values
