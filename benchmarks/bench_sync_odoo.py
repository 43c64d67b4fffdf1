"""Throughput of the agent against a REAL Odoo over RPC, next to a bare baseline (not a test).

The issue's measurement: N (default 1,500) outbox events end to end into the
loopback portal; events per second of the agent and of a bare per-event
baseline (one RPC ack per event, no mapping, validation or state) measured in
the same run, and the CPU Odoo and PostgreSQL spend per event. Goals: the
agent, which reports a flush's acks and fails in one ``sync_results`` call, at
least 3 times the baseline's events per second, and at most 3 ms of Odoo +
PostgreSQL CPU per event. Then 2 and 4 agents in parallel on one outbox
(``--parallel``): events per second and exactly-once for each.

What runs (everything on 127.0.0.1):

* PostgreSQL and an Odoo 18 server (found like the tests find it: ``$ODOO_BIN``,
  else ``odoo`` on PATH; ``COMPLAINTS_PG_*`` for the database). Unless ``--db``
  names an existing database with the addon and its demo data, a throwaway
  database is created with the addon and demo data and dropped at the end.
  One Odoo HTTP server on a free loopback port, ``--max-cron-threads=0``,
  threaded mode (``--odoo-workers N`` for prefork).
* A real API key of the demo integration user ``sync_agent``, made over HTTP
  the way a person does it (the e2e tests' helper).
* Before each side of each round, N ``quality.sync.event`` rows are written by
  SQL (``COPY``), all ``pending``, target ``supplier_portal``, each with its own
  ``res_id`` so that the addon's per-record ordering does not serialise them.
  Payloads (``--payload``): ``status`` = ``complaint.status`` in the shape of
  ``quality.complaint._status_payload()``; ``scar`` = ``scar.created`` copied
  from the demo's real SCAR event (only the SCAR number varies).
* A loopback portal (``sync_agent.testing._loopback.LoopbackPortal`` in a separate
  process, counting the POSTs per Idempotency-Key), a fresh one per side and round.

The two sides, alternating order per round (B A, A B, ...) to cancel drift:

* baseline: ``odoorpc`` login with the API key, then loop
  ``sync_claim(batch)`` -> for each event ``requests.post`` of the raw payload
  with ``Idempotency-Key`` -> ``sync_ack``; nothing else (today's per-event acks);
* agent: the real :class:`~sync_agent.delivery.worker.Worker` with its real
  :class:`~sync_agent.outbox.gateway.OdooRpcGateway`, mappings, validation and the
  SQLite journal (``while worker.run_once().claimed``), one ``sync_results``
  call per flush.

Then, per count in ``--parallel`` (default 2 and 4), that many agents, each a
process of its own with its own agent id and journal, on one outbox of N events.

After each side: every event must be ``done`` in Odoo after one attempt with
the portal's reference, and the portal must have seen exactly one POST per
event uid and nothing else (exactly-once). Rates are medians over the rounds;
the client's CPU per event and the server-side CPU (Odoo + PostgreSQL) per event
are shown too.

Run from the repository root (see benchmarks/README.md)::

    .venv/bin/python benchmarks/bench_sync_odoo.py [--events 1500] [--rounds 2] [--payload status|scar]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import odoorpc
import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))  # the test harness's library, tests/odoo_harness

from odoo_harness.e2e import AGENT_LOGIN, LOOPBACK, OdooServer, obtain_api_key, tail  # noqa: E402
from odoo_harness.runner import (  # noqa: E402
    OdooHarness,
    PgSettings,
    analyse_log,
    drop_database,
    failure_report,
    find_odoo,
    free_port,
    install_module,
    odoo_version,
)

from sync_agent.testing._loopback import LoopbackPortal  # noqa: E402
from sync_agent import (  # noqa: E402
    AgentSettings,
    CycleReport,
    MappingRegistry,
    OdooRpcGateway,
    OdooSettings,
    PortalClient,
    PortalSettings,
    StateStore,
    Worker,
)

MODULE = "odoo_addon_complaints"
TARGET = "supplier_portal"
TOKEN = "bench-odoo-portal-token-0123456789"
MARKER = "bench_sync_odoo"  # res_name of every event this benchmark writes
RES_ID_BASE = 900_000_000  # far above real record ids: no event waits for a real record's older event
LEASE = 600
BASELINE_AGENT = "bench-baseline"
AGENT_ID = "bench-agent"
# Where the mappings POST each event type (mappings/*.yaml); the baseline uses the same URL, unmapped.
PORTAL_PATHS = {
    "complaint.status": "/api/v1/complaints/status",
    "scar.created": "/api/v1/report8d",
}


# -- the portal process ----------------------------------------------------------------------


class CountingPortal(LoopbackPortal):
    """The loopback portal, keeping per Idempotency-Key: POSTs seen and the id it answered.

    ``GET /__keys`` returns ``{"posts": n, "keys": {key: [posts, id, first status]}}``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(record=False, **kwargs)
        self.deliveries: dict[str, list[Any]] = {}
        self.post_count = 0
        self._count_lock = threading.Lock()

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict, dict]:
        if method == "GET" and target.split("?", 1)[0] == "/__keys":
            with self._count_lock:
                return 200, {}, {"posts": self.post_count, "keys": self.deliveries}
        status, extra, answer = super().handle(method, target, headers, body)
        if method == "POST":
            key = headers.get("idempotency-key") or ""
            with self._count_lock:
                self.post_count += 1
                entry = self.deliveries.setdefault(key, [0, None, status])
                entry[0] += 1
                if entry[1] is None and 200 <= status < 300:
                    entry[1] = answer.get("id")
        return status, extra, answer


