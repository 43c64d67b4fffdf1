"""The agent as a deployment gets it: built into a wheel, installed into a fresh
virtualenv outside the repository, run with no path setting (issue #12).

Slow (a wheel build and a virtualenv with every dependency from the package
index, about a minute with a warm pip cache), so marked ``slow``; it is part
of the normal run all the same: it is the only test that sees the package as
installed rather than as this checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent_helpers import MAPPINGS, REPO

pytestmark = pytest.mark.slow

#: What the wheel is built from; copied so that the build leaves nothing
#: (build/, *.egg-info) in the checkout and cannot pick up stale files there.
SOURCES = ("pyproject.toml", "README.md", "sync_agent", "mappings")
#: Seconds for one pip step (resolving and installing the dependencies).
PIP_TIMEOUT = 600

#: Run in the installed virtualenv: one `once` cycle of the real CLI, with
#: Odoo replaced by the package's FakeOdooGateway and the portal by its
#: loopback portal, and the settings the README's quick start names (no path).
ONCE = """
import json, os, sys
from sync_agent import cli, packaged_mappings_dir
from sync_agent.testing import FakeOdooGateway, LoopbackPortal

gateway = FakeOdooGateway()
for event in json.loads(open(sys.argv[1], encoding="utf-8").read()):
    gateway.add_event(
        event["payload"], target=event["target"], event_type=event["event_type"],
        res_model=event["res_model"], res_id=event["res_id"],
    )
with LoopbackPortal(token="wheel-token") as portal:
    os.environ.update(
        COMPLAINTS_ODOO_URL="http://127.0.0.1:9",  # never called: the fake gateway stands in
        COMPLAINTS_ODOO_DB="db",
        COMPLAINTS_ODOO_USER="sync_agent",
        COMPLAINTS_ODOO_API_KEY="key",
        COMPLAINTS_PORTAL_URL=portal.base_url,
        COMPLAINTS_PORTAL_TOKEN="wheel-token",
    )
    cli.make_gateway = lambda _settings: gateway
    code = cli.main(["once"])
    effects = len(portal.effects)
print(json.dumps({
    "code": code,
    "states": gateway.states(),
    "effects": effects,
    "rendered": [r["file_name"] for r in gateway.rendered],
    "packaged": str(packaged_mappings_dir()),
}))
"""


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 120) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _clean_env(home: Path) -> dict[str, str]:
    """No COMPLAINTS_* setting, no PYTHONPATH back into the checkout, a fresh home."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("COMPLAINTS_", "PYTHON", "VIRTUAL_ENV"))}
    keep.pop("XDG_STATE_HOME", None)
    return {**keep, "HOME": str(home), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv, outside the repository, with the agent's wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    assert REPO.resolve() not in root.resolve().parents
    source = root / "src"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    env = _clean_env(root / "home")
    (root / "home").mkdir()
    dist = root / "dist"
    pip = [sys.executable, "-m", "pip", "--no-input", "-q"]
    _run([*pip, "wheel", "--no-deps", "-w", str(dist), str(source)], cwd=root, env=env, timeout=PIP_TIMEOUT)
    (wheel,) = dist.glob("odoo_complaints_sync-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=root, env=env)
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "--no-input", "-q", "install", str(wheel)],
        cwd=root,
        env=env,
        timeout=PIP_TIMEOUT,
    )
    return venv


def _examples(into: Path) -> Path:
    """The documented example events (mappings/examples), as one JSON list."""
    events = [
        json.loads(f.read_text(encoding="utf-8")) for f in sorted((MAPPINGS / "examples").glob("*.json"))
    ]
    assert {e["target"] for e in events} >= {"supplier_portal", "eu_mir_7_2_1"}
    into.write_text(json.dumps(events), encoding="utf-8")
    return into


def test_the_wheel_ships_every_mapping_and_schema(installed: Path, tmp_path: Path) -> None:
    code = "from sync_agent import packaged_mappings_dir as d; print(d())"
    packaged = Path(
        _run([str(installed / "bin" / "python"), "-c", code], cwd=tmp_path, env=_clean_env(tmp_path)).strip()
    )
    assert installed.resolve() in packaged.resolve().parents  # in site-packages, not this checkout
    shipped = {p.relative_to(packaged).as_posix(): p.read_bytes() for p in packaged.rglob("*") if p.is_file()}
    source = {p.relative_to(MAPPINGS).as_posix(): p.read_bytes() for p in MAPPINGS.rglob("*") if p.is_file()}
    assert shipped.keys() == source.keys() and shipped == source


def test_render_from_the_wheel_needs_no_path_setting(installed: Path, tmp_path: Path) -> None:
    events = _examples(tmp_path / "events.json")
    out = tmp_path / "rendered"
    stdout = _run(
        [str(installed / "bin" / "complaints-sync"), "render", "--input", str(events), "--out", str(out)],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
    )
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert f"rendered {len(index)} document(s), 0 failure(s)" in stdout
    assert [entry["status"] for entry in index] == ["ok"] * 3
    for entry in index:  # written, and (being "ok") valid against its schema or XSD
        assert (out / entry["file"]).stat().st_size > 0
    assert any(entry["file"].endswith(".xml") for entry in index)  # the EU MIR file


def test_once_from_the_wheel_delivers_and_writes_with_no_path_setting(
    installed: Path, tmp_path: Path
) -> None:
    events = _examples(tmp_path / "events.json")
    script = tmp_path / "once.py"
    script.write_text(ONCE, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    stdout = _run(
        [str(installed / "bin" / "python"), str(script), str(events)], cwd=work, env=_clean_env(tmp_path)
    )
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["code"] == 0 and result["states"] == {"done": 3}
    assert result["effects"] == 2  # the SCAR and the complaint status went to the portal
    (file_name,) = result["rendered"]  # the regulatory report became a file
    assert (work / "submissions" / file_name).is_file()
    assert installed.resolve() in Path(result["packaged"]).resolve().parents
