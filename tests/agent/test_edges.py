"""The outbox's promises at the edges (issue #16): hostile dates, oversized
fields, partners that echo our credentials, outages of days.

Each case runs the real worker against a real HTTP portal on 127.0.0.1 and
the in-memory Odoo outbox, and ends with a named reason or a delivery,
nothing secret written anywhere.
"""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sync_agent.logging_setup import JsonFormatter, redact
from sync_agent.portal import PortalClient
from sync_agent.testing import FakeOdooGateway, Fault, LoopbackPortal
from sync_agent.worker import Worker

from agent_helpers import PORTAL_TOKEN, example_payload, portal_settings

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


# -- 3. a partner that echoes credentials ------------------------------------------------


@pytest.mark.parametrize("status", [401, 503])
def test_a_portal_echoing_headers_and_token_puts_no_secret_anywhere(
    status: int, make_worker: MakeWorker, portal_server: LoopbackPortal, log_lines: io.StringIO, tmp_path: Path
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
    for where, text in (("Odoo's last_error", error), ("the journal", journal_text(tmp_path / "echo.sqlite3")),
                        ("the log", log_lines.getvalue())):
        assert PORTAL_TOKEN not in text, f"token in {where}"
        assert PORTAL_TOKEN[:12] not in text, f"part of the token in {where}"


def test_a_portal_echoing_an_api_key_header_is_redacted_too(
    make_worker: MakeWorker, log_lines: io.StringIO, tmp_path: Path
) -> None:
    with LoopbackPortal(token=PORTAL_TOKEN, auth="api_key", api_key_header="X-Partner-Key") as server:
        server.inject(Fault(status=403, echo=True))
        client = PortalClient(
            portal_settings(server.base_url, auth="api_key", api_key_header="X-Partner-Key"), sleep=lambda _s: None
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
    assert redact("Authorization header missing") == "Authorization header missing", "no value, nothing to hide"


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