def serve_portal(argv: list[str]) -> int:
    """``bench_sync_odoo.py serve-portal --token T``: print ``PORT n``, serve until stdin closes."""
    parser = argparse.ArgumentParser(prog="bench_sync_odoo.py serve-portal")
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    with CountingPortal(token=args.token) as portal:
        print(f"PORT {portal.base_url.rsplit(':', 1)[1]}", flush=True)
        sys.stdin.read()
    return 0


class PortalProcess:
    """A :class:`CountingPortal` in its own process, so that it does not share the client's GIL."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve-portal", "--token", TOKEN],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"loopback portal did not start: {line!r}")
        self.base_url = f"http://{LOOPBACK}:{int(line.split()[1])}"

    def keys(self) -> dict[str, Any]:
        session = requests.Session()
        session.trust_env = False
        try:
            return session.get(self.base_url + "/__keys", timeout=30).json()
        finally:
            session.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


# -- Odoo and PostgreSQL ------------------------------------------------------------------------


@dataclass
class BenchOdooServer(OdooServer):
    """The e2e tests' server (loopback, ``--max-cron-threads=0``), optionally in prefork mode."""

    workers: int = 0

    def command(self) -> list[str]:
        command = super().command()
        if self.workers > 0:
            # Sequential clients: 2 HTTP workers are plenty on 2 cores; no time limit may cut a round.
            command += [f"--workers={self.workers}", "--limit-time-real=3600", "--limit-time-cpu=3600"]
            command += [f"--gevent-port={free_port()}"]  # not the shared default 8072
        return command


