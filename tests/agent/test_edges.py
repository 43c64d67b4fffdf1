"""The outbox's promises at the edges (issue #16): hostile dates, oversized
fields, partners that echo our credentials, outages of days.

Each case runs the real worker against a real HTTP portal on 127.0.0.1 and
the in-memory Odoo outbox, and ends with a named reason or a delivery,
nothing secret written anywhere.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sync_agent.logging_setup import JsonFormatter, redact
from sync_agent import DocumentInvalid, MappingError, MappingRegistry, OutboxEvent, PortalClient, Worker
from sync_agent.testing import FakeOdooGateway, Fault, LoopbackPortal

from agent_helpers import MAPPINGS, PORTAL_TOKEN, example_payload, portal_settings, regulatory_event

MakeWorker = Callable[..., Worker]


class Clock:
    """Monotonic seconds moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything the agent logs, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.DEBUG
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def journal_text(path: Path) -> str:
    """Every value of every row of the agent's journal, as text."""
    with sqlite3.connect(path) as db:
        rows = [row for table in ("deliveries", "answers") for row in db.execute(f"SELECT * FROM {table}")]  # noqa: S608
    return "\n".join(map(str, rows))


def status_payload(**changes: Any) -> dict[str, Any]:
    """The documented complaint.status payload, ``changes`` applied."""
    event = json.loads((MAPPINGS / "examples" / "complaint.status.v1.json").read_text(encoding="utf-8"))
    return {**event["payload"], **changes}


def add_status(gateway: FakeOdooGateway, **changes: Any) -> str:
    return gateway.add_event(
        status_payload(**changes), event_type="complaint.status", res_model="quality.complaint"
    )


def overlay(tmp_path: Path, name: str, extra: str) -> MappingRegistry:
    """The standard mappings with ``extra`` YAML appended to the mapping file ``name``."""
    directory = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, directory)
    (directory / name).write_text((MAPPINGS / name).read_text(encoding="utf-8") + extra, encoding="utf-8")
    return MappingRegistry.load_dir(directory)


