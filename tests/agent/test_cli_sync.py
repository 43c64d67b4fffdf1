"""The delivery commands of complaints-sync: once, status, replay, render, run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from sync_agent import cli
from sync_agent.testing import FakeOdooGateway, Fault, LoopbackPortal

from agent_helpers import (
    EXAMPLE_EVENT,
    MAPPINGS,
    PORTAL_TOKEN,
    SECRET,
    example_event,
    example_payload,
    regulatory_event,
)


@pytest.fixture
def agent_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, portal_server: LoopbackPortal, full_env: dict[str, str]
) -> FakeOdooGateway:
    """Environment for a full agent, with Odoo replaced by a FakeOdooGateway."""
    monkeypatch.setenv("COMPLAINTS_PORTAL_URL", portal_server.base_url)
    monkeypatch.setenv("COMPLAINTS_PORTAL_TOKEN", PORTAL_TOKEN)
    monkeypatch.setenv("COMPLAINTS_SYNC_STATE_FILE", str(tmp_path / "state.sqlite3"))
    monkeypatch.setenv("COMPLAINTS_SYNC_AGENT_ID", "cli-agent")
    gateway = FakeOdooGateway()
    monkeypatch.setattr(cli, "make_gateway", lambda _settings: gateway)
    return gateway


def out_json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_once_delivers_and_prints_the_report(
    agent_env: FakeOdooGateway, portal_server: LoopbackPortal, capsys: pytest.CaptureFixture[str]
) -> None:
    uid = agent_env.add_event(example_payload())
    portal_server.add_answer(
        {
            "answer_id": "a1",
            "scar_ref": "SCAR-2025-0042",
            "step": "D3",
            "submitted_at": "2025-01-03T10:00:00Z",
        }
    )
    assert cli.main(["once"]) == 0
    report = out_json(capsys)
    assert report["delivery"]["delivered"] == 1 and report["answers"]["applied"] == 1
    assert agent_env.event(uid).state == "done"


def test_status_shows_odoo_and_the_journal(
    agent_env: FakeOdooGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_env.add_event(example_payload())
    assert cli.main(["once"]) == 0
    capsys.readouterr()
    agent_env.add_event(example_payload(), res_id=2)
    assert cli.main(["status"]) == 0
    status = out_json(capsys)
    assert status["odoo"]["counts"] == {
        "pending": 1,
        "leased": 0,
        "done": 1,
        "dead": 0,
        "cancelled": 0,
        "superseded": 0,
    }
    assert status["journal"]["deliveries"] == {"acked": 1}
    [agent] = status["odoo"]["agents"]
    assert agent["agent_id"] == "cli-agent" and agent["last_claim_at"] and not agent["silent"]
    assert status["odoo"]["agent_notice"] is None


def test_status_warns_when_no_agent_claimed_lately(
    agent_env: FakeOdooGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_env.add_event(example_payload())
    assert cli.main(["status"]) == 0
    captured = capsys.readouterr()
    status = json.loads(captured.out)
    assert status["odoo"]["agents"] == []
    assert "No sync agent has ever claimed events" in status["odoo"]["agent_notice"]
    assert "No sync agent has ever claimed events" in captured.err, "people see it without reading the JSON"


def test_status_with_odoo_down_exits_3(
    agent_env: FakeOdooGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_env.unavailable = True
    assert cli.main(["status"]) == 3
    assert "fake odoo is down" in out_json(capsys)["odoo"]["error"]


def test_replay(
    agent_env: FakeOdooGateway, portal_server: LoopbackPortal, capsys: pytest.CaptureFixture[str]
) -> None:
    portal_server.inject(Fault(status=400, body={"message": "unknown supplier"}))
    uid = agent_env.add_event(example_payload())
    cli.main(["once"])
    assert agent_env.event(uid).state == "dead"
    capsys.readouterr()
    assert cli.main(["replay", uid]) == 0  # delivered (the supplier was registered meanwhile)
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["journal"]["status"] == "delivered" and result["odoo_acked"] is False
    assert "Requeue" in captured.err  # Odoo only takes the ack of a leased event
    agent_env.requeue(uid)  # what the administrator does in Odoo
    assert cli.main(["once"]) == 0
    assert out_json(capsys)["delivery"]["acked_from_log"] == 1
    assert agent_env.event(uid).state == "done" and len(portal_server.posts()) == 2
    assert cli.main(["replay", "00000000-0000-4000-8000-000000000000"]) == 1
    assert "not in the local journal" in capsys.readouterr().err


def test_render_from_file_needs_no_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = example_event()
    broken["event_uid"] = "11111111-1111-4111-8111-111111111111"
    broken["payload"]["customer"]["bpn"] = None
    events = tmp_path / "events.jsonl"
    events.write_text(EXAMPLE_EVENT.read_text().replace("\n", " ") + "\n" + json.dumps(broken) + "\n")
    out = tmp_path / "out"
    assert cli.main(["render", "--input", str(events), "--out", str(out), "--mappings", str(MAPPINGS)]) == 1
    assert "rendered 1 document(s), 1 failure(s)" in capsys.readouterr().out
    index = json.loads((out / "index.json").read_text())
    assert index[0]["status"] == "ok" and index[0]["path"] == "/api/v1/report8d"
    document = json.loads((out / index[0]["file"]).read_text())
    assert document["header"]["customerComplaintId"] == "SCAR-2025-0042"
    assert index[1]["status"] == "failed"
    assert "$.header.customerContact: 'bpnlProperty' is a required property" in index[1]["error"]


def test_render_without_any_path_setting_uses_the_packaged_mappings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [json.loads(f.read_text()) for f in sorted((MAPPINGS / "examples").glob("*.json"))]
    (tmp_path / "events.json").write_text(json.dumps(events))
    out = tmp_path / "out"
    assert cli.main(["render", "--input", str(tmp_path / "events.json"), "--out", str(out)]) == 0
    assert f"rendered {len(events)} document(s), 0 failure(s)" in capsys.readouterr().out


def test_render_from_odoo_sends_nothing_and_releases(
    agent_env: FakeOdooGateway,
    portal_server: LoopbackPortal,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uid = agent_env.add_event(example_payload())
    assert cli.main(["render", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / f"{uid}.json").exists()
    assert portal_server.requests == []
    event = agent_env.event(uid)
    assert event.state == "pending" and event.attempts == 0


def test_bad_mapping_file_stops_start_up_with_exit_2(
    agent_env: FakeOdooGateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    text = (mappings / "supplier_portal_status.yaml").read_text().replace("[iso_datetime]", "[iso_datetim]")
    (mappings / "supplier_portal_status.yaml").write_text(text)
    monkeypatch.setenv("COMPLAINTS_SYNC_MAPPINGS_DIR", str(mappings))
    agent_env.add_event(example_payload())
    assert cli.main(["once"]) == 2
    err = capsys.readouterr().err
    assert (
        "supplier_portal_status.yaml: fields[7].transforms[0] (target changedAt): unknown transform "
        "'iso_datetim'" in err
    )
    assert agent_env.claims == []  # nothing claimed with a broken mapping


def portal_only_mappings(tmp_path: Path) -> Path:
    """A mappings directory with the supplier portal's mappings and no regulator form."""
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS / "schemas", mappings / "schemas")
    for name in ("supplier_portal_report8d.yaml", "supplier_portal_status.yaml"):
        shutil.copy(MAPPINGS / name, mappings / name)
    return mappings


