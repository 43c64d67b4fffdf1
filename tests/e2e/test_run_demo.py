"""``scripts/run-demo`` runs the whole product unattended, and one signal stops it.

The script is run as a newcomer runs it, with only the settings it documents
changed so that it cannot clash with anything: a throwaway database, a free
loopback port for Odoo, any free port for the demo portal, and a state folder
under pytest's temporary directory. Within a few minutes the demo SCAR's
event must be sent, the queued regulator reports validated with their files
on disk, and the supplier's answer on the SCAR; then SIGINT (what Ctrl-C
sends) must stop every process it started. A second run reuses the database
and makes a new API key.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from odoo_harness.e2e import ADMIN, OdooClient, tail
from odoo_harness.runner import OdooHarness, drop_database, free_port

pytestmark = pytest.mark.odoo

REPO = Path(__file__).resolve().parents[2]
RUN_DEMO = REPO / "scripts" / "run-demo"
DEMO_REPORTS = ("demo_report_us_initial", "demo_report_cn_initial", "demo_report_eu_followup")
#: Installing the addon with demo data on a busy 2-core machine, then the round trip.
FIRST_RUN_TIMEOUT = 900
NAMES = ("odoo", "portal", "agent")


def _session_processes(sid: int) -> list[int]:
    """Processes of session ``sid`` (run-demo is started as a session leader)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat_line.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:  # state, ppid, pgrp, session
            pids.append(int(entry.name))
    return pids


class Demo:
    """One ``scripts/run-demo`` process and what it wrote."""

    def __init__(self, env: dict[str, str], state: Path, log: Path) -> None:
        self.env, self.state, self.log = env, state, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(RUN_DEMO)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=REPO,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pids(self) -> dict[str, int]:
        return {name: int((self.state / "run" / f"{name}.pid").read_text()) for name in NAMES}

    def describe(self) -> str:
        parts = [f"==== run-demo output ({self.log}) ====", tail(self.log, 60)]
        for name in ("odoo", "agent", "portal", "apikey"):
            parts += [f"==== {name}.log ====", tail(self.state / "logs" / f"{name}.log", 30)]
        return "\n".join(parts)

    def interrupt(self, timeout: float = 120) -> int:
        """What Ctrl-C does: SIGINT to run-demo itself; returns its exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def kill_everything(self) -> None:
        if self.proc is None:
            return
        for pid in _session_processes(self.proc.pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def demo(odoo_harness: OdooHarness, tmp_path: Path) -> Iterator[Demo]:
    db = f"complaints_rundemo_{uuid.uuid4().hex[:10]}"
    state = tmp_path / "state"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("COMPLAINTS_") and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    pg = odoo_harness.pg
    env.update(
        ODOO_BIN=str(odoo_harness.odoo_bin),
        COMPLAINTS_PG_HOST=pg.host,
        COMPLAINTS_PG_PORT=str(pg.port),
        COMPLAINTS_PG_USER=pg.user,
        COMPLAINTS_PG_PASSWORD=pg.password,
        COMPLAINTS_DEMO_DB=db,
        COMPLAINTS_HTTP_PORT=str(free_port()),
        COMPLAINTS_DEMO_STATE_DIR=str(state),
        COMPLAINTS_DEMO_ANSWER_DELAY="3",
    )
    if sys.prefix != sys.base_prefix:  # the virtualenv running these tests holds the agent
        env["COMPLAINTS_VENV"] = sys.prefix
    runner = Demo(env, state, tmp_path / "run-demo.out")
    try:
        yield runner
    finally:
        runner.kill_everything()
        drop_database(pg, db)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(demo: Demo, predicate: Any, *, timeout: float, what: str, interval: float = 2) -> Any:
    """Poll ``predicate`` until truthy; fail at once if run-demo exits, or after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not demo.running():
            raise AssertionError(
                f"run-demo exited (code {demo.proc.returncode}) before {what}\n{demo.describe()}"
            )
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - Odoo may still be installing or starting
            last_error = exc
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout:.0f} s waiting for {what}; last error: {last_error!r}\n{demo.describe()}"
    )


