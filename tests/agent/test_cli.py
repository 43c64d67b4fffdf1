"""Behaviour of the complaints-sync command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync_agent import __version__
from sync_agent.cli import main

SECRET = "s3cr3t-KEY-must-never-be-printed"  # same value as conftest.full_env


def _console_script() -> Path:
    """The installed ``complaints-sync`` next to the running interpreter."""
    bindir = Path(sys.executable).parent
    for name in ("complaints-sync", "complaints-sync.exe"):
        if (bindir / name).exists():
            return bindir / name
    pytest.fail(
        f"console script complaints-sync is not installed in {bindir}; "
        "install the project (scripts/test does `pip install -e '.[test]'`)",
        pytrace=False,
    )


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"complaints-sync {__version__}"


def test_console_script_version() -> None:
    result = subprocess.run(
        [str(_console_script()), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"complaints-sync {__version__}"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_check_config_prints_config_without_secret(
    full_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config"]) == 0
    out, err = capsys.readouterr()
    assert "configuration OK" in out
    assert "odoo.db = complaints_demo" in out
    assert "odoo.user = sync-bot" in out
    assert "odoo.url = http://localhost:8069" in out
    assert "odoo.api_key = <set, hidden>" in out
    assert SECRET not in out + err


def test_check_config_with_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET, encoding="utf-8")
    config_file = tmp_path / "agent.toml"
    config_file.write_text(
        f'[odoo]\nurl = "http://odoo:8069"\ndb = "filedb"\nuser = "bot"\napi_key_file = "{key_file}"\n',
        encoding="utf-8",
    )
    assert main(["check-config", "--config", str(config_file)]) == 0
    out, err = capsys.readouterr()
    assert "odoo.db = filedb" in out
    assert SECRET not in out + err


def test_check_config_missing_field_exits_2_naming_it(
    full_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COMPLAINTS_ODOO_USER")
    assert main(["check-config"]) == 2
    out, err = capsys.readouterr()
    assert "odoo.user is missing" in err
    assert "COMPLAINTS_ODOO_USER" in err
    assert "configuration OK" not in out
    assert SECRET not in out + err


def test_check_config_invalid_config_logs_json_to_stderr(
    full_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COMPLAINTS_ODOO_URL", "ftp://wrong")
    assert main(["--log-level", "info", "check-config"]) == 2
    _, err = capsys.readouterr()
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert records, f"no JSON log line on stderr: {err!r}"
    record = records[-1]
    assert record["level"] == "ERROR"
    assert record["logger"] == "sync_agent.cli"
    assert any(p.startswith("odoo.url is invalid") for p in record["problems"])
    assert SECRET not in err


def test_check_config_subprocess_never_prints_key_from_file(tmp_path: Path) -> None:
    """End to end through the console script, as an operator would run it."""
    key_file = tmp_path / "key"
    key_file.write_text(SECRET, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPLAINTS_ODOO_", "COMPLAINTS_SYNC_"))}
    env.update(
        COMPLAINTS_ODOO_URL="http://localhost:8069",
        COMPLAINTS_ODOO_DB="complaints_demo",
        COMPLAINTS_ODOO_USER="sync-bot",
        COMPLAINTS_ODOO_API_KEY_FILE=str(key_file),
    )
    ok = subprocess.run(
        [str(_console_script()), "--log-level", "debug", "check-config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "odoo.api_key = <set, hidden>" in ok.stdout
    assert SECRET not in ok.stdout + ok.stderr

    del env["COMPLAINTS_ODOO_DB"]
    bad = subprocess.run(
        [str(_console_script()), "check-config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "odoo.db is missing" in bad.stderr
    assert SECRET not in bad.stdout + bad.stderr
