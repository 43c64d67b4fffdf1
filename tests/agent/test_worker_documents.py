"""The worker for regulator targets: files into the submission folder, outcomes to the report."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sync_agent import (
    AgentSettings,
    GatewayCallError,
    GatewayUnavailable,
    MappingRegistry,
    PortalClient,
    StateStore,
    SubmissionFolder,
    Worker,
)
from sync_agent.testing import FakeOdooGateway, LoopbackPortal

from agent_helpers import MAPPINGS, example_payload, portal_settings, regulatory_event

TARGET = "eu_mir_7_2_1"


class RecordingGateway(FakeOdooGateway):
    """The fake Odoo, with the order of the calls the worker makes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    def report_rendered(
        self, report_id: int, event_uid: str, file_name: str, content_b64: str, sha256: str
    ) -> dict[str, Any]:
        self.calls.append(("report_rendered", file_name))
        return super().report_rendered(report_id, event_uid, file_name, content_b64, sha256)

    def report_invalid(
        self, report_id: int, event_uid: str, problems: list[dict[str, str]]
    ) -> dict[str, Any]:
        self.calls.append(("report_invalid", [p["path"] for p in problems]))
        return super().report_invalid(report_id, event_uid, problems)

    def sync_results(self, agent_id: str, results: list[dict[str, Any]]) -> list[str]:
        for result in results:  # one call per flush; recorded as the single-event calls it replaces
            if result["outcome"] == "done":
                self.calls.append(("sync_ack", result["remote_ref"]))
            else:
                self.calls.append(("sync_fail", result["retryable"]))
        return super().sync_results(agent_id, results)


@pytest.fixture
def folder(tmp_path: Path) -> SubmissionFolder:
    return SubmissionFolder(tmp_path / "submissions")


@pytest.fixture
def build(tmp_path: Path, registry: MappingRegistry, folder: SubmissionFolder) -> Iterator[Any]:
    opened: list[Any] = []

    def make(gateway: FakeOdooGateway, portal: PortalClient | None = None) -> Worker:
        state = StateStore(tmp_path / "state.sqlite3")
        opened.append(state)
        settings = AgentSettings(agent_id="agent-r", batch_size=10, lease_seconds=60, mappings_dir=MAPPINGS)
        return Worker(
            gateway=gateway,
            portal=portal,
            registry=registry,
            state=state,
            settings=settings,
            submissions=folder,
        )

    yield make
    for item in opened:
        item.close()


def add_report(gateway: FakeOdooGateway, **report: Any) -> str:
    data = regulatory_event(**report)
    return gateway.add_event(
        data["payload"],
        target=data["target"],
        event_type=data["event_type"],
        res_model=data["res_model"],
        res_id=data["res_id"],
    )


def test_a_valid_report_is_written_reported_then_acked(build: Any, folder: SubmissionFolder) -> None:
    gateway = RecordingGateway()
    uid = add_report(gateway)
    report = build(gateway).run_once()
    assert (report.claimed, report.delivered, report.failed_permanent) == (1, 1, 0)
    (written,) = os.listdir(folder.path)
    content = (folder.path / written).read_bytes()
    etree.fromstring(content)  # a complete XML file
    (rendered,) = gateway.rendered
    payload = regulatory_event()["payload"]
    assert rendered["report_id"] == regulatory_event()["res_id"] and rendered["event_uid"] == uid
    assert rendered["file_name"] == written == f"{payload['report']['name']}_MIR_initial_0.xml"
    assert base64.b64decode(rendered["content_b64"]) == content
    assert rendered["sha256"] == hashlib.sha256(content).hexdigest()
    assert gateway.calls == [("report_rendered", written), ("sync_ack", written)]
    event = gateway.event(uid)
    assert event.state == "done" and event.remote_ref == written and gateway.invalid == []


