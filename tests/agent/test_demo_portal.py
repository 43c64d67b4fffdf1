"""The demo supplier portal of scripts/run-demo answers each SCAR it receives once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from sync_agent.testing.demo_portal import DemoSupplierPortal, supplier_answer
from sync_agent import AnswerPoller, PortalClient, StateStore, Worker
from sync_agent.mapping.schemas import load_schema
from sync_agent.testing import FakeOdooGateway

from agent_helpers import MAPPINGS, PORTAL_TOKEN, example_payload, portal_settings

REPORT8D = load_schema(MAPPINGS / "schemas" / "io.catenax.report_8d_1.0.0_gen_Report8D-schema.json")


def _wait_for(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_delivered_scar_is_answered_with_a_valid_d4_once(
    tmp_path: Path, make_worker: Callable[..., Worker]
) -> None:
    gateway = FakeOdooGateway()
    payload = example_payload()
    scar_ref = payload["scar"]["number"]
    gateway.add_event(payload, res_id=1)
    gateway.add_event(payload, res_id=1, event_type="scar.updated")
    with DemoSupplierPortal(token=PORTAL_TOKEN, answer_delay=0.2) as portal:
        client = PortalClient(portal_settings(portal.base_url), sleep=lambda _s: None)
        worker = make_worker(gateway, portal=client)
        assert worker.run_once().delivered == 2
        assert portal.answers == [], "the supplier takes a few seconds"
        _wait_for(lambda: portal.answers)
        time.sleep(0.3)
        state = StateStore(tmp_path / "answers.sqlite3")
        poller = AnswerPoller(gateway=gateway, portal=client, state=state, report_schema=REPORT8D)
        report = poller.poll()
        state.close()
    assert (report.applied, report.rejected) == (1, 0), (
        "one answer per SCAR, valid for the agent and Report8D"
    )
    [(ref, answer)] = gateway.answers
    assert ref == scar_ref
    assert (answer["step"], answer["status"]) == ("D4", "valid")
    assert answer["report"]["stepD4"]["causes"][0]["typeOfCauses"] == "TUA"


def test_the_answer_matches_the_report8d_schema() -> None:
    answer = supplier_answer("SCAR-1")
    assert REPORT8D.partial().errors(answer["report"]) == []


def test_it_runs_on_its_own_on_the_loopback_and_stops_on_sigterm(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("demo-token\n", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync_agent.testing.demo_portal",
            "--token-file",
            str(token_file),
            "--answer-delay",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PORT "), line
        url = f"http://127.0.0.1:{int(line.split()[1])}/api/v1/answers"
        session = requests.Session()
        session.trust_env = False
        assert session.get(url, timeout=5).status_code == 401, "the token is checked"
        ok = session.get(url, headers={"Authorization": "Bearer demo-token"}, timeout=5)
        assert ok.status_code == 200 and ok.json()["answers"] == []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "demo supplier portal stopped" in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