class Database:
    """psql against the benchmark's database (the events, the checks, the cleanup)."""

    def __init__(self, pg: PgSettings, name: str) -> None:
        self.pg, self.name = pg, name

    def run(self, sql: str, *, timeout: float = 600) -> str:
        command = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
        command += ["-h", self.pg.host, "-p", str(self.pg.port), "-U", self.pg.user, "-d", self.name]
        env = {**os.environ, "PGPASSWORD": self.pg.password, "PGCONNECT_TIMEOUT": "10"}
        result = subprocess.run(command, input=sql, env=env, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(
                f"psql failed ({result.returncode}): {result.stderr.strip()}\nSQL: {sql[:500]}"
            )
        return result.stdout

    def rows(self, sql: str) -> list[list[str]]:
        return [line.split("|") for line in self.run(sql).splitlines() if line]


def process_cpu(pid: int) -> float:
    """utime + stime (seconds, all threads) of one process, from /proc; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # stat fields 14 and 15


def server_cpu_snapshot(odoo: BenchOdooServer, db: Database) -> dict[int, float]:
    """CPU seconds so far of the Odoo server (and its prefork workers) and of the PostgreSQL
    backends connected to the benchmark's database - not of anything else on the machine."""
    pids = [int(pid) for pid in db.run(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).split()]  # fmt: skip
    if odoo.proc is not None:
        pids.append(odoo.proc.pid)
        try:
            pids += [
                int(pid)
                for pid in Path(f"/proc/{odoo.proc.pid}/task/{odoo.proc.pid}/children").read_text().split()
            ]
        except OSError:
            pass
    return {pid: process_cpu(pid) for pid in pids}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two snapshots (a process that appeared in between counts from zero)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


# -- the events -----------------------------------------------------------------------------------

_STAGES = [  # (stage.state, stage name) of the addon's stages
    ("new", "New"),
    ("open", "Acknowledged"),
    ("open", "Investigating"),
    ("open", "Action"),
    ("open", "Awaiting Customer"),
    ("done", "Closed"),
    ("rejected", "Rejected"),
]
_VALIDITY = ["to_check", "valid", "not_responsible", "unfounded", "malicious"]
_DISPOSITION = [
    None,
    "explanation",
    "return",
    "exchange",
    "refund",
    "discount",
    "repair",
    "compensation",
    "recall",
]
_SUBJECT_WORDS = (
    "scratches cracks leaks burrs porosity dents corrosion on cast housings connectors seals lot".split()
)


def status_payload(i: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    """The shape of ``quality.complaint._status_payload()`` (quality_complaint_workflow.py)."""
    state, stage = rng.choice(_STAGES)
    received = now - timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 1439))
    return {
        "complaint": f"{received:%Y%m}-{i % 10000:04d}",
        "customer_ref": f"C-{4000 + i % 5000}" if i % 3 else None,
        "subject": " ".join(rng.choice(_SUBJECT_WORDS) for _ in range(rng.randint(4, 12))).capitalize(),
        "status": state,
        "stage": stage,
        "validity": rng.choice(_VALIDITY),
        "disposition": rng.choice(_DISPOSITION),
        "received_at": received.strftime("%Y-%m-%d %H:%M:%S"),
        "changed_at": now.strftime("%Y-%m-%d %H:%M:%S"),
    }


def scar_payload(i: int, template: dict[str, Any]) -> dict[str, Any]:
    """The demo's real ``scar.created`` payload, with a SCAR number of its own."""
    payload = json.loads(json.dumps(template))
    payload["scar"]["number"] = f"{template['scar']['number']}-B{i:06d}"
    return payload


