"""Regulator reports end to end: the demo database's reportable events for the
EU, the US and China, rendered by ``complaints-sync`` into files that pass the
official schemas, filed into the submission folder and attached in Odoo; an
invalid report writes nothing and names the element; FDA acknowledgements
update the report.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from odoo_harness.e2e import AgentLauncher, AgentProcess, OdooClient

pytestmark = pytest.mark.odoo

SCHEMAS = Path(__file__).resolve().parents[2] / "mappings" / "schemas"
MIR_XSD = {
    "initial": "incident-Initial-v7.2.1.xsd",
    "followup": "incident-Followup-v7.2.1.xsd",
    "initial_final": "incident-InitialFinal-v7.2.1.xsd",
    "final": "incident-FinalRep-v7.2.1.xsd",
    "final_non_reportable": "incident-FinalNonRep-v7.2.1.xsd",
}
DEMO_REPORTS = ("demo_report_us_initial", "demo_report_cn_initial", "demo_report_eu_followup")
REPORT_FIELDS = [
    "name",
    "state",
    "render_state",
    "report_type",
    "form_id",
    "validation_errors",
    "attachment_id",
    "file_name",
    "file_sha256",
    "mfr_report_number",
    "regulator_ref",
    "ack_ref",
]


def _xsd_errors(schema: Path, content: bytes) -> list[str]:
    validator = etree.XMLSchema(etree.parse(str(schema)))
    document = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    return [] if validator.validate(document) else [f"{e.path}: {e.message}" for e in validator.error_log]


def _demo_reports(admin: OdooClient) -> dict[str, dict]:
    ids = {name: admin.xmlid("odoo_addon_complaints", name) for name in DEMO_REPORTS}
    return _reports(admin, ids)


def _reports(admin: OdooClient, ids: dict[str, int]) -> dict[str, dict]:
    rows = {
        row["id"]: row
        for row in admin.search_read(
            "quality.regulatory.report", [("id", "in", list(ids.values()))], REPORT_FIELDS
        )
    }
    return {name: rows[report_id] for name, report_id in ids.items()}


def _fresh_reports(admin: OdooClient) -> dict[str, int]:
    """Draft copies of the demo reports, as a vigilance officer makes them.

    A report's state changes only through its actions (a submitted report is
    never rendered again), and earlier tests may have filed the demo reports:
    each test works on copies of its own, with the demo's data.
    """
    copies = {
        name: admin.call(
            "quality.regulatory.report", "copy", [report["id"]], {"regulator_ref": report["regulator_ref"]}
        )
        for name, report in _demo_reports(admin).items()
    }
    return {name: ids[0] for name, ids in copies.items()}  # copy() answers a list of ids


def _queue_renders(admin: OdooClient, ids: dict[str, int]) -> None:
    """What a vigilance officer's 'Render & Validate' does."""
    admin.call("quality.regulatory.report", "action_render", list(ids.values()))


def _form_code(admin: OdooClient, report: dict) -> str:
    return admin.search_read("quality.regulatory.form", [("id", "=", report["form_id"][0])], ["code"])[0][
        "code"
    ]


def _ok(agent: AgentProcess) -> None:
    assert agent.proc.returncode == 0, agent.describe()


def _check_file(admin: OdooClient, report: dict, content: bytes) -> None:
    form = _form_code(admin, report)
    if form == "eu_mir_7_2_1":
        assert _xsd_errors(SCHEMAS / "eu-mir-7.2.1" / MIR_XSD[report["report_type"]], content) == []
        root = etree.fromstring(content)
        assert root.findtext("admin_info/ncaReportNo") == report["regulator_ref"]
    elif form == "us_emdr_3500a":
        assert _xsd_errors(SCHEMAS / "fda-emdr" / "coreschemas" / "Con061019.xsd", content) == []
        assert report["mfr_report_number"].encode() in content
    else:
        assert form == "cn_nmpa_mdae"
        sheet = load_workbook(filename=io.BytesIO(content)).active
        values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
        assert "国械注进20262400456" in values, "the device's NMPA registration number is on the form"