def _round_trip_done(admin: OdooClient) -> dict[str, Any] | None:
    """The demo SCAR's events sent, its D4 answered, the queued reports validated with files."""
    scar_id = admin.xmlid("odoo_addon_complaints", "demo_scar_01")
    events = admin.search_read(
        "quality.sync.event",
        [("res_model", "=", "quality.scar"), ("res_id", "=", scar_id)],
        ["state", "event_type"],
    )
    steps = admin.search_read(
        "quality.scar.step", [("scar_id", "=", scar_id)], ["code", "state", "answer_id"]
    )
    reports = admin.search_read(
        "quality.regulatory.report",
        [("id", "in", [admin.xmlid("odoo_addon_complaints", name) for name in DEMO_REPORTS])],
        ["name", "state", "render_state", "file_name"],
    )
    d4 = next(step for step in steps if step["code"] == "D4")
    done = (
        events
        and all(event["state"] == "done" for event in events)
        and d4["state"] == "answered"
        and len(reports) == 3
        and all(r["state"] == "validated" and r["render_state"] == "done" for r in reports)
    )
    return {"events": events, "d4": d4, "reports": reports} if done else None


def test_run_demo_runs_the_whole_product_and_one_ctrl_c_stops_it(demo: Demo) -> None:
    demo.start()
    admin = OdooClient(
        f"http://127.0.0.1:{demo.env['COMPLAINTS_HTTP_PORT']}", demo.env["COMPLAINTS_DEMO_DB"], *ADMIN
    )
    result = _wait(
        demo,
        lambda: "all running" in demo.output() and _round_trip_done(admin),
        timeout=FIRST_RUN_TIMEOUT,
        what="run-demo to deliver the demo SCAR, get the supplier's answer and validate the queued reports",
    )
    output = demo.output()
    assert "creating database" in output, "the first run creates the database"
    assert "future work" not in output
    for where in ("Sync Events", "Sync Agents", "Regulator Reports", "submissions/", str(demo.state)):
        assert where in output, f"the banner says where to look: {where}"

    # The supplier's answer is on the SCAR, its root causes read out of Report8D
    # into our terms by the mapping; the reports' files are on disk.
    assert result["d4"]["answer_id"].startswith("demo-portal-"), result["d4"]
    causes = admin.search_read(
        "quality.scar.cause",
        [("step_id", "=", result["d4"]["id"])],
        ["cause_kind", "cause_level", "state"],
    )
    assert [(c["cause_kind"], c["cause_level"], c["state"]) for c in causes] == [
        ("occurrence", "technical", "proposed"),
        ("non_detection", "technical", "proposed"),
    ], causes
    submissions = demo.state / "submissions"
    for report in result["reports"]:
        assert (submissions / report["file_name"]).is_file(), (
            f"{report['name']}: {report['file_name']} not on disk"
        )

    # Odoo saw the agent; the key is a fresh one in a 0600 file and in no log.
    agents = admin.search_read("quality.sync.agent", [], ["agent_id", "last_claim_at"])
    assert [agent["agent_id"] for agent in agents] == [f"run-demo@{os.uname().nodename}"], agents
    key_file = demo.state / "odoo_api_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((demo.state / "portal_token").stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    logs = [demo.log, *sorted((demo.state / "logs").glob("*.log"))]
    for log in logs:
        assert key not in log.read_text(errors="replace"), f"the API key leaked into {log}"

    # One Ctrl-C stops everything it started.
    pids = demo.pids()
    http_port = int(demo.env["COMPLAINTS_HTTP_PORT"])
    assert demo.interrupt() == 130, demo.describe()
    assert _session_processes(demo.proc.pid) == [], "processes of run-demo are still running"
    for name, pid in pids.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not _port_open(http_port), "Odoo still listens"
    assert "stopped" in demo.output().splitlines()[-1]

    # A second run reuses the database and makes a new key (the old one is revoked).
    demo.log.write_text("")
    demo.start()
    _wait(
        demo, lambda: "all running" in demo.output(), timeout=300, interval=1, what="the second run to start"
    )
    second = demo.output()
    assert "creating database" not in second and "updating" not in second, "the database is reused as it is"
    assert key_file.read_text().strip() != key
    keys = admin.search_read("res.users.apikeys", [("name", "=", "run-demo")], ["user_id"])
    assert len(keys) == 1, f"the previous run's key is revoked: {keys}"
    time.sleep(1)
    assert demo.interrupt() == 130, demo.describe()
    assert _session_processes(demo.proc.pid) == []