class Outbox:
    """Writes and checks the benchmark's events in ``quality_sync_event`` by SQL."""

    def __init__(
        self, db: Database, kind: str, scar_template: dict[str, Any] | None, company_id: int
    ) -> None:
        self.db, self.kind, self.scar_template, self.company_id = db, kind, scar_template, company_id
        self.batches = 0

    def reset(self, count: int, seed: int) -> list[str]:
        """Delete the benchmark's previous events, write ``count`` pending ones; returns their uids."""
        rng = random.Random(seed)
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        due = now - timedelta(minutes=5)  # due at once, whatever the clocks of Odoo and PostgreSQL say
        self.batches += 1
        res_base = RES_ID_BASE + self.batches * 100_000
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        uids = []
        for i in range(count):
            uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            uids.append(uid)
            if self.kind == "status":
                event_type, res_model, payload = (
                    "complaint.status",
                    "quality.complaint",
                    status_payload(i, rng, now),
                )
            else:
                assert self.scar_template is not None
                event_type, res_model, payload = (
                    "scar.created",
                    "quality.scar",
                    scar_payload(i, self.scar_template),
                )
            stamp = due.strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow(
                [
                    uid, TARGET, event_type, res_model, res_base + i, MARKER, 1,
                    json.dumps(payload, ensure_ascii=False), self.company_id, "pending", 0, stamp,
                    1, stamp, 1, stamp,
                ]
            )  # fmt: skip
        data = buffer.getvalue()
        if "\n\\.\n" in "\n" + data:
            raise RuntimeError("an event would end the COPY data early")
        self.db.run(
            f"DELETE FROM quality_sync_event WHERE res_name = '{MARKER}';\n"
            "COPY quality_sync_event (event_uid, target, event_type, res_model, res_id, res_name,"
            " payload_version, payload, company_id, state, attempts, next_attempt_at,"
            " create_uid, create_date, write_uid, write_date) FROM STDIN WITH (FORMAT csv);\n"
            + data
            + "\\.\n"
        )
        self.db.run("VACUUM ANALYZE quality_sync_event;")  # same table statistics for every side and round
        return uids

    def check(self, uids: list[str], portal: dict[str, Any]) -> list[str]:
        """Problems with exactly-once delivery of ``uids`` (empty list: all good)."""
        problems: list[str] = []
        rows = {
            row[0]: row
            for row in self.db.rows(
                "SELECT event_uid, state, attempts, COALESCE(remote_ref, ''), COALESCE(last_error, '')"
                f" FROM quality_sync_event WHERE res_name = '{MARKER}'"
            )
        }
        expected = set(uids)
        if set(rows) != expected:
            problems.append(
                f"odoo holds {len(rows)} benchmark events,"
                f" {len(set(rows) ^ expected)} differ from those written"
            )
        states: dict[str, int] = {}
        for row in rows.values():
            states[row[1]] = states.get(row[1], 0) + 1
        if states != {"done": len(uids)}:
            sample = next((row for row in rows.values() if row[1] != "done"), None)
            problems.append(f"odoo states {states}, expected all {len(uids)} done (e.g. {sample})")
        retried = sum(1 for row in rows.values() if row[2] != "1")
        if retried:
            problems.append(f"{retried} events were claimed more than once")
        keys = portal["keys"]
        if set(keys) != expected:
            problems.append(
                f"portal saw {len(keys)} idempotency keys: {len(expected - set(keys))} events never posted,"
                f" {len(set(keys) - expected)} unknown keys"
            )
        twice = sum(1 for entry in keys.values() if entry[0] != 1)
        if twice or portal["posts"] != len(uids):
            problems.append(
                f"portal got {portal['posts']} POSTs for {len(uids)} events"
                f" ({twice} keys posted more than once)"
            )
        refused = sum(1 for entry in keys.values() if not 200 <= entry[2] < 300)
        if refused:
            problems.append(f"portal refused {refused} documents")
        wrong_ref = sum(1 for uid in expected & set(keys) & set(rows) if rows[uid][3] != keys[uid][1])
        if wrong_ref:
            problems.append(f"{wrong_ref} events were acked with a reference that is not the portal's")
        return problems


# -- the two sides -----------------------------------------------------------------------------------


@dataclass
class Context:
    url: str
    db: str
    api_key: str
    batch: int
    registry: MappingRegistry
    workdir: Path
    odoo: BenchOdooServer
    batch_acks: bool = False


@dataclass
class Result:
    elapsed: float
    client_cpu: float
    server_cpu: float
    problems: list[str]


