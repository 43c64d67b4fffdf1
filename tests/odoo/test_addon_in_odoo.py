"""Install the addon into a real Odoo 18 and run its own Odoo tests.

These are the tests that prove the addon works: the pure-Python tests of the
sync agent cannot. Each test creates a throwaway database, keeps the complete
Odoo log under pytest's tmp dir (the path is in every failure message), and
drops the database afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from odoo_harness.runner import (
    OdooHarness,
    OdooRun,
    analyse_log,
    export_translation_template,
    failure_report,
    skips_fail_the_run,
    template_msgids,
)

pytestmark = pytest.mark.odoo


def _basic_problems(run: OdooRun, errors: int) -> list[str]:
    problems: list[str] = []
    if run.timed_out:
        problems.append(f"Odoo did not finish within the timeout and was killed ({run.duration:.0f} s)")
    elif run.returncode != 0:
        problems.append(f"Odoo exited with code {run.returncode}")
    if errors:
        problems.append(f"Odoo logged {errors} ERROR/CRITICAL record(s)")
    return problems


def _stale_template_problems(h: OdooHarness, database: str, workdir: Path) -> list[str]:
    export, exported = export_translation_template(
        h.odoo_bin, h.pg, addons_path=h.addons_path, module=h.module, database=database, workdir=workdir
    )
    if export.returncode != 0 or not exported.exists():
        return [f"exporting the translation template failed (log: {export.log_path})"]
    # Odoo logs a file it cannot read terms from and exports the rest: those terms would
    # silently reach users untranslated.
    unread = [record.message for record in analyse_log(export.log_text()).problems]
    if unread:
        return [f"exporting the translation template logged {len(unread)} error(s): {unread[:3]}"]
    committed = h.addons_path / h.module / "i18n" / f"{h.module}.pot"
    current, saved = template_msgids(exported), template_msgids(committed)
    if current == saved:
        return []
    return [
        f"{committed.relative_to(h.addons_path)} is out of date: "
        f"{len(current - saved)} new term(s) {sorted(current - saved)[:5]}, "
        f"{len(saved - current)} stale term(s) {sorted(saved - current)[:5]}; "
        f"copy {exported} over it and translate the new terms in zh_CN.po"
    ]


def test_install_with_demo_and_run_odoo_tests(
    odoo_harness: OdooHarness, throwaway_db: str, tmp_path: Path, odoo_skips: list[str]
) -> None:
    """Install with demo data and --test-enable; every Odoo test must pass.

    An Odoo test that skipped (the portal tours without Chromium) is listed in
    a banner at the end of the pytest run, and fails this test in CI (see
    :func:`skips_fail_the_run`).

    The same database then exports the module's translation template, which
    must match the committed ``i18n/*.pot``: otherwise new terms would reach
    users untranslated (tests/addon/test_translations.py checks zh_CN.po
    against that template).
    """
    h = odoo_harness
    run = h.install(throwaway_db, tmp_path, demo=True, test_enable=True)
    analysis = analyse_log(run.log_text())
    problems = _basic_problems(run, len(analysis.problems))
    if analysis.tests_run is None:
        problems.append(
            "Odoo printed no test result line (odoo.tests.result: ... of N tests) - did the tests run at all?"
        )
    elif analysis.tests_run == 0:
        problems.append(
            f"Odoo ran 0 tests with --test-tags=/{h.module}: the addon has no (discoverable) tests"
        )
    if analysis.tests_failed or analysis.tests_errored:
        problems.append(
            f"Odoo tests: {analysis.tests_failed} failed, {analysis.tests_errored} error(s) "
            f"of {analysis.tests_run} tests"
        )
    odoo_skips.extend(analysis.skipped_tests)
    if analysis.skipped_tests and skips_fail_the_run():
        problems.append(
            f"Odoo skipped {len(analysis.skipped_tests)} test(s) (CI=true or COMPLAINTS_REQUIRE_ALL_ODOO_TESTS=1 "
            "forbids skips; tours need Chromium: scripts/ensure-browser): "
            + "; ".join(analysis.skipped_tests)
        )
    if not problems:
        problems += _stale_template_problems(h, throwaway_db, tmp_path / "i18n")
    if problems:
        pytest.fail(
            failure_report(
                run,
                analysis,
                [
                    f"installing {h.module} with demo data and running its tests failed:",
                    *[f"  * {p}" for p in problems],
                ],
            ),
            pytrace=False,
        )


def test_install_without_demo(odoo_harness: OdooHarness, throwaway_db: str, tmp_path: Path) -> None:
    """Production databases have no demo data: the addon must install there too."""
    h = odoo_harness
    run = h.install(throwaway_db, tmp_path, demo=False, test_enable=False)
    analysis = analyse_log(run.log_text())
    problems = _basic_problems(run, len(analysis.problems))
    if problems:
        pytest.fail(
            failure_report(
                run,
                analysis,
                [f"installing {h.module} without demo data failed:", *[f"  * {p}" for p in problems]],
            ),
            pytrace=False,
        )
