"""Correct under concurrency: a real Odoo in prefork mode and real parallel clients.

The session's demo database is served a second time by Odoo in prefork mode
(four worker processes, no cron) on a free loopback port, and each test lets
several people act at the same instant (threads released together by a
barrier, each with its own browser session or API key):

- twenty users register complaints on both sides of a month end, when
  neither month has a number yet: every number is unique and nobody sees an
  error (Odoo retrying a serialization failure by itself is fine);
- two warehouse users quarantine the same lot: one transfer, no negative
  quant, and the second one is told which lot is no longer on hand;
- the champion approves the same 8D step from two sessions: one approval;
- two agents claim a backlog of three thousand events while staff send
  SCARs: every event is claimed exactly once, none is lost.

Marked ``odoo`` like the other e2e tests: without Odoo they are skipped with
the same banner.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sync_agent import OdooRpcGateway, OdooSettings

from odoo_harness.e2e import (
    ADMIN,
    AGENT_LOGIN,
    MODULE,
    OdooClient,
    OdooServer,
    Outbox,
    PreforkOdooServer,
    psql,
    tail,
)
from odoo_harness.runner import free_port

pytestmark = pytest.mark.odoo

TARGET = "supplier_portal"


@pytest.fixture(scope="module")
def prefork(odoo_server: OdooServer) -> Iterator[PreforkOdooServer]:
    server = PreforkOdooServer(
        odoo_server.harness, odoo_server.db, free_port(), odoo_server.workdir, gevent_port=free_port()
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def boss(prefork: PreforkOdooServer) -> OdooClient:
    """The admin, on the prefork server."""
    client = OdooClient(prefork.url, prefork.db, *ADMIN)
    client.authenticate()
    return client


# -- helpers --------------------------------------------------------------------------


def together(
    calls: list[Callable[[], Any]], *, timeout: float = 180
) -> list[tuple[Any, BaseException | None]]:
    """Run ``calls`` in threads released at the same instant; each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[Any, BaseException | None]] = [(None, None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait(timeout=60)
        try:
            outcomes[index] = (call(), None)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            outcomes[index] = (None, exc)

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), f"calls still running after {timeout} s"
    return outcomes


def people(
    boss: OdooClient, prefork: PreforkOdooServer, role: str, count: int, groups: list[str]
) -> list[OdooClient]:
    """``count`` new internal users with ``groups``, each signed in on the prefork server."""
    group_ids = [boss.xmlid(*group.split(".")) for group in groups]
    tag = uuid.uuid4().hex[:6]
    logins = [f"{role}-{tag}-{index:02d}" for index in range(count)]
    boss.call(
        "res.users",
        "create",
        [
            {
                "name": login,
                "login": login,
                "email": f"{login}@example.invalid",
                "password": f"{login}-Secret!",
                "groups_id": [(6, 0, group_ids)],
            }
            for login in logins
        ],
    )
    clients = [OdooClient(prefork.url, prefork.db, login, f"{login}-Secret!") for login in logins]
    for _result, error in together([client.authenticate for client in clients]):
        assert error is None, f"signing in failed: {error}"
    return clients


def errors(outcomes: list[tuple[Any, BaseException | None]]) -> list[str]:
    return [f"{type(error).__name__}: {error}" for _result, error in outcomes if error is not None]


def server_log(prefork: PreforkOdooServer) -> str:
    return f"prefork Odoo log tail ({prefork.log_path}):\n{tail(prefork.log_path, 40)}"


# -- complaint numbers ------------------------------------------------------------------


def test_twenty_users_register_across_a_month_end_with_unique_numbers(
    prefork: PreforkOdooServer, boss: OdooClient
) -> None:
    company = boss.call("res.users", "read", [boss.uid], ["company_id"])[0]["company_id"][0]
    zone = ZoneInfo(
        boss.call("res.company", "read", [company], ["complaints_tz"])[0]["complaints_tz"] or "UTC"
    )

    def utc(*local: int) -> str:
        moment = datetime(*local, tzinfo=zone).astimezone(timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    # A month end long ago: no complaint has a number of these months yet, so
    # the first numbers of both months are drawn by several users at once.
    sides = {"201103": utc(2011, 3, 31, 23, 59, 40), "201104": utc(2011, 4, 1, 0, 0, 20)}
    partner = boss.xmlid(MODULE, "demo_partner_hospital")
    severity = boss.xmlid(MODULE, "severity_minor")
    clients = people(boss, prefork, "intake", 20, [f"{MODULE}.group_complaint_user"])

    def register(client: OdooClient, index: int) -> list[int]:
        ids = []
        order = list(sides.values()) if index % 2 else list(reversed(sides.values()))
        for received in order:
            ids += client.call(
                "quality.complaint",
                "create",
                [
                    {
                        "subject": f"Month end {index}",
                        "partner_id": partner,
                        "channel": "phone",
                        "severity_id": severity,
                        "date_received": received,
                    }
                ],
            )
        return ids

    outcomes = together([lambda c=client, i=index: register(c, i) for index, client in enumerate(clients)])
    assert errors(outcomes) == [], f"users saw errors: {errors(outcomes)}\n{server_log(prefork)}"
    ids = [record_id for result, _error in outcomes for record_id in result]
    names = [row["name"] for row in boss.search_read("quality.complaint", [("id", "in", ids)], ["name"])]
    assert len(names) == 40 and len(set(names)) == 40, f"duplicate numbers: {sorted(names)}"
    for month in sides:
        assert sum(name.startswith(f"{month}-") for name in names) == 20, sorted(names)


# -- quarantine -------------------------------------------------------------------------------


def test_two_warehouse_users_quarantine_the_same_lot_once(
    prefork: PreforkOdooServer, boss: OdooClient
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    product = boss.call(
        "product.product",
        "create",
        {"name": f"Pump {tag}", "type": "consu", "is_storable": True, "tracking": "lot"},
    )
    lot = boss.call("stock.lot", "create", {"name": f"LOT-{tag}", "product_id": product})
    stock = boss.search_read("stock.warehouse", [], ["lot_stock_id"], limit=1, order="id")[0]["lot_stock_id"][
        0
    ]
    quant = boss.call(
        "stock.quant",
        "create",
        {"product_id": product, "location_id": stock, "lot_id": lot, "inventory_quantity": 10},
        context={"inventory_mode": True},
    )
    boss.call("stock.quant", "action_apply_inventory", [quant])
    complaint = boss.call(
        "quality.complaint",
        "create",
        {
            "subject": f"Pump {tag} leaks",
            "partner_id": boss.xmlid(MODULE, "demo_partner_hospital"),
            "channel": "phone",
            "severity_id": boss.xmlid(MODULE, "severity_minor"),
            "line_ids": [(0, 0, {"product_id": product, "lot_id": lot, "qty_complained": 1})],
        },
    )
    clients = people(
        boss, prefork, "warehouse", 2, [f"{MODULE}.group_complaint_user", "stock.group_stock_user"]
    )

    def open_containment(client: OdooClient) -> int:
        action = client.call("quality.complaint", "action_open_containment", [complaint])
        return client.call(action["res_model"], "create", {}, context=action["context"])

    windows = [open_containment(client) for client in clients]  # both read 10 on hand
    outcomes = together(
        [
            lambda c=client, w=window: c.call(
                "quality.complaint.containment", "action_quarantine_on_hand", [w]
            )
            for client, window in zip(clients, windows, strict=True)
        ]
    )
    failures = [error for _result, error in outcomes if error is not None]
    assert len(failures) == 1, (
        f"one quarantines, the other is told: {errors(outcomes)}\n{server_log(prefork)}"
    )
    assert f"LOT-{tag}" in str(failures[0]) and "no longer on hand" in str(failures[0]), failures[0]
    transfers = boss.search_read(
        "stock.picking",
        [("complaint_id", "=", complaint), ("complaint_picking_kind", "=", "quarantine")],
        ["state"],
    )
    assert [row["state"] for row in transfers] == ["done"], transfers
    quants = boss.search_read(
        "stock.quant",
        [("lot_id", "=", lot), ("location_id.usage", "=", "internal")],
        ["quantity", "location_id"],
    )
    assert all(row["quantity"] >= 0 for row in quants), quants
    assert sum(row["quantity"] for row in quants) == 10, quants


# -- 8D approval ------------------------------------------------------------------------------


def test_the_champion_approving_a_step_twice_at_once_approves_it_once(
    prefork: PreforkOdooServer, boss: OdooClient
) -> None:
    champion_sessions = people(boss, prefork, "champion", 1, [f"{MODULE}.group_complaint_manager"])
    champion = champion_sessions[0]
    second_tab = OdooClient(prefork.url, prefork.db, champion.login, champion.password)
    second_tab.authenticate()
    complaint = boss.call(
        "quality.complaint",
        "create",
        {
            "subject": "Connector cracks",
            "partner_id": boss.xmlid(MODULE, "demo_partner_hospital"),
            "channel": "phone",
            "severity_id": boss.xmlid(MODULE, "severity_minor"),
            "manager_id": champion.uid,
        },
    )
    report = boss.call("quality.complaint", "action_open_eight_d", [complaint])["res_id"]
    boss.call("quality.eight.d", "write", [report], {"emergency_response": "<p>Stop shipping.</p>"})
    boss.call("quality.eight.d", "action_submit_step", [report])

    outcomes = together(
        [
            lambda c=client: c.call("quality.eight.d", "action_approve_step", [report])
            for client in (champion, second_tab)
        ]
    )
    failures = [error for _result, error in outcomes if error is not None]
    assert len(failures) == 1, f"one approval, one refusal: {errors(outcomes)}\n{server_log(prefork)}"
    assert "must be submitted before it is approved" in str(failures[0]), failures[0]
    steps = {
        row["code"]: row
        for row in boss.search_read(
            "quality.eight.d.step", [("eight_d_id", "=", report)], ["code", "state", "approved_by_id"]
        )
    }
    assert steps["D0"]["state"] == "approved" and steps["D0"]["approved_by_id"][0] == champion.uid
    assert steps["D1"]["state"] == "open" and steps["D2"]["state"] == "pending", steps
    assert boss.call("quality.eight.d", "read", [report], ["step"])[0]["step"] == "D1"
    approvals = boss.search_read(
        "mail.message",
        [("model", "=", "quality.eight.d"), ("res_id", "=", report), ("body", "ilike", "approved by")],
        ["body"],
    )
    assert len(approvals) == 1, approvals


# -- the outbox at volume ------------------------------------------------------------------------


def test_two_agents_claim_while_staff_send_every_event_once(
    prefork: PreforkOdooServer, boss: OdooClient, api_key: str
) -> None:
    outbox = Outbox(boss)
    before = outbox.pending_uids([TARGET])  # e.g. the demo's events: claimed, then given back
    # A backlog of a few thousand due events, copies of one real SCAR event on
    # records of their own, written straight into the table (setup only:
    # sending thousands of SCARs through Odoo would take minutes)...
    template = outbox.send_scars(1, "backlog template", steps=("D3",))[0].event_uid
    backlog = psql(
        prefork.harness.pg,
        prefork.db,
        """INSERT INTO quality_sync_event (res_id, res_model, res_name, company_id, target, event_type,
                payload, payload_version, state, attempts, failure_count, next_attempt_at,
                create_uid, create_date, write_uid, write_date, event_uid)
           SELECT 2000000000 - g, res_model, res_name, company_id, target, event_type,
                payload, payload_version, 'pending', 0, 0, next_attempt_at,
                create_uid, create_date, write_uid, write_date, gen_random_uuid()::text
             FROM quality_sync_event, generate_series(1, 3000) g
            WHERE event_uid = :'p1'
        RETURNING event_uid""",
        template,
    ).split()
    # ...then staff send SCARs through Odoo while two agents claim.
    settings = OdooSettings(url=prefork.url, db=prefork.db, user=AGENT_LOGIN[0], api_key=api_key, timeout=120)
    agents = [f"concurrency-{uuid.uuid4().hex[:6]}-{n}" for n in range(2)]
    claimed: dict[str, list[str]] = {agent: [] for agent in agents}
    sent: list[str] = [template, *backlog]
    staff_at_work = [threading.Event() for _ in range(2)]

    def staff(done: threading.Event, name: str) -> None:
        try:
            for round_ in range(2):
                scars = outbox.send_scars(30, f"{name} {round_}", steps=("D3",), claimed_meanwhile=True)
                sent.extend(scar.event_uid for scar in scars)
        finally:
            done.set()

    def agent(agent_id: str) -> None:
        gateway = OdooRpcGateway(settings)
        while True:
            finished = all(done.is_set() for done in staff_at_work)  # then one last pass
            events = gateway.sync_claim(agent_id, 100, 3600, [TARGET])
            claimed[agent_id].extend(event["event_uid"] for event in events)
            if finished and not events:
                return

    try:
        outcomes = together(
            [
                *(lambda d=done, n=f"staff {i}": staff(d, n) for i, done in enumerate(staff_at_work)),
                *(lambda a=agent_id: agent(a) for agent_id in agents),
            ],
            timeout=300,
        )
        assert errors(outcomes) == [], f"{errors(outcomes)}\n{server_log(prefork)}"
    finally:
        gateway = OdooRpcGateway(settings)
        for agent_id, uids in claimed.items():
            for start in range(0, len(uids), 500):
                gateway.sync_release(agent_id, uids[start : start + 500])
        psql(
            prefork.harness.pg,
            prefork.db,
            "DELETE FROM quality_sync_event WHERE res_model = 'quality.scar' AND res_id > 1999000000",
        )
        mine = [
            row["id"] for row in boss.search_read("quality.sync.event", [("event_uid", "in", sent)], ["id"])
        ]
        if mine:
            boss.call("quality.sync.event", "action_cancel", mine)

    every_claim = [uid for uids in claimed.values() for uid in uids]
    assert len(backlog) == 3000 and len(sent) == 1 + 3000 + 2 * 2 * 30
    assert len(every_claim) == len(set(every_claim)), "an event was claimed twice"
    assert not set(sent) - set(every_claim), f"{len(set(sent) - set(every_claim))} events were never claimed"
    assert not set(every_claim) - set(sent) - before, "claimed events that nobody wrote"
