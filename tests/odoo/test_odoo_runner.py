"""The harness's own logic (log parsing, discovery), without needing Odoo.

The log samples are real Odoo 18 lines captured from runs of a throwaway
addon with passing, failing and erroring tests and a broken view.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from odoo_harness.runner import (
    NO_ODOO_REASON,
    OdooRun,
    PgSettings,
    analyse_log,
    drop_database,
    failure_report,
    find_odoo,
    skips_fail_the_run,
)

DB = "complaints_test_90a5a9148e1a"
FAILING_LOG = f"""\
2026-11-21 08:18:27,500 4594 INFO {DB} odoo.modules.loading: Loading module tmp_bad (13/13) 
2026-11-21 08:18:27,564 4594 ERROR {DB} odoo.addons.tmp_bad: deliberate ERROR record from tmp_bad at import 
2026-11-21 08:18:27,608 4594 INFO {DB} odoo.addons.tmp_bad.tests.test_bad: ====================================================================== 
2026-11-21 08:18:27,608 4594 ERROR {DB} odoo.addons.tmp_bad.tests.test_bad: ERROR: TestBad.test_errors
Traceback (most recent call last):
  File "/tmp/hx/bad/tmp_bad/tests/test_bad.py", line 8, in test_errors
    raise RuntimeError("deliberate error")
RuntimeError: deliberate error
 
2026-11-21 08:18:27,608 4594 ERROR {DB} odoo.addons.tmp_bad.tests.test_bad: FAIL: TestBad.test_fails
Traceback (most recent call last):
  File "/tmp/hx/bad/tmp_bad/tests/test_bad.py", line 5, in test_fails
    self.assertEqual(1, 2, "deliberate failure")
AssertionError: 1 != 2 : deliberate failure
 
2026-11-21 08:18:27,635 4594 ERROR {DB} odoo.modules.loading: Module tmp_bad: 1 failures, 1 errors of 3 tests 
2026-11-21 08:18:31,313 4594 ERROR {DB} odoo.tests.suite: ERROR: setUpClass (odoo.addons.tmp_bad.tests.test_bad.TestBadSetup)
Traceback (most recent call last):
ValueError: deliberate setUpClass error
 