def test_render_writes_valid_mir_emdr_and_nmpa_files_from_the_demo_database(
    agents: AgentLauncher, admin: OdooClient, tmp_path: Path
) -> None:
    ids = _fresh_reports(admin)
    _queue_renders(admin, ids)
    reports = _reports(admin, ids)
    out = tmp_path / "rendered"
    agent = agents.run(["render", "--out", str(out)])
    _ok(agent)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    regulatory = [entry for entry in index if entry.get("event_type") == "regulatory_report.render"]
    assert {entry["mapping"] for entry in regulatory} == {"eu_mir_7_2_1", "us_emdr_3500a", "cn_nmpa_mdae"}
    assert all(entry["status"] == "ok" for entry in regulatory), regulatory
    by_uid = {entry["event_uid"]: entry for entry in regulatory}
    uids = {
        row["id"]: row["render_event_uid"]
        for row in admin.search_read(
            "quality.regulatory.report", [("id", "in", list(ids.values()))], ["render_event_uid"]
        )
    }
    for report in reports.values():
        entry = by_uid[uids[report["id"]]]
        content = (out / entry["file"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        _check_file(admin, report, content)
    # render sends nothing: the reports are still drafts waiting for the agent.
    assert {row["state"] for row in _reports(admin, ids).values()} == {"draft"}


def test_once_files_each_report_and_attaches_the_same_bytes_in_odoo(
    agents: AgentLauncher, admin: OdooClient, tmp_path: Path
) -> None:
    ids = _fresh_reports(admin)
    _queue_renders(admin, ids)
    submissions = tmp_path / "submissions"
    agent = agents.run(["once"], env={"COMPLAINTS_SUBMISSION_DIR": str(submissions)})
    _ok(agent)
    for name, report in _reports(admin, ids).items():
        assert (report["state"], report["render_state"]) == ("validated", "done"), (name, report)
        written = submissions / report["file_name"]
        assert written.is_file(), f"{report['file_name']} is not in the submission folder"
        content = written.read_bytes()
        attachment = admin.search_read("ir.attachment", [("id", "=", report["attachment_id"][0])], ["datas"])[
            0
        ]
        assert base64.b64decode(attachment["datas"]) == content
        assert report["file_sha256"] == hashlib.sha256(content).hexdigest()
        _check_file(admin, report, content)
    assert not list(submissions.glob(".*.tmp")), "no temporary file is left behind"


def test_an_invalid_report_writes_no_file_and_names_the_missing_element(
    agents: AgentLauncher, admin: OdooClient, tmp_path: Path
) -> None:
    ids = {"followup": _fresh_reports(admin)["demo_report_eu_followup"]}
    followup = _reports(admin, ids)["followup"]
    admin.call("quality.regulatory.report", "write", [followup["id"]], {"regulator_ref": False})
    try:
        admin.call("quality.regulatory.report", "action_render", [followup["id"]])
        submissions = tmp_path / "submissions"
        agent = agents.run(["once"], env={"COMPLAINTS_SUBMISSION_DIR": str(submissions)})
        _ok(agent)
        report = _reports(admin, ids)["followup"]
        assert (report["state"], report["render_state"]) == ("draft", "invalid")
        assert "/incident/admin_info/ncaReportNo" in report["validation_errors"]
        written = [path.name for path in submissions.glob("*")] if submissions.exists() else []
        assert not [name for name in written if name.startswith(report["name"])], (
            f"an invalid report is never written: {written}"
        )
        event = admin.search_read(
            "quality.sync.event",
            [("res_model", "=", "quality.regulatory.report"), ("res_id", "=", followup["id"])],
            ["state", "last_error"],
            order="id desc",
            limit=1,
        )[0]
        assert event["state"] == "dead" and "ncaReportNo" in event["last_error"], event
    finally:
        admin.call(
            "quality.regulatory.report",
            "write",
            [followup["id"]],
            {"regulator_ref": followup["regulator_ref"]},
        )


def test_an_fda_acknowledgement_file_acknowledges_the_submitted_report(
    agents: AgentLauncher, admin: OdooClient, tmp_path: Path
) -> None:
    ids = {"us": _fresh_reports(admin)["demo_report_us_initial"]}
    us = _reports(admin, ids)["us"]
    admin.call("quality.regulatory.report", "action_render", [us["id"]])
    _ok(agents.run(["once"], env={"COMPLAINTS_SUBMISSION_DIR": str(tmp_path / "submissions")}))
    admin.call("quality.regulatory.report", "action_submit", [us["id"]])
    ack = tmp_path / "ACK3.xml"
    ack.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<submission><coreId>ci9.77@e2e</coreId>"
        "<batchId>3012345678-20261121000000</batchId><dateEntered>Sat Nov 21 10:08:51 EST 2026</dateEntered>"
        f"<numReportFailed>0</numReportFailed><numReportPassed>1</numReportPassed>"
        f'<report id="{us["mfr_report_number"]}"><status>passed</status></report></submission>',
        encoding="utf-8",
    )
    agent = agents.run(["ack", str(ack)])
    _ok(agent)
    report = _reports(admin, ids)["us"]
    assert (report["state"], report["ack_ref"]) == ("acknowledged", "ci9.77@e2e")


def test_every_report_type_renders_and_validates_for_the_demo_events(
    agents: AgentLauncher, admin: OdooClient, tmp_path: Path
) -> None:
    """EU: initial, follow-up, combined initial+final, final, final non-reportable; US: initial
    and follow-up; China: initial, follow-up and final, all from the demo's evaluations."""
    ref = lambda name: admin.xmlid("odoo_addon_complaints", name)  # noqa: E731
    admin.call(
        "quality.adverse.event",
        "write",
        [ref("demo_adverse_event_eu")],
        {
            "root_cause": "Ejector pin mark too deep on cavity 3.",
            "root_cause_confirmed": True,
            "risk_assessment_reviewed": True,
            "corrective_action": "Mould insert reworked; 100% visual check.",
            "final_comments": "No further incidents since the rework.",
        },
    )
    cases = {
        "eu": (
            "demo_adverse_event_eu",
            "market_eu",
            "form_eu_mir_7_2_1",
            "demo_report_eu_initial",
            ["initial", "initial_final", "followup", "final", "final_non_reportable"],
        ),
        "us": (
            "demo_adverse_event_us",
            "market_us",
            "form_us_emdr_3500a",
            "demo_report_us_initial",
            ["followup"],
        ),
        "cn": (
            "demo_adverse_event_cn",
            "market_cn",
            "form_cn_nmpa_mdae",
            "demo_report_cn_initial",
            ["followup", "final"],
        ),
    }
    created = []
    for event, market, form, initial, types in cases.values():
        for report_type in types:
            vals = {
                "adverse_event_id": ref(event),
                "market_id": ref(market),
                "form_id": ref(form),
                "report_type": report_type,
                "date_due": "2030-01-01 00:00:00",
                "next_report_date": "2030-02-01",
                "regulator_ref": "IGJ-2026-004217" if market == "market_eu" else False,
            }
            if report_type not in ("initial", "initial_final"):
                vals["initial_report_id"] = ref(initial)
            if report_type == "final_non_reportable":
                vals["non_reportable_reason"] = (
                    "The investigation showed the cracks could not let air into the line."
                )
            created.append(admin.call("quality.regulatory.report", "create", vals))
    admin.call("quality.regulatory.report", "action_render", created)
    out = tmp_path / "rendered"
    _ok(agents.run(["render", "--out", str(out)]))
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    rows = admin.search_read(
        "quality.regulatory.report", [("id", "in", created)], REPORT_FIELDS + ["render_event_uid"]
    )
    entries = {entry["event_uid"]: entry for entry in index}
    for report in rows:
        entry = entries[report["render_event_uid"]]
        assert entry["status"] == "ok", (report["name"], report["report_type"], entry)
        _check_file(admin, report, (out / entry["file"]).read_bytes())