def run_baseline(ctx: Context, base_url: str) -> tuple[float, float]:
    """Same logins, claims, POSTs and acks as the agent, nothing else. Returns (wall, CPU) seconds.

    Each event is acked right after its POST (``--baseline-acks each``, the issue's baseline), or
    all acks of a batch follow its POSTs (``batch``: the order in which the worker sends them).
    """
    session = requests.Session()
    session.trust_env = False  # as the agent's portal client
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    host, port = LOOPBACK, int(ctx.url.rsplit(":", 1)[1])
    start, cpu = time.perf_counter(), time.process_time()
    odoo = odoorpc.ODOO(host, protocol="jsonrpc", port=port, timeout=30)
    odoo.login(ctx.db, AGENT_LOGIN[0], ctx.api_key)
    outbox = odoo.env["quality.sync.event"]
    accepted: list[tuple[str, str | None]] = []

    def ack(accepted: list[tuple[str, str | None]]) -> None:
        for uid, ref in accepted:
            if not outbox.sync_ack(BASELINE_AGENT, uid, ref):
                raise RuntimeError(f"odoo refused the baseline's ack of {uid}")
        accepted.clear()

    while True:
        batch = outbox.sync_claim(BASELINE_AGENT, ctx.batch, LEASE, [TARGET])
        if not batch:
            break
        for event in batch:
            body = json.dumps(event["payload"], ensure_ascii=False, separators=(",", ":")).encode()
            response = session.post(
                base_url + PORTAL_PATHS[event["event_type"]],
                data=body,
                headers={**headers, "Idempotency-Key": event["event_uid"]},
                timeout=(5, 30),
            )
            if response.status_code >= 300:
                raise RuntimeError(f"baseline POST failed: {response.status_code} {response.text}")
            accepted.append((event["event_uid"], response.json().get("id")))
            if not ctx.batch_acks:
                ack(accepted)
        ack(accepted)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    session.close()
    return elapsed, cpu


def run_agent(ctx: Context, base_url: str, tag: str, agent_id: str = AGENT_ID) -> tuple[float, float]:
    """The real worker with the real RPC gateway, end to end. Returns (wall, CPU) seconds."""
    gateway = OdooRpcGateway(
        OdooSettings(url=ctx.url, db=ctx.db, user=AGENT_LOGIN[0], api_key=ctx.api_key, timeout=30)
    )
    state = StateStore(ctx.workdir / f"journal-{tag}.sqlite3")
    portal = PortalClient(PortalSettings(base_url=base_url, token=TOKEN, target=TARGET))
    settings = AgentSettings(
        agent_id=agent_id,
        batch_size=ctx.batch,
        lease_seconds=LEASE,
        state_file=state.path,
        mappings_dir=ROOT / "mappings",
    )
    worker = Worker(gateway=gateway, portal=portal, registry=ctx.registry, state=state, settings=settings)
    total = CycleReport()
    start, cpu = time.perf_counter(), time.process_time()
    while True:
        report = worker.run_once()  # logs in on the first claim, as the agent does
        for field in CycleReport.model_fields:
            setattr(total, field, getattr(total, field) + getattr(report, field))
        if not report.claimed:
            break
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    portal.close()
    state.close()
    bad = {k: v for k, v in total.model_dump().items() if k not in ("claimed", "delivered") and v}
    if bad or total.claimed != total.delivered:
        raise RuntimeError(f"the agent did not deliver every event cleanly: {total.model_dump()}")
    with sqlite3.connect(state.path) as journal:
        statuses = dict(journal.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())
    if total.delivered and statuses != {"acked": total.delivered}:
        raise RuntimeError(f"journal holds {statuses}, expected {total.delivered} acked")
    return elapsed, cpu


