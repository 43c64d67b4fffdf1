"""complaints-sync with regulator targets: render --out, and once/run without a portal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sync_agent import cli
from sync_agent.testing import FakeOdooGateway

from agent_helpers import EXAMPLE_EVENT, MAPPINGS, regulatory_event


@pytest.fixture
def odoo_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, full_env: dict[str, str]) -> FakeOdooGateway:
    """A configuration without a portal; Odoo is a FakeOdooGateway."""
    monkeypatch.setenv("COMPLAINTS_SYNC_STATE_FILE", str(tmp_path / "state.sqlite3"))
    monkeypatch.setenv("COMPLAINTS_SUBMISSION_DIR", str(tmp_path / "submissions"))
    gateway = FakeOdooGateway()
    monkeypatch.setattr(cli, "make_gateway", lambda _settings: gateway)
    return gateway


def add_report(gateway: FakeOdooGateway, **report: Any) -> str:
    data = regulatory_event(**report)
    return gateway.add_event(
        data["payload"], target=data["target"], event_type=data["event_type"], res_model=data["res_model"]
    )


def test_render_writes_valid_files_and_lists_invalid_ones_with_their_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    valid = regulatory_event()
    invalid = regulatory_event(report_type="followup", regulator_ref=None)
    invalid["event_uid"] = "22222222-2222-4222-8222-222222222222"
    scar = json.loads(EXAMPLE_EVENT.read_text())
    events = tmp_path / "events.json"
    events.write_text(json.dumps([valid, invalid, scar]))
    out = tmp_path / "out"
    assert cli.main(["render", "--input", str(events), "--out", str(out), "--mappings", str(MAPPINGS)]) == 1
    assert "rendered 2 document(s), 1 failure(s)" in capsys.readouterr().out
    index = json.loads((out / "index.json").read_text())
    assert [entry["event_uid"] for entry in index] == [
        valid["event_uid"],
        invalid["event_uid"],
        scar["event_uid"],
    ]
    mir, failed, portal = index
    name = f"{valid['payload']['report']['name']}_MIR_initial_0.xml"
    assert (mir["status"], mir["file"], mir["mapping"]) == ("ok", name, "eu_mir_7_2_1")
    content = (out / name).read_bytes()
    assert mir["sha256"] == hashlib.sha256(content).hexdigest() and mir["media_type"] == "application/xml"
    assert etree.fromstring(content).tag == "incident"
    assert failed["status"] == "failed"
    assert failed["problems"][0]["path"] == "/incident/admin_info/ncaReportNo"
    assert "/incident/admin_info/ncaReportNo" in failed["error"]
    assert portal["status"] == "ok" and (out / portal["file"]).exists()  # JSON documents as before
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([name, portal["file"], "index.json"])  # nothing for the invalid report


def test_render_again_gives_the_same_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "e.json"
    events.write_text(json.dumps(regulatory_event()))
    args = ["render", "--input", str(events), "--out", str(tmp_path / "out"), "--mappings", str(MAPPINGS)]
    assert cli.main(args) == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert cli.main(args) == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == first


def test_render_from_odoo_claims_and_releases_and_tells_no_report(
    odoo_only: FakeOdooGateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uid = add_report(odoo_only)
    assert cli.main(["render", "--out", str(tmp_path / "out")]) == 0
    assert json.loads((tmp_path / "out" / "index.json").read_text())[0]["status"] == "ok"
    event = odoo_only.event(uid)
    assert event.state == "pending" and event.attempts == 0
    assert odoo_only.rendered == [] and odoo_only.invalid == []
    assert not (tmp_path / "submissions").exists()


def test_once_without_a_portal_delivers_regulator_files(
    odoo_only: FakeOdooGateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uid = add_report(odoo_only)
    assert cli.main(["once"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["delivery"]["delivered"] == 1 and result["answers"] is None
    (rendered,) = odoo_only.rendered
    assert (tmp_path / "submissions" / rendered["file_name"]).exists()
    assert odoo_only.event(uid).state == "done"
