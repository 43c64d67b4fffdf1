"""The pytest plugin of the Odoo harness: find Odoo, give each test a throwaway database.

``tests/conftest.py`` loads it (``pytest_plugins``) for every test directory,
so ``tests/odoo``, ``tests/e2e`` and any later suite share one definition of
the ``odoo`` marker's skipping, the banner and the session fixtures. Its
modules are the harness's library: :mod:`odoo_harness.runner` runs Odoo and
judges its log, :mod:`odoo_harness.e2e` serves a real Odoo and drives agents.

Without Odoo 18 the tests marked ``odoo`` are skipped with a loud reason and
a warning banner is printed at the end of the run, so nobody mistakes a
green run without Odoo for a tested addon. Set COMPLAINTS_REQUIRE_ODOO=1 to
make a missing Odoo a failure instead (for machines that must have it).
Likewise, Odoo tests that Odoo itself skipped (the portal tours without
Chromium) get a banner of their own, and fail the run in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from odoo_harness.runner import OdooHarness, PgSettings, drop_database, find_odoo, odoo_version

REPO_ROOT = Path(__file__).resolve().parents[2]
ADDON = "odoo_addon_complaints"

_skipped_key = pytest.StashKey[list[str]]()
_odoo_skips_key = pytest.StashKey[list[str]]()
_missing_reason_key = pytest.StashKey[str]()


def _odoo_required() -> bool:
    return os.environ.get("COMPLAINTS_REQUIRE_ODOO", "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every ``odoo``-marked test up front when there is no Odoo."""
    odoo_bin, reason = find_odoo()
    config.stash[_skipped_key] = []
    if odoo_bin is not None or _odoo_required():
        return
    config.stash[_missing_reason_key] = reason
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("odoo"):
            item.add_marker(skip)
            config.stash[_skipped_key].append(item.nodeid)


@pytest.fixture
def odoo_skips(request: pytest.FixtureRequest) -> list[str]:
    """Where a test puts the Odoo tests that Odoo itself skipped, for the banner at the end of the run."""
    return request.config.stash.setdefault(_odoo_skips_key, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Print a banner that cannot be overlooked when Odoo tests were skipped."""
    _odoo_skips_banner(terminalreporter, config.stash.get(_odoo_skips_key, []))
    skipped = config.stash.get(_skipped_key, [])
    if not skipped:
        return
    reason = config.stash.get(_missing_reason_key, "Odoo not found")
    tr = terminalreporter
    tr.write_line("")
    tr.write_sep("!", "WARNING: ODOO TESTS NOT RUN", red=True, bold=True)
    tr.write_line(f"!!  {reason}", red=True, bold=True)
    tr.write_line(
        f"!!  {len(skipped)} Odoo test(s) skipped; the addon was NOT installed or tested:",
        red=True,
        bold=True,
    )
    for nodeid in skipped:
        tr.write_line(f"!!    - {nodeid}", red=True)
    tr.write_line(
        "!!  Provide Odoo 18: install the official Odoo 18.0 Community package, or", red=True, bold=True
    )
    tr.write_line(
        "!!  export ODOO_BIN=/path/to/odoo-bin (its odoo/addons must hold the standard addons).",
        red=True,
        bold=True,
    )
    tr.write_line("!!  Set COMPLAINTS_REQUIRE_ODOO=1 to turn this into a failure.", red=True, bold=True)
    tr.write_sep("!", "WARNING: ODOO TESTS NOT RUN", red=True, bold=True)


@pytest.fixture(scope="session")
def odoo_harness() -> OdooHarness:
    """The Odoo to test with, checked to be Odoo 18 with a reachable database."""
    odoo_bin, reason = find_odoo()
    if odoo_bin is None:
        if _odoo_required():
            pytest.fail(f"COMPLAINTS_REQUIRE_ODOO is set but {reason}", pytrace=False)
        pytest.skip(reason)
    version = odoo_version(odoo_bin)
    if not version.startswith("Odoo Server 18."):
        pytest.fail(
            f"{odoo_bin} --version printed {version!r}; this addon needs Odoo 18 "
            "(set ODOO_BIN to an Odoo 18 odoo-bin)",
            pytrace=False,
        )
    pg = PgSettings.from_env()
    if not pg.reachable():
        pytest.fail(
            f"PostgreSQL is not reachable at {pg.host}:{pg.port}; run scripts/ensure-postgres "
            "(scripts/test does this for you) or set COMPLAINTS_PG_HOST/COMPLAINTS_PG_PORT",
            pytrace=False,
        )
    return OdooHarness(odoo_bin=odoo_bin, version=version, pg=pg, addons_path=REPO_ROOT, module=ADDON)


@pytest.fixture
def throwaway_db(odoo_harness: OdooHarness) -> Iterator[str]:
    """A fresh database name; the database is dropped afterwards, pass or fail."""
    name = f"complaints_test_{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        drop_database(odoo_harness.pg, name)


def _odoo_skips_banner(tr: pytest.TerminalReporter, skips: list[str]) -> None:
    """The Odoo tests that Odoo skipped inside a run that passed (the portal tours without Chromium)."""
    if not skips:
        return
    tr.write_line("")
    tr.write_sep("!", "WARNING: ODOO TESTS SKIPPED", red=True, bold=True)
    tr.write_line(
        f"!!  Odoo skipped {len(skips)} of the addon's tests; they did NOT run:", red=True, bold=True
    )
    for name in skips:
        tr.write_line(f"!!    - {name}", red=True)
    tr.write_line(
        "!!  The portal tours need Chromium: run scripts/ensure-browser (it says what to install).",
        red=True,
        bold=True,
    )
    tr.write_line(
        "!!  In CI (CI=true) or with COMPLAINTS_REQUIRE_ALL_ODOO_TESTS=1 a skipped test fails the run.",
        red=True,
        bold=True,
    )
    tr.write_sep("!", "WARNING: ODOO TESTS SKIPPED", red=True, bold=True)