# -- 1. out-of-range date-times ----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "target", "value"),
    [
        ("changed_at", "changedAt", "9999-12-31T23:59:59-05:00"),
        ("received_at", "receivedAt", "0001-01-01T00:00:00+01:00"),
    ],
)
def test_an_out_of_range_date_fails_for_good_naming_field_value_and_rule(
    field: str, target: str, value: str, make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uid = add_status(gateway, **{field: value})
    report = make_worker(gateway).run_once()
    event = gateway.event(uid)
    assert (event.state, report.failed_permanent, portal_server.posts()) == ("dead", 1, [])
    error = event.last_error or ""
    assert f"$.payload.{field}" in error, "the payload schema bounds the years"
    assert f"field {target} <- {field}: iso_datetime: {value!r} is outside the years 1900-2099" in error
    assert "internal error" not in error


def test_a_value_no_transform_foresaw_is_a_permanent_named_error(registry: MappingRegistry) -> None:
    event = OutboxEvent.model_validate(
        {
            "event_uid": "9b7c1d34-0c1e-4f0e-8f7e-5b3f2f6b1a11",
            "target": "supplier_portal",
            "event_type": "complaint.status",
            "res_model": "quality.complaint",
            "res_id": 1,
            "payload_version": 1,
            "payload": status_payload(),
        }
    )
    mapping = registry.for_event(event)
    rule = next(rule for rule in mapping.rules if rule.last == "changedAt")
    bound = rule.transforms[0]

    def overflow(_value: Any, _arg: Any) -> Any:
        raise OverflowError("date value out of range")

    object.__setattr__(bound, "apply", overflow)
    try:
        with pytest.raises(MappingError) as caught:
            mapping.render(event)
    finally:
        object.__setattr__(bound, "apply", bound.transform.apply)
    assert str(caught.value) == (
        "mapping supplier_portal_status, field changedAt <- changed_at: transform iso_datetime cannot handle "
        "'2025-01-03 14:30:00': OverflowError: date value out of range"
    )


# -- 2. length limits ----------------------------------------------------------------------


def test_a_one_megabyte_stage_is_refused_naming_the_field_and_nothing_is_sent(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    uid = add_status(gateway, stage="x" * 1024 * 1024)
    make_worker(gateway).run_once()
    event = gateway.event(uid)
    assert event.state == "dead" and portal_server.posts() == []
    error = event.last_error or ""
    assert "$.payload.stage" in error and "$.stage" in error, error
    assert "1048576 characters long, more than the limit of 20000" in error
    assert len(error) <= 2000, "the error names the field, it does not repeat the value"


def test_a_one_megabyte_report8d_field_is_refused_although_report8d_sets_no_limit(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    gateway = FakeOdooGateway()
    data = example_payload()
    data["customer"]["city"] = "c" * 1024 * 1024
    uid = gateway.add_event(data)
    make_worker(gateway).run_once()
    error = gateway.event(uid).last_error or ""
    assert gateway.event(uid).state == "dead" and portal_server.posts() == []
    assert (
        "document too large, nothing sent" in error
        and "characters long, more than the limit of 20000" in error
    )
    assert "$.payload.customer.city" in error, error


def test_a_portal_document_over_its_size_limit_names_its_largest_field(tmp_path: Path) -> None:
    registry = overlay(tmp_path, "supplier_portal_status.yaml", "limits:\n  max_document_bytes: 512\n")
    event = OutboxEvent.model_validate(
        {
            "event_uid": "9b7c1d34-0c1e-4f0e-8f7e-5b3f2f6b1a12",
            "target": "supplier_portal",
            "event_type": "complaint.status",
            "res_model": "quality.complaint",
            "res_id": 1,
            "payload_version": 1,
            "payload": status_payload(subject="s" * 300, stage="i" * 100),
        }
    )
    with pytest.raises(DocumentInvalid) as caught:
        registry.for_event(event).render(event)
    [problem] = caught.value.problems
    assert problem.path == "$.subject"
    assert "more than the limit of 512; its largest field, here, holds 300 bytes" in problem.message


def test_a_regulator_file_over_its_size_limit_is_not_written_and_names_the_element(tmp_path: Path) -> None:
    registry = overlay(tmp_path, "eu_mir_7_2_1.yaml", "limits:\n  max_document_bytes: 1024\n")
    event = OutboxEvent.model_validate(regulatory_event())
    with pytest.raises(DocumentInvalid) as caught:
        registry.for_event(event).render_document(event)
    [problem] = caught.value.problems
    assert problem.path.startswith("/incident/")
    assert "more than the limit of 1024; its largest field, here, holds" in problem.message


def test_every_string_of_our_own_schemas_is_bounded() -> None:
    """Report8D is Catena-X's file, kept unchanged: the mappings' string limit bounds it."""
    own = [
        "complaint_status_payload_v1.schema.json",
        "complaint_status_v1.schema.json",
        "scar_payload_v1.schema.json",
        "regulatory_report_payload_v1.schema.json",
        "nmpa/cn_nmpa_mdae_v1.schema.json",
    ]
    unbounded: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            is_string = kind == "string" or (isinstance(kind, list) and "string" in kind)
            if is_string and "maxLength" not in node and "enum" not in node and "const" not in node:
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    for name in own:
        walk(json.loads((MAPPINGS / "schemas" / name).read_text(encoding="utf-8")), name)
    assert unbounded == []


# -- 3. a partner that echoes credentials ------------------------------------------------


@pytest.mark.parametrize("status", [401, 503])
def test_a_portal_echoing_headers_and_token_puts_no_secret_anywhere(
    status: int,
    make_worker: MakeWorker,
    portal_server: LoopbackPortal,
    log_lines: io.StringIO,
    tmp_path: Path,
) -> None:
    portal_server.inject(Fault(status=status, echo=True), times=5)
    gateway = FakeOdooGateway()
    uid = gateway.add_event(example_payload())
    make_worker(gateway, agent_id="echo").run_once()
    event = gateway.event(uid)
    assert event.state == ("dead" if status == 401 else "pending")
    error = event.last_error or ""
    assert f"portal answered {status}" in error and '"authorization": "***"' in error, error
    assert "idempotency-key" in error, "the rest of the echo stays readable"
    for where, text in (
        ("Odoo's last_error", error),
        ("the journal", journal_text(tmp_path / "echo.sqlite3")),
        ("the log", log_lines.getvalue()),
    ):
        assert PORTAL_TOKEN not in text, f"token in {where}"
        assert PORTAL_TOKEN[:12] not in text, f"part of the token in {where}"


def test_a_portal_echoing_an_api_key_header_is_redacted_too(
    make_worker: MakeWorker, log_lines: io.StringIO, tmp_path: Path
) -> None:
    with LoopbackPortal(token=PORTAL_TOKEN, auth="api_key", api_key_header="X-Partner-Key") as server:
        server.inject(Fault(status=403, echo=True))
        client = PortalClient(
            portal_settings(server.base_url, auth="api_key", api_key_header="X-Partner-Key"),
            sleep=lambda _s: None,
        )
        gateway = FakeOdooGateway()
        uid = gateway.add_event(example_payload())
        make_worker(gateway, agent_id="apikey", portal=client).run_once()
    error = gateway.event(uid).last_error or ""
    assert "portal answered 403" in error and "x-partner-key" in error
    for text in (error, journal_text(tmp_path / "apikey.sqlite3"), log_lines.getvalue()):
        assert PORTAL_TOKEN not in text


def test_credentials_that_look_like_one_are_redacted_even_when_unknown() -> None:
    assert redact("Authorization: Bearer abc.def.ghi rejected") == "Authorization: *** rejected"
    assert redact('{"Proxy-Authorization": "Basic dXNlcjpwYXNz"}') == '{"Proxy-Authorization": "***"}'
    assert redact("retry with api_key=12345678&page=2") == "retry with api_key=***&page=2"
    assert redact("token was Bearer eyJhbGciOiJIUzI1NiJ9") == "token was Bearer ***"
    assert redact("Authorization header missing") == "Authorization header missing", (
        "no value, nothing to hide"
    )


# -- 4. an outage of a day, on a controlled clock ---------------------------------------------


def test_a_24_hour_outage_fails_no_event_and_everything_goes_out_after(
    make_worker: MakeWorker, portal_server: LoopbackPortal
) -> None:
    clock = Clock()
    gateway = FakeOdooGateway(clock=clock)
    uids = [gateway.add_event(example_payload(), res_id=i) for i in range(3)]
    worker = make_worker(gateway, agent_id="outage")
    outage_end = clock.now + 24 * 3600
    portal_server.inject(Fault(status=503), times=10_000)
    cycles = 0
    while clock.now < outage_end:
        worker.run_once()
        assert set(gateway.states()) == {"pending"}, f"an event failed during the outage: {gateway.states()}"
        due = min(gateway.event(uid).next_attempt_at for uid in uids)
        assert due - clock.now <= 3600, "never more than an hour between attempts"
        clock.now = due
        cycles += 1
        if cycles % 7 == 0:  # the agent crashes now and then holding the events: lapsed leases
            gateway.sync_claim("crashed-agent", 10, 60, None)
            clock.now += 61
    assert cycles > 24, "tried all day long, not 8 times"
    portal_server.clear_faults()  # the portal is back
    clock.now = max(gateway.event(uid).next_attempt_at for uid in uids)
    worker.run_once()
    assert gateway.states() == {"done": 3}
    assert set(portal_server.effects) == set(uids)