def _agent_process(ctx: Context, base_url: str, tag: str, agent_id: str, go: Any, results: Any) -> None:
    """One of several parallel agents (a forked process): waits for ``go``, runs, reports."""
    try:
        go.wait()
        elapsed, cpu = run_agent(ctx, base_url, tag, agent_id)
        results.put((agent_id, elapsed, cpu, None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the side
        results.put((agent_id, 0.0, 0.0, f"{type(exc).__name__}: {exc}"))


def run_agents(ctx: Context, base_url: str, tag: str, count: int) -> tuple[float, float]:
    """``count`` agents in parallel on one outbox, each a process with its own id and journal.

    Returns (wall, CPU) seconds: wall from the common start to the last agent's
    end, CPU summed over the agents."""
    forked = multiprocessing.get_context("fork")
    go, results = forked.Event(), forked.Queue()
    procs = [
        forked.Process(
            target=_agent_process, args=(ctx, base_url, f"{tag}-{i}", f"{AGENT_ID}-{i}", go, results)
        )
        for i in range(count)
    ]
    for proc in procs:
        proc.start()
    time.sleep(0.5)  # every process is up and waiting
    start = time.perf_counter()
    go.set()
    answers = [results.get(timeout=3600) for _ in procs]
    elapsed = time.perf_counter() - start
    for proc in procs:
        proc.join(timeout=60)
    errors = [f"{agent}: {error}" for agent, _e, _c, error in answers if error]
    if errors:
        raise RuntimeError("parallel agents failed: " + "; ".join(errors))
    return elapsed, sum(cpu for _a, _e, cpu, _x in answers)


def run_side(
    side: str, ctx: Context, outbox: Outbox, count: int, seed: int, tag: str, agents: int = 1
) -> Result:
    uids = outbox.reset(count, seed)
    portal = PortalProcess()
    try:
        server_before = server_cpu_snapshot(ctx.odoo, outbox.db)
        if side == "baseline":
            elapsed, cpu = run_baseline(ctx, portal.base_url)
        elif agents > 1:
            elapsed, cpu = run_agents(ctx, portal.base_url, tag, agents)
        else:
            elapsed, cpu = run_agent(ctx, portal.base_url, tag)
        server = cpu_delta(server_before, server_cpu_snapshot(ctx.odoo, outbox.db))
        problems = outbox.check(uids, portal.keys())
    finally:
        portal.stop()
    return Result(elapsed, cpu, server, problems)


# -- main ---------------------------------------------------------------------------------------------


def _harness() -> OdooHarness:
    odoo_bin, reason = find_odoo()
    if odoo_bin is None:
        raise SystemExit(reason.replace("Odoo tests NOT run", "cannot run the benchmark"))
    version = odoo_version(odoo_bin)
    if not version.startswith("Odoo Server 18."):
        raise SystemExit(f"{odoo_bin} --version printed {version!r}; the addon needs Odoo 18 (set ODOO_BIN)")
    pg = PgSettings.from_env()
    if not pg.reachable():
        raise SystemExit(f"PostgreSQL is not reachable at {pg.host}:{pg.port} (scripts/ensure-postgres)")
    return OdooHarness(odoo_bin=odoo_bin, version=version, pg=pg, addons_path=ROOT, module=MODULE)


def _sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # run the finally blocks: stop Odoo, drop the database


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve-portal"]:
        return serve_portal(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_500, help="events per side and round (default 1500)")
    parser.add_argument(
        "--parallel",
        default="2,4",
        help="agent counts to run in parallel on one outbox after the rounds (default 2,4; '' for none)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds per side, order alternating (default 2)"
    )
    parser.add_argument("--warmup", type=int, default=300, help="untimed events per side first (default 300)")
    parser.add_argument(
        "--batch", type=int, default=50, help="events per sync_claim, both sides (default 50)"
    )
    parser.add_argument(
        "--payload", choices=("status", "scar"), default="status",
        help="complaint.status payloads (default) or copies of the demo's scar.created payload",
    )  # fmt: skip
    parser.add_argument(
        "--db", help="use this existing database (addon + demo data installed) instead of a throwaway one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the throwaway database")
    parser.add_argument(
        "--baseline-acks",
        choices=("each", "batch"),
        default="each",
        help="baseline acks each event after its POST (default), or a batch's acks after its POSTs",
    )
    parser.add_argument("--odoo-workers", type=int, default=0, help="Odoo --workers (default 0: threaded)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)

    harness = _harness()
    workdir = Path(tempfile.mkdtemp(prefix="bench-sync-odoo-"))
    created_db: str | None = None
    server: BenchOdooServer | None = None
    db: Database | None = None
    parked: list[list[str]] = []
    key_name = f"{MARKER} {uuid.uuid4().hex[:8]}"
    ok = False
    try:
        if args.db:
            name = args.db
            (workdir / "odoo.conf").write_text("[options]\n", encoding="utf-8")
        else:
            name = created_db = f"bench_sync_odoo_{uuid.uuid4().hex[:10]}"
            print(f"installing {MODULE} with demo data into the throwaway database {name} ...", flush=True)
            started = time.monotonic()
            run = install_module(
                harness.odoo_bin, harness.pg, addons_path=ROOT, module=MODULE, database=name,
                workdir=workdir, demo=True, test_enable=False,
            )  # fmt: skip
            if run.returncode != 0:
                raise SystemExit(
                    failure_report(run, analyse_log(run.log_text()), [f"installing into {name} failed"])
                )
            print(f"  installed in {time.monotonic() - started:.0f} s", flush=True)
        db = Database(harness.pg, name)
        server = BenchOdooServer(harness, name, free_port(), workdir, workers=args.odoo_workers)
        server.start()
        mode = f"prefork, {args.odoo_workers} workers" if args.odoo_workers else "threaded"
        print(
            f"odoo {harness.version.split()[-1]} serving {name} on {server.url} ({mode}, no cron)", flush=True
        )
        api_key = obtain_api_key(server.url, name, *AGENT_LOGIN, name=key_name, days="7")

        company_id = int(db.run("SELECT id FROM res_company ORDER BY id LIMIT 1").strip())
        template = None
        if args.payload == "scar":
            found = db.run(
                "SELECT payload FROM quality_sync_event WHERE event_type = 'scar.created'"
                f" AND payload IS NOT NULL AND res_name IS DISTINCT FROM '{MARKER}' ORDER BY id LIMIT 1"
            ).strip()
            if not found:
                raise SystemExit(f"{name} holds no scar.created event to copy (is the demo data installed?)")
            template = json.loads(found)
        # Only the benchmark's events may be claimed: park the others (the demo's), restored at the end.
        parked = db.rows(
            "UPDATE quality_sync_event event SET state = 'cancelled' FROM ("
            "SELECT id, state FROM quality_sync_event"
            f" WHERE target = '{TARGET}' AND state IN ('pending', 'leased')"
            f" AND res_name IS DISTINCT FROM '{MARKER}'"
            ") old WHERE event.id = old.id RETURNING event.id, old.state"
        )
        outbox = Outbox(db, args.payload, template, company_id)
        ctx = Context(
            server.url,
            name,
            api_key,
            args.batch,
            MappingRegistry.load_dir(ROOT / "mappings"),
            workdir,
            server,
            batch_acks=args.baseline_acks == "batch",
        )

        seed = 1000
        if args.warmup:
            for side in ("baseline", "agent"):
                seed += 1
                result = run_side(side, ctx, outbox, args.warmup, seed, f"warmup-{side}")
                if result.problems:
                    raise SystemExit(f"warm-up {side}: " + "; ".join(result.problems))
        results: dict[str, list[Result]] = {"baseline": [], "agent": []}
        print(
            f"{args.events} {args.payload} events per side and round, batch {args.batch},"
            f" baseline acks {args.baseline_acks},"
            f" {args.rounds} rounds (order alternating)",
            flush=True,
        )
        for round_no in range(args.rounds):
            order = ("baseline", "agent") if round_no % 2 == 0 else ("agent", "baseline")
            for side in order:
                seed += 1
                result = run_side(side, ctx, outbox, args.events, seed, f"r{round_no + 1}-{side}")
                results[side].append(result)
                verdict = (
                    "exactly once: OK" if not result.problems else "PROBLEMS: " + "; ".join(result.problems)
                )
                print(
                    f"round {round_no + 1} {side:8s}: {args.events / result.elapsed:7.1f} events/s"
                    f" ({result.elapsed:6.1f} s; CPU per event:"
                    f" client {result.client_cpu / args.events * 1e3:.2f} ms,"
                    f" odoo+postgres {result.server_cpu / args.events * 1e3:.2f} ms); {verdict}",
                    flush=True,
                )

        n = args.events
        base_time = statistics.median(r.elapsed for r in results["baseline"])
        agent_time = statistics.median(r.elapsed for r in results["agent"])
        speedup = base_time / agent_time
        print(
            f"baseline: {n / base_time:7.1f} events/s (median of {args.rounds}; one sync_ack RPC per event)"
        )
        print(
            f"agent:    {n / agent_time:7.1f} events/s (median of {args.rounds}; one sync_results RPC per flush)"
        )
        print(
            f"agent events/s / baseline events/s: {speedup:.2f}x (goal >= 3)"
            f" -> {'OK' if speedup >= 3 else 'UNDER GOAL'}"
        )
        cpu = {s: statistics.median(r.client_cpu for r in results[s]) / n * 1e3 for s in results}
        srv = {s: statistics.median(r.server_cpu for r in results[s]) / n * 1e3 for s in results}
        print(
            f"client CPU per event (user+system, sockets included): baseline {cpu['baseline']:.2f} ms,"
            f" agent {cpu['agent']:.2f} ms"
        )
        print(
            f"odoo+postgres CPU per event: baseline {srv['baseline']:.2f} ms, agent {srv['agent']:.2f} ms"
            f" (goal for the agent <= 3 ms) -> {'OK' if srv['agent'] <= 3 else 'OVER GOAL'}"
        )
        scaling: list[tuple[int, Result]] = []
        for agents in [int(part) for part in args.parallel.split(",") if part.strip()]:
            seed += 1
            result = run_side("agent", ctx, outbox, n, seed, f"parallel-{agents}", agents=agents)
            results.setdefault(f"parallel-{agents}", []).append(result)
            scaling.append((agents, result))
        if scaling:
            print(f"parallel agents on one outbox ({n} events each run):")
            print(
                "| agents | events/s | vs 1 agent | odoo+postgres CPU/event | agents' CPU/event | exactly once |"
            )
            print("|---:|---:|---:|---:|---:|---|")
            rows = [
                (1, agent_time, srv["agent"], cpu["agent"], not any(r.problems for r in results["agent"]))
            ]
            rows += [
                (k, r.elapsed, r.server_cpu / n * 1e3, r.client_cpu / n * 1e3, not r.problems)
                for k, r in scaling
            ]
            for agents, elapsed, server_ms, client_ms, once in rows:
                print(
                    f"| {agents} | {n / elapsed:.1f} | {agent_time / elapsed:.2f}x | {server_ms:.2f} ms"
                    f" | {client_ms:.2f} ms | {'OK' if once else 'PROBLEMS'} |"
                )
            for agents, result in scaling:
                if result.problems:
                    print(f"{agents} agents: PROBLEMS: " + "; ".join(result.problems))
        problems = [p for side in results for r in results[side] for p in r.problems]
        print(
            "exactly-once: every event delivered once and acked, in every round of both sides"
            if not problems
            else f"exactly-once: {len(problems)} PROBLEMS (see above)"
        )
        ok = not problems
        return 0 if ok else 1
    finally:
        if server is not None and server.running() and not ok:
            print(f"odoo log tail ({server.log_path}):\n{tail(server.log_path, 20)}", file=sys.stderr)
        if server is not None:
            server.stop()
        if db is not None and created_db is None:
            # A database we were given: remove what we wrote, give back what we parked.
            db.run(f"DELETE FROM quality_sync_event WHERE res_name = '{MARKER}'")
            for state in ("pending", "leased"):
                ids = ",".join(str(int(row[0])) for row in parked if row[1] == state)
                if ids:
                    db.run(f"UPDATE quality_sync_event SET state = '{state}' WHERE id IN ({ids})")
            db.run(f"DELETE FROM res_users_apikeys WHERE name = '{key_name}'")
            # The agents Odoo saw claiming (quality.sync.agent): the benchmark's only.
            db.run(
                f"DELETE FROM quality_sync_agent WHERE agent_id IN ('{BASELINE_AGENT}', '{AGENT_ID}')"
                f" OR agent_id LIKE '{AGENT_ID}-%'"
            )
        if created_db is not None:
            if args.keep_db:
                print(f"kept database {created_db}", file=sys.stderr)
            else:
                drop_database(harness.pg, created_db)
        if ok:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
