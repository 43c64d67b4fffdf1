"""Throughput of the agent's delivery path against a bare baseline (not a test).

Both sides claim from a :class:`~sync_agent.testing.FakeOdooGateway`, POST
over one keep-alive ``requests`` session (environment proxies off on both)
to the same loopback portal, which runs as a separate process so that it
does not share the agent's GIL, and ack:

* baseline: claim -> POST the raw payload with Idempotency-Key -> ack;
* agent:    the real :class:`~sync_agent.delivery.worker.Worker` - claim -> parse ->
  map -> validate (Report8D) -> POST (retry policy, timeouts) -> journal
  (SQLite, WAL) -> ack.

The ratio baseline-rate / agent-rate is the cost of mapping, validation and
the journal; the goal is <= 1.25. Rounds alternate the order (B A, A B, ...)
to cancel drift; the median of each side is reported, with the client's CPU
time per event, which load from other processes on the machine skews less
than wall-clock rates. Everything stays on 127.0.0.1.

Run: ``.venv/bin/python benchmarks/bench_sync.py [--events N] [--rounds R]``.
Events come from ``benchmarks/gen_events.py`` (deterministic per seed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_events import make_events  # noqa: E402

from sync_agent import AgentSettings, MappingRegistry, PortalClient, PortalSettings, StateStore, Worker  # noqa: E402
from sync_agent.testing import FakeOdooGateway  # noqa: E402

TOKEN = "bench-token-0123456789"
BATCH = 50
LEASE = 600


def start_portal() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync_agent.testing._loopback", "--no-record", "--token", TOKEN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"loopback portal did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def fill(events: list[dict[str, Any]]) -> FakeOdooGateway:
    gateway = FakeOdooGateway()
    for e in events:
        gateway.add_event(
            e["payload"],
            event_uid=e["event_uid"],
            event_type=e["event_type"],
            res_model=e["res_model"],
            res_id=e["res_id"],
            payload_version=e["payload_version"],
        )
    return gateway


def run_baseline(events: list[dict[str, Any]], base_url: str) -> tuple[float, float]:
    """Same claims, POSTs and acks, nothing else. Returns (wall, CPU) seconds."""
    gateway = fill(events)
    session = requests.Session()
    session.trust_env = False  # as the agent's client: no per-request environment lookups
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    url = base_url + "/api/v1/report8d"
    start, cpu = time.perf_counter(), time.process_time()
    while True:
        batch = gateway.sync_claim("baseline", BATCH, LEASE, ["supplier_portal"])
        if not batch:
            break
        for event in batch:
            body = json.dumps(event["payload"], ensure_ascii=False, separators=(",", ":")).encode()
            response = session.post(
                url, data=body, headers={**headers, "Idempotency-Key": event["event_uid"]}, timeout=(5, 30)
            )
            if response.status_code >= 300:
                raise SystemExit(f"baseline POST failed: {response.status_code} {response.text}")
            gateway.sync_ack("baseline", event["event_uid"], response.json().get("id"))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    session.close()
    assert gateway.states() == {"done": len(events)}, gateway.states()
    return elapsed, cpu


def run_agent(
    events: list[dict[str, Any]], base_url: str, registry: MappingRegistry, workdir: Path
) -> tuple[float, float]:
    """The real worker, end to end. Returns (wall, CPU) seconds."""
    gateway = fill(events)
    state = StateStore(workdir / f"state-{time.monotonic_ns()}.sqlite3")
    portal = PortalClient(PortalSettings(base_url=base_url, token=TOKEN))
    settings = AgentSettings(
        agent_id="bench-agent",
        batch_size=BATCH,
        lease_seconds=LEASE,
        state_file=state.path,
        mappings_dir=ROOT / "mappings",
    )
    worker = Worker(gateway=gateway, portal=portal, registry=registry, state=state, settings=settings)
    start, cpu = time.perf_counter(), time.process_time()
    while worker.run_once().claimed:
        pass
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    portal.close()
    state.close()
    assert gateway.states() == {"done": len(events)}, gateway.states()
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=10_000, help="events per side and round (default 10000)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds per side, order alternating (default 2)"
    )
    args = parser.parse_args(argv)

    registry = MappingRegistry.load_dir(ROOT / "mappings")
    proc, base_url = start_portal()
    seed = 1
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
            workdir = Path(tmp)
            run_baseline(make_events(200, seed=seed), base_url)  # warm-up: connections, caches
            run_agent(make_events(200, seed=seed + 1), base_url, registry, workdir)
            times: dict[str, list[float]] = {"baseline": [], "agent": []}
            cpus: dict[str, list[float]] = {"baseline": [], "agent": []}
            seed += 1  # every side and round gets fresh event uids
            for round_no in range(args.rounds):
                order = ("baseline", "agent") if round_no % 2 == 0 else ("agent", "baseline")
                for side in order:
                    seed += 1
                    events = make_events(args.events, seed=seed)
                    if side == "baseline":
                        elapsed, cpu = run_baseline(events, base_url)
                    else:
                        elapsed, cpu = run_agent(events, base_url, registry, workdir)
                    times[side].append(elapsed)
                    cpus[side].append(cpu)
                    print(
                        f"round {round_no + 1} {side:8s}: {args.events / elapsed:8.0f} events/s "
                        f"({elapsed:.2f} s, client CPU {cpu / args.events * 1e3:.3f} ms/event)",
                        flush=True,
                    )
        stats = requests.get(base_url + "/__stats", timeout=5).json()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)

    base_rate = args.events / statistics.median(times["baseline"])
    agent_rate = args.events / statistics.median(times["agent"])
    ratio = base_rate / agent_rate
    print(f"baseline: {base_rate:8.0f} events/s (median of {args.rounds})")
    print(f"agent:    {agent_rate:8.0f} events/s (median of {args.rounds})")
    print(f"ratio baseline/agent: {ratio:.3f} (goal <= 1.25) -> {'OK' if ratio <= 1.25 else 'OVER GOAL'}")
    cpu_base, cpu_agent = (statistics.median(cpus[s]) / args.events * 1e3 for s in ("baseline", "agent"))
    print(
        f"client CPU per event: baseline {cpu_base:.3f} ms, agent {cpu_agent:.3f} ms "
        f"(+{cpu_agent - cpu_base:.3f} ms for mapping, validation, journal)"
    )
    print(f"portal: {stats['requests']} requests, {stats['effects']} distinct effects")
    return 0


if __name__ == "__main__":
    sys.exit(main())
