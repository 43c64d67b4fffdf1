"""End-to-end harness: one real Odoo 18 server with the addon and demo data, a
loopback supplier portal per test, and ``complaints-sync`` run as a subprocess.

The database is installed once per session (with demo data) and one Odoo
HTTP server on a free loopback port serves every test; both are removed at
the end. Without Odoo these tests are skipped exactly like ``tests/odoo``:
the ``odoo`` marker, the ``odoo_harness`` fixture and the end-of-run banner
come from the harness plugin (``tests/odoo_harness``), loaded for every
suite by ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from odoo_harness.e2e import (
    ADMIN,
    AGENT_LOGIN,
    PORTAL_TOKEN,
    AgentLauncher,
    OdooClient,
    OdooServer,
    Outbox,
    RecordingPortal,
    obtain_api_key,
    psql,
    tail,
)
from odoo_harness.runner import OdooHarness, analyse_log, drop_database, failure_report, free_port

_report_key = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_report_key, {})
    return any(r.failed for r in reports.values())


# -- session: one database, one server, one API key ------------------------------------


@pytest.fixture(scope="session")
def odoo_server(odoo_harness: OdooHarness, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OdooServer]:
    """The addon installed with demo data in a throwaway database, served on a free loopback port."""
    workdir = tmp_path_factory.mktemp("e2e-odoo")
    db = f"complaints_e2e_{uuid.uuid4().hex[:12]}"
    server = OdooServer(odoo_harness, db, free_port(), workdir)
    try:
        run = odoo_harness.install(db, workdir, demo=True, test_enable=False)
        if run.returncode != 0:
            pytest.fail(
                failure_report(run, analyse_log(run.log_text()), [f"installing the addon into {db} failed"]),
                pytrace=False,
            )
        server.start()
        yield server
    finally:
        server.stop()
        drop_database(odoo_harness.pg, db)


@pytest.fixture(scope="session")
def api_key_file(odoo_server: OdooServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real API key of the demo integration user, made over HTTP, in a 0600 file."""
    key = obtain_api_key(odoo_server.url, odoo_server.db, *AGENT_LOGIN, name="e2e tests", days="7")
    path = tmp_path_factory.mktemp("e2e-secrets") / "odoo_api_key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return path


@pytest.fixture(scope="session")
def api_key(api_key_file: Path) -> str:
    return api_key_file.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="session")
def admin(odoo_server: OdooServer) -> OdooClient:
    client = OdooClient(odoo_server.url, odoo_server.db, *ADMIN)
    client.authenticate()
    return client


@pytest.fixture(scope="session")
def outbox(admin: OdooClient) -> Outbox:
    return Outbox(admin)


# -- per test: a portal, agents, a quiet outbox ----------------------------------------------


@pytest.fixture
def portal() -> Iterator[RecordingPortal]:
    with RecordingPortal(token=PORTAL_TOKEN) as server:
        yield server


@pytest.fixture
def agents(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    odoo_server: OdooServer,
    api_key_file: Path,
    portal: RecordingPortal,
) -> Iterator[AgentLauncher]:
    """Launches ``complaints-sync`` against the session's Odoo and this test's portal;
    every process still running is killed at teardown, and on failure their stderr is shown."""
    workdir = tmp_path / "agents"
    workdir.mkdir()
    launcher = AgentLauncher(
        workdir,
        {
            "COMPLAINTS_ODOO_URL": odoo_server.url,
            "COMPLAINTS_ODOO_DB": odoo_server.db,
            "COMPLAINTS_ODOO_USER": AGENT_LOGIN[0],
            "COMPLAINTS_ODOO_API_KEY_FILE": str(api_key_file),
            "COMPLAINTS_PORTAL_URL": portal.base_url,
            "COMPLAINTS_PORTAL_TOKEN": PORTAL_TOKEN,
            "COMPLAINTS_SYNC_STATE_FILE": str(workdir / "state.sqlite3"),
            "COMPLAINTS_SYNC_AGENT_ID": f"e2e-{request.node.name}"[:100],
        },
    )
    try:
        yield launcher
    finally:
        launcher.kill_all()
        if _failed(request) and launcher.processes:
            print("==== agent processes of the failed test ====")
            print(launcher.describe_all())
            print(f"==== Odoo server log tail ({odoo_server.log_path}) ====")
            print(tail(odoo_server.log_path, 40))


@pytest.fixture
def quiet_outbox(odoo_server: OdooServer, outbox: Outbox, admin: OdooClient) -> None:
    """Cancel events left pending or leased by earlier tests, so that only this test's
    events are claimed (the demo's own events are left to the happy-path test)."""
    rows = admin.search_read(
        "quality.sync.event",
        [("target", "=", "supplier_portal"), ("state", "in", ["pending", "leased"])],
        ["state"],
    )
    pending = [row["id"] for row in rows if row["state"] == "pending"]
    if pending:
        admin.call("quality.sync.event", "action_cancel", pending)  # what an integration admin does
    if any(row["state"] == "leased" for row in rows):
        # Left by a killed agent of a failed test; a person would wait for the lease to lapse.
        psql(
            odoo_server.harness.pg,
            odoo_server.db,
            "UPDATE quality_sync_event SET state = 'cancelled', lease_owner = NULL WHERE state = 'leased'",
        )