def test_commands_need_a_portal_without_regulator_targets(
    full_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMPLAINTS_SYNC_MAPPINGS_DIR", str(portal_only_mappings(tmp_path)))
    monkeypatch.setenv("COMPLAINTS_SYNC_PACKAGED_MAPPINGS", "false")  # that directory alone
    assert cli.main(["once"]) == 2
    assert "portal is not configured" in capsys.readouterr().err


def test_a_mappings_dir_is_laid_over_the_packaged_mappings(
    agent_env: FakeOdooGateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The packaged regulator forms stay served beside a portal-only directory;
    with packaged_mappings off, the agent claims only what that directory maps."""
    monkeypatch.chdir(tmp_path)  # the submission folder defaults to ./submissions
    monkeypatch.setenv("COMPLAINTS_SYNC_MAPPINGS_DIR", str(portal_only_mappings(tmp_path)))
    scar = agent_env.add_event(example_payload())
    report = regulatory_event()
    mir = agent_env.add_event(report["payload"], target=report["target"], event_type=report["event_type"])
    assert cli.main(["once"]) == 0
    assert out_json(capsys)["delivery"]["delivered"] == 2
    assert agent_env.event(scar).state == "done" and agent_env.event(mir).state == "done"
    assert [r["file_name"] for r in agent_env.rendered] == [agent_env.event(mir).remote_ref]
    monkeypatch.setenv("COMPLAINTS_SYNC_PACKAGED_MAPPINGS", "false")
    later = agent_env.add_event(report["payload"], target=report["target"], event_type=report["event_type"])
    assert cli.main(["once"]) == 0
    assert agent_env.event(later).state == "pending" and agent_env.event(later).attempts == 0


def test_check_config_hides_the_portal_token(
    agent_env: FakeOdooGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "portal.token = <set, hidden>" in out and "agent.agent_id = cli-agent" in out
    assert PORTAL_TOKEN not in out and SECRET not in out


def test_run_stops_on_sigterm(
    agent_env: FakeOdooGateway, portal_server: LoopbackPortal, capsys: pytest.CaptureFixture[str]
) -> None:
    uids = [agent_env.add_event(example_payload(), res_id=i) for i in range(3)]
    timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        assert cli.main(["--log-level", "info", "run"]) == 0
    finally:
        timer.cancel()
    assert {agent_env.event(u).state for u in uids} == {"done"}
    err = capsys.readouterr().err
    messages = [json.loads(line)["msg"] for line in err.splitlines() if line.startswith("{")]
    assert "agent started" in messages and "agent stopped" in messages
    assert PORTAL_TOKEN not in err and SECRET not in err