2026-11-21 08:18:31,315 4594 INFO {DB} odoo.tests.stats: tmp_bad: 7 tests 0.03s 10 queries 
2026-11-21 08:18:31,315 4594 ERROR {DB} odoo.tests.result: 1 failed, 2 error(s) of 3 tests when loading database '{DB}' 
2026-11-21 08:18:31,315 4594 INFO {DB} odoo.service.server: Initiating shutdown 
"""

PASSING_LOG = f"""\
2026-11-21 08:18:16,909 4559 INFO {DB} odoo.tests.stats: tmp_good: 6 tests 0.03s 10 queries 
2026-11-21 08:18:16,909 4559 INFO {DB} odoo.tests.result: 0 failed, 0 error(s) of 2 tests when loading database '{DB}' 
2026-11-21 08:18:16,910 4559 WARNING {DB} odoo.models: a warning is not a failure 
"""

# A tour without Chromium: Odoo says "skipped" at INFO and counts no failure.
TOUR = "TestComplaintPortalTour.test_customer_registers_two_lines_with_a_photo_then_accepts_the_solution"
SKIPPING_LOG = f"""\
2026-12-04 18:16:20,730 19490 INFO {DB} odoo.addons.odoo_addon_complaints.tests.test_complaint_portal_tour: Starting {TOUR} ... 
2026-12-04 18:16:21,143 19490 WARNING {DB} odoo.addons.odoo_addon_complaints.tests.common: Tour complaint_portal_register did NOT run (Chrome executable not found): install Chromium (scripts/ensure-browser) to run the portal tours. 
2026-12-04 18:16:21,143 19490 INFO {DB} odoo.addons.odoo_addon_complaints.tests.test_complaint_portal_tour: skipped {TOUR} : tour complaint_portal_register did NOT run: Chrome executable not found 
2026-12-04 18:16:21,181 19490 INFO {DB} odoo.tests.result: 0 failed, 0 error(s) of 1 tests when loading database '{DB}' 
"""


def test_passing_log_has_no_problems() -> None:
    analysis = analyse_log(PASSING_LOG)
    assert analysis.problems == []
    assert analysis.failing_tests == []
    assert (analysis.tests_run, analysis.tests_failed, analysis.tests_errored) == (2, 0, 0)
    assert len(analysis.stats_lines) == 1


def test_failing_log_names_every_failing_test() -> None:
    analysis = analyse_log(FAILING_LOG)
    assert analysis.failing_tests == [
        "tmp_bad.tests.test_bad: ERROR: TestBad.test_errors",
        "tmp_bad.tests.test_bad: FAIL: TestBad.test_fails",
        "odoo.tests.suite: ERROR: setUpClass (odoo.addons.tmp_bad.tests.test_bad.TestBadSetup)",
    ]
    assert (analysis.tests_run, analysis.tests_failed, analysis.tests_errored) == (3, 1, 2)
    assert [r.level for r in analysis.problems] == ["ERROR"] * 6
    # Tracebacks stay attached to their record.
    assert "AssertionError: 1 != 2 : deliberate failure" in analysis.problems[2].text


def test_skipped_tests_are_named_with_their_reason(tmp_path: Path) -> None:
    analysis = analyse_log(SKIPPING_LOG)
    assert (analysis.tests_run, analysis.tests_failed, analysis.tests_errored) == (1, 0, 0)
    assert analysis.problems == []
    assert analysis.skipped_tests == [
        f"odoo_addon_complaints.tests.test_complaint_portal_tour: {TOUR}: "
        "tour complaint_portal_register did NOT run: Chrome executable not found"
    ]
    assert analyse_log(PASSING_LOG).skipped_tests == []
    log = tmp_path / "odoo.log"
    log.write_text(SKIPPING_LOG, encoding="utf-8")
    run = OdooRun(command=["odoo"], returncode=0, log_path=log, duration=1.0, timed_out=False)
    assert "skipped Odoo tests (1):\n  - odoo_addon_complaints" in failure_report(run, analysis, ["h"])


@pytest.mark.parametrize(
    ("environ", "fails"),
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"CI": "true", "COMPLAINTS_REQUIRE_ALL_ODOO_TESTS": "0"}, False),
        ({"COMPLAINTS_REQUIRE_ALL_ODOO_TESTS": "1"}, True),
        ({"CI": "false"}, False),
    ],
)
def test_skips_fail_the_run_in_ci_or_when_required(environ: dict[str, str], fails: bool) -> None:
    assert skips_fail_the_run(environ) is fails


def test_failure_report_lists_tests_errors_tail_and_log_path(tmp_path: Path) -> None:
    log = tmp_path / "odoo.log"
    log.write_text(FAILING_LOG, encoding="utf-8")
    run = OdooRun(
        command=["odoo", "--db_password=***"], returncode=1, log_path=log, duration=3.0, timed_out=False
    )
    report = failure_report(run, analyse_log(FAILING_LOG), ["headline"], tail=2)
    assert report.startswith("headline")
    assert f"full log: {log}" in report
    assert "  - tmp_bad.tests.test_bad: FAIL: TestBad.test_fails" in report
    assert "deliberate ERROR record from tmp_bad at import" in report
    assert "RuntimeError: deliberate error" in report
    assert "last 2 log lines:" in report
    assert report.rstrip().endswith("odoo.service.server: Initiating shutdown")


def test_find_odoo_prefers_odoo_bin(tmp_path: Path) -> None:
    fake = tmp_path / "odoo-bin"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    assert find_odoo({"ODOO_BIN": str(fake), "PATH": ""}) == (fake, "")


def test_find_odoo_rejects_unusable_odoo_bin(tmp_path: Path) -> None:
    path, reason = find_odoo({"ODOO_BIN": str(tmp_path / "missing"), "PATH": os.environ.get("PATH", "")})
    assert path is None
    assert "ODOO_BIN" in reason and "NOT run" in reason


def test_find_odoo_on_path_and_missing(tmp_path: Path) -> None:
    fake = tmp_path / "odoo"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    assert find_odoo({"PATH": str(tmp_path)}) == (fake, "")
    assert find_odoo({"PATH": str(tmp_path / "empty")}) == (None, NO_ODOO_REASON)


def test_pg_settings_from_env_and_flags() -> None:
    pg = PgSettings.from_env({"COMPLAINTS_PG_USER": "u", "COMPLAINTS_PG_PASSWORD": "p", "PGPORT": "5433"})
    assert pg == PgSettings(host="127.0.0.1", port=5433, user="u", password="p")
    assert pg.odoo_flags() == ["--db_host=127.0.0.1", "--db_port=5433", "--db_user=u", "--db_password=p"]
    assert PgSettings.from_env({}) == PgSettings()


@pytest.mark.parametrize("name", ["x; DROP", "a-b", ""])
def test_drop_database_refuses_odd_names(name: str) -> None:
    with pytest.raises(ValueError):
        drop_database(PgSettings(), name)
