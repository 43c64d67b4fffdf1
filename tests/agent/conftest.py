"""Fixtures shared by the sync-agent tests."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sync_agent.config.loader import SETTINGS
from sync_agent import AgentSettings, MappingRegistry, PortalClient, StateStore, Worker
from sync_agent.testing import FakeOdooGateway, LoopbackPortal

from agent_helpers import MAPPINGS, PORTAL_TOKEN, SECRET, portal_settings


#: Every environment variable the agent reads (from the configuration's own table).
AGENT_ENV_VARS = tuple(setting.env for setting in SETTINGS if setting.env)


@pytest.fixture(autouse=True)
def clean_agent_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate every test from the developer's own agent configuration."""
    for var in AGENT_ENV_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    """``main()`` points the root logger at the test's captured stderr; put it
    back, or later tests would log into a closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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


@pytest.fixture(scope="session")
def registry() -> MappingRegistry:
    """The repository's own mapping files, loaded and checked."""
    return MappingRegistry.load_dir(MAPPINGS)


@pytest.fixture
def portal_server() -> Iterator[LoopbackPortal]:
    """A real HTTP portal on 127.0.0.1 that checks the bearer token."""
    with LoopbackPortal(token=PORTAL_TOKEN) as server:
        yield server


@pytest.fixture
def make_worker(
    tmp_path: Path, registry: MappingRegistry, portal_server: LoopbackPortal
) -> Iterator[Callable[..., Worker]]:
    """Build workers against the loopback portal; closes what it opened."""
    opened: list[Any] = []

    def build(
        gateway: FakeOdooGateway,
        *,
        agent_id: str = "agent-1",
        state_file: Path | None = None,
        portal: PortalClient | None = None,
        **settings: Any,
    ) -> Worker:
        state = StateStore(state_file or tmp_path / f"{agent_id}.sqlite3")
        client = portal or PortalClient(portal_settings(portal_server.base_url), sleep=lambda _s: None)
        opened.extend([state, client])
        values: dict[str, Any] = {
            "agent_id": agent_id,
            "batch_size": 10,
            "lease_seconds": 60,
            "state_file": state.path,
            "mappings_dir": MAPPINGS,
        }
        values.update(settings)
        return Worker(
            gateway=gateway, portal=client, registry=registry, state=state, settings=AgentSettings(**values)
        )

    yield build
    for item in opened:
        item.close()
