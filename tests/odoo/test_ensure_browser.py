"""scripts/ensure-browser: quiet when Odoo's tours have a browser, a clear command when they have none.

Runs the script with a PATH of its own, so neither the machine's Chromium
nor apt-get is used (nothing is installed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-browser"
BASH = shutil.which("bash") or "/bin/bash"


def _run(tmp_path: Path, browsers: tuple[str, ...], **env: str) -> subprocess.CompletedProcess[str]:
    """Run the script with only the tools it needs, and fake browsers, on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "id", "mktemp", "cat", "tail", "rm"):
        found = shutil.which(tool)
        if found is None:
            pytest.fail(f"{tool} not found: the script needs it")
        os.symlink(found, bin_dir / tool)
    for name in browsers:
        fake = bin_dir / name
        fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        fake.chmod(0o755)
    return subprocess.run(
        [BASH, str(SCRIPT)],
        env={"PATH": str(bin_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("browser", ["google-chrome", "chromium", "chromium-browser", "google-chrome-stable"])
def test_any_browser_odoo_finds_is_enough(tmp_path: Path, browser: str) -> None:
    result = _run(tmp_path, (browser,), CI="true")
    assert (result.returncode, result.stderr) == (0, "")


def test_without_a_browser_it_says_what_to_install(tmp_path: Path) -> None:
    result = _run(tmp_path, ())
    assert result.returncode == 1
    assert "Chromium (the headless browser of the portal tours) is not installed" in result.stderr
    assert "apt-get install chromium" in result.stderr
    assert "COMPLAINTS_BROWSER_AUTO_INSTALL=1" in result.stderr


def test_in_ci_without_apt_get_it_fails_with_the_same_advice(tmp_path: Path) -> None:
    # CI=true allows installing, but this PATH has no apt-get: nothing is installed, exit 1.
    result = _run(tmp_path, (), CI="true", COMPLAINTS_BROWSER_AUTO_INSTALL="1")
    assert result.returncode == 1
    assert "apt-get install chromium" in result.stderr
