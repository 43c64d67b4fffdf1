"""The code stays lint-clean: OCA's Odoo checks over the addon, ruff over everything.

The configuration lives in pyproject.toml ([tool.pylint.*] with the pylint-odoo
``odoolint`` set, [tool.ruff] and [tool.ruff.format]); these tests only run the
tools with it, so a finding fails the suite instead of waiting for a clean-up.
A missing tool fails too rather than skipping: the tools are part of the
``test`` extra, and a silently skipped lint would let findings back in.

To fix a failure: ``ruff format .`` for formatting, ``ruff check --fix .`` for
most ruff findings, and the message's own advice for pylint-odoo. A check that
is wrong for this project is disabled in pyproject.toml with its reason, or
inline on the one line with ``# pylint: disable=<check>`` and a comment why.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def _run_tool(module: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed; install the test extra: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_pylint_odoo_reports_nothing_on_the_addon():
    result = _run_tool("pylint", f"--rcfile={PYPROJECT}", "odoo_addon_complaints")
    assert result.returncode == 0, "pylint-odoo findings:\n" + result.stdout + result.stderr


def test_pylint_odoo_configuration_does_report_odoo_findings(tmp_path):
    """Guards the test above: a configuration that loads no Odoo check would pass vacuously."""
    addon = tmp_path / "lint_probe"
    (addon / "models").mkdir(parents=True)
    (addon / "__init__.py").write_text("from . import models\n")
    (addon / "__manifest__.py").write_text(
        repr(
            {
                "name": "Lint probe",
                "version": "18.0.1.0.0",
                "license": "LGPL-3",
                "author": "The Complaints Project contributors",
                "website": "https://example.invalid",
                "depends": ["base"],
                "installable": True,
            }
        )
        + "\n"
    )
    (addon / "models" / "__init__.py").write_text("from . import probe\n")
    (addon / "models" / "probe.py").write_text(
        textwrap.dedent(
            '''\
            """Probe."""
            from odoo import _, models


            class ResPartner(models.Model):
                _inherit = "res.partner"

                def probe(self):
                    return _("Hello")
            '''
        )
    )
    result = _run_tool("pylint", f"--rcfile={PYPROJECT}", str(addon), cwd=tmp_path)
    assert "prefer-env-translation" in result.stdout, result.stdout + result.stderr
    assert result.returncode != 0


def test_ruff_check_reports_nothing():
    result = _run_tool("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, "ruff check findings:\n" + result.stdout + result.stderr


def test_ruff_format_leaves_every_file_unchanged():
    result = _run_tool("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, "Run `ruff format .`; unformatted:\n" + result.stdout + result.stderr


def test_ruff_covers_the_python_scripts_without_suffix():
    """scripts/ holds commands without a .py suffix; extend-include must name each Python one."""
    result = _run_tool("ruff", "check", "--show-files", "--no-cache", ".")
    listed = {Path(line).resolve() for line in result.stdout.splitlines() if line.strip()}
    python_scripts = {
        path.resolve()
        for path in (ROOT / "scripts").iterdir()
        if path.is_file()
        and path.read_text(encoding="utf-8", errors="replace").startswith("#!/usr/bin/env python")
    }
    assert python_scripts, "expected Python scripts in scripts/"
    assert python_scripts <= listed, f"not linted by ruff: {sorted(map(str, python_scripts - listed))}"