def test_an_invalid_report_writes_nothing_and_tells_the_report_why(
    build: Any, folder: SubmissionFolder
) -> None:
    gateway = RecordingGateway()
    uid = add_report(gateway, report_type="followup", regulator_ref=None)
    report = build(gateway).run_once()
    assert (report.delivered, report.failed_permanent) == (0, 1)
    assert not folder.path.exists() or os.listdir(folder.path) == []
    assert gateway.rendered == []
    (invalid,) = gateway.invalid
    assert invalid["event_uid"] == uid and invalid["report_id"] == regulatory_event()["res_id"]
    assert [p["path"] for p in invalid["problems"]] == ["/incident/admin_info/ncaReportNo"]
    assert all(set(p) == {"path", "message"} and p["message"] for p in invalid["problems"])
    assert gateway.calls == [("report_invalid", ["/incident/admin_info/ncaReportNo"]), ("sync_fail", False)]
    event = gateway.event(uid)
    assert event.state == "dead" and "/incident/admin_info/ncaReportNo" in (event.last_error or "")
    message = invalid["problems"][0]["message"]
    assert message not in event.last_error, "the messages, which may quote patient data, stay on the report"


def test_an_invalid_report_is_retried_while_odoo_cannot_take_the_problems(build: Any) -> None:
    gateway = RecordingGateway()
    uid = add_report(gateway, report_type="followup", regulator_ref=None)
    gateway.report_errors[regulatory_event()["res_id"]] = GatewayUnavailable("odoo restarting")
    build(gateway).run_once()
    assert gateway.calls == [("report_invalid", ["/incident/admin_info/ncaReportNo"]), ("sync_fail", True)]
    assert gateway.event(uid).state == "pending"  # the report hears about it on the next attempt


def test_a_file_odoo_refuses_fails_for_good_and_one_it_misses_is_retried(
    build: Any, folder: SubmissionFolder
) -> None:
    gateway = RecordingGateway()
    uid = add_report(gateway)
    report_id = regulatory_event()["res_id"]
    gateway.report_errors[report_id] = GatewayCallError("report is cancelled", "odoo.exceptions.UserError")
    build(gateway).run_once()
    assert gateway.event(uid).state == "dead" and "report is cancelled" in (
        gateway.event(uid).last_error or ""
    )
    gateway.report_errors[report_id] = GatewayUnavailable("timeout")
    retry = add_report(gateway)
    build(gateway).run_once()
    assert gateway.event(retry).state == "pending"
    del gateway.report_errors[report_id]
    gateway.requeue(retry)
    build(gateway).run_once()
    assert gateway.event(retry).state == "done" and len(os.listdir(folder.path)) == 1  # same file, replaced


def test_an_unwritable_folder_is_retried(build: Any, folder: SubmissionFolder) -> None:
    folder.path.parent.mkdir(parents=True, exist_ok=True)
    folder.path.write_text("a file where the folder should be")
    gateway = RecordingGateway()
    uid = add_report(gateway)
    build(gateway).run_once()
    event = gateway.event(uid)
    assert event.state == "pending" and "failed" in (event.last_error or "") and gateway.rendered == []


def test_one_worker_serves_the_portal_and_the_regulators(
    build: Any, portal_server: LoopbackPortal, folder: SubmissionFolder
) -> None:
    gateway = RecordingGateway()
    scar = gateway.add_event(example_payload())
    mir = add_report(gateway)
    portal = PortalClient(portal_settings(portal_server.base_url), sleep=lambda _s: None)
    try:
        worker = build(gateway, portal)
        assert worker.targets == sorted({"supplier_portal", TARGET, *worker.registry.document_targets})
        report = worker.run_once()
    finally:
        portal.close()
    assert report.delivered == 2 and gateway.states() == {"done": 2}
    assert list(portal_server.effects) == [scar] and gateway.event(mir).remote_ref in os.listdir(folder.path)


def test_without_a_submission_folder_regulator_targets_are_not_claimed(
    tmp_path: Path, registry: MappingRegistry, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uid = add_report(gateway)
    state = StateStore(tmp_path / "s.sqlite3")
    portal = PortalClient(portal_settings(portal_server.base_url), sleep=lambda _s: None)
    try:
        settings = AgentSettings(agent_id="a", lease_seconds=60, mappings_dir=MAPPINGS)
        worker = Worker(gateway=gateway, portal=portal, registry=registry, state=state, settings=settings)
        assert worker.targets == ["supplier_portal"]
        assert worker.run_once().claimed == 0
    finally:
        portal.close()
        state.close()
    assert gateway.event(uid).state == "pending"
