"""Helpers of the end-to-end tests: a real Odoo server, JSON-RPC, agent processes.

Everything here talks to 127.0.0.1 only: the Odoo server is bound to the
loopback interface, the portal is :class:`sync_agent.testing._loopback.LoopbackPortal`
(which only binds there), and every HTTP client ignores proxy settings from
the environment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from sync_agent.testing._loopback import LoopbackPortal

from odoo_harness.runner import OdooHarness, PgSettings, kill_group

LOOPBACK = "127.0.0.1"
ADMIN = ("admin", "admin")
AGENT_LOGIN = ("sync_agent", "sync_agent")
PORTAL_TOKEN = "e2e-portal-token-0123456789"

#: Environment variables that must not leak from the developer's shell into an agent.
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


# -- waiting -------------------------------------------------------------------


def wait_until(
    predicate: Callable[[], Any],
    *,
    timeout: float,
    what: str,
    interval: float = 0.25,
    diagnostics: Callable[[], str] | None = None,
) -> Any:
    """Poll ``predicate`` until it returns a truthy value (returned) or fail
    after ``timeout`` seconds, saying what was awaited and why it may not have happened."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - e.g. Odoo restarting: keep polling
            last_error = exc
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    message = [f"timed out after {timeout:.0f} s waiting for {what}"]
    if last_error is not None:
        message.append(f"last error while polling: {type(last_error).__name__}: {last_error}")
    if diagnostics is not None:
        try:
            message.append(diagnostics())
        except Exception as exc:  # noqa: BLE001
            message.append(f"(diagnostics failed: {exc})")
    raise AssertionError("\n".join(message))


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


# -- Odoo over JSON-RPC ----------------------------------------------------------


class OdooRpcError(Exception):
    """Odoo answered a JSON-RPC call with an error."""

    def __init__(self, message: str, name: str | None) -> None:
        super().__init__(message)
        self.name = name


class OdooClient:
    """A person's browser session on Odoo: /web/session/authenticate, then call_kw."""

    def __init__(self, url: str, db: str, login: str, password: str, *, timeout: float = 60) -> None:
        self.url, self.db, self.timeout = url.rstrip("/"), db, timeout
        self.login, self.password = login, password
        self.session = requests.Session()
        self.session.trust_env = False  # never through a proxy: Odoo is on the loopback
        self.uid: int | None = None

    def _post(self, path: str, params: dict[str, Any]) -> Any:
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=self.timeout,
        )
        response.raise_for_status()
        data = response.json()
        if "error" in data:
            error = data["error"].get("data") or {}
            raise OdooRpcError(
                f"{path}: {error.get('message') or data['error'].get('message')}", error.get("name")
            )
        return data.get("result")  # Odoo leaves out a null result

    def authenticate(self) -> int:
        result = self._post(
            "/web/session/authenticate", {"db": self.db, "login": self.login, "password": self.password}
        )
        self.uid = int(result["uid"])
        return self.uid

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.uid is None:
            self.authenticate()
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        try:
            return self._post("/web/dataset/call_kw", params)
        except OdooRpcError as exc:
            if exc.name != "odoo.http.SessionExpiredException":
                raise
        self.authenticate()  # e.g. after a restart of Odoo
        return self._post("/web/dataset/call_kw", params)

    def search_read(self, model: str, domain: list, fields: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        return self.call(model, "search_read", domain, fields=fields, **kwargs)

    def xmlid(self, module: str, name: str) -> int:
        rows = self.search_read("ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"])
        if not rows:
            raise LookupError(f"no record {module}.{name} (is the demo data installed?)")
        return int(rows[0]["res_id"])


def obtain_api_key(
    url: str, db: str, login: str, password: str, *, name: str = "e2e", days: str = "7"
) -> str:
    """Create an API key the way a person does in *Preferences > Account Security*.

    The description wizard's ``make_key`` is guarded by ``check_identity``: it
    answers with the password-check wizard, whose ``run_check`` then returns
    the *API Key Ready* action carrying the key in ``context.default_key``.
    """
    client = OdooClient(url, db, login, password)
    client.authenticate()
    description = client.call("res.users.apikeys.description", "create", {"name": name, "duration": days})
    action = client.call("res.users.apikeys.description", "make_key", [description])
    if action.get("res_model") == "res.users.identitycheck":
        wizard = action["res_id"]
        client.call("res.users.identitycheck", "write", [wizard], {"password": password})
        action = client.call("res.users.identitycheck", "run_check", [wizard])
    key = (action.get("context") or {}).get("default_key")
    if not key:
        raise AssertionError(f"making an API key for {login} returned no key: {action!r}")
    return key


def odoo_time(value: str | None) -> datetime | None:
    """Odoo's naive UTC ``YYYY-MM-DD HH:MM:SS`` as an aware datetime."""
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


# -- the Odoo server ---------------------------------------------------------------


@dataclass
class OdooServer:
    """``odoo -d DB --http-port=P --http-interface=127.0.0.1`` that tests can stop and start."""

    harness: OdooHarness
    db: str
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"odoo-server-{self.db}.log"

    def command(self) -> list[str]:
        return [
            str(self.harness.odoo_bin),
            f"--config={self.workdir / 'odoo.conf'}",
            f"--data-dir={self.workdir / 'data'}",
            f"--database={self.db}",
            f"--db-filter=^{self.db}$",
            f"--addons-path={self.harness.addons_path}",
            f"--http-port={self.port}",
            f"--http-interface={LOOPBACK}",
            "--max-cron-threads=0",
            *self.harness.pg.odoo_flags(),
        ]

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 120) -> None:
        if self.running():
            return
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n# ---- start #{self.starts} at {time.strftime('%H:%M:%S')} ----\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(
            self._ready,
            timeout=timeout,
            interval=0.5,
            what=f"Odoo to answer 200 on {self.url}/web/login",
            diagnostics=lambda: f"Odoo server log tail ({self.log_path}):\n{tail(self.log_path, 60)}",
        )

    def _ready(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError(
                f"Odoo exited with code {self.proc.returncode if self.proc else None} while starting; "
                f"log tail:\n{tail(self.log_path, 60)}"
            )
        session = requests.Session()
        session.trust_env = False
        try:
            return session.get(f"{self.url}/web/login", timeout=5).status_code == 200
        except requests.RequestException:
            return False
        finally:
            session.close()

    def stop(self, timeout: float = 30) -> None:
        if self.proc is None:
            return
        kill_group(self.proc, timeout)
        self.proc = None


@dataclass
class PreforkOdooServer(OdooServer):
    """The same server in prefork mode: ``workers`` processes answer requests in parallel.

    It shares the database, config and data dir (filestore) of the session's
    server; its own HTTP and gevent (bus) ports are free loopback ports.
    """

    workers: int = 4
    gevent_port: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"odoo-prefork-{self.db}.log"

    def command(self) -> list[str]:
        return [
            *super().command(),
            f"--workers={self.workers}",
            f"--gevent-port={self.gevent_port}",
            "--limit-time-real=300",
            "--limit-time-cpu=300",
        ]


# -- PostgreSQL (for the test's own clock and cleanup, never for what is asserted) --------


def psql(pg: PgSettings, db: str, sql: str, *params: str) -> str:
    """Run one SQL statement with psql; ``:'p1'``... in ``sql`` are the quoted ``params``."""
    command = ["psql", "-X", "-q", "-At", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, "-d", db]
    command += ["-v", "ON_ERROR_STOP=1"]
    for index, value in enumerate(params, start=1):
        command += ["-v", f"p{index}={value}"]
    env = {**os.environ, "PGPASSWORD": pg.password, "PGCONNECT_TIMEOUT": "10"}
    result = subprocess.run(
        command, input=sql, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}\nSQL: {sql}")
    return result.stdout


# -- the portal ----------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request to the portal and the portal's answer."""

    at: float  # time.monotonic() when the request arrived
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    answer: dict[str, Any]
    replayed: bool

    @property
    def key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def document(self) -> Any:
        return json.loads(self.body)


class RecordingPortal(LoopbackPortal):
    """:class:`LoopbackPortal` that also keeps each answer it gave, in order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exchanges: list[Exchange] = []
        self._exchange_lock = threading.Lock()

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict, dict]:
        arrived = time.monotonic()
        status, extra, answer = super().handle(method, target, headers, body)
        exchange = Exchange(
            arrived,
            method,
            target.split("?", 1)[0],
            dict(headers),
            body,
            status,
            dict(answer),
            extra.get("Idempotent-Replayed") == "true",
        )
        with self._exchange_lock:
            self.exchanges.append(exchange)
        return status, extra, answer

    def post_exchanges(self, keys: Iterable[str] | None = None) -> list[Exchange]:
        wanted = set(keys) if keys is not None else None
        with self._exchange_lock:
            return [e for e in self.exchanges if e.method == "POST" and (wanted is None or e.key in wanted)]

    def effect_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` took effect on the portal (counted once per key by the portal)."""
        wanted = set(keys)
        with self._lock:
            return wanted & set(self.effects)

    def first_receipts(self, keys: Iterable[str]) -> dict[str, str]:
        """key -> the ``id`` the portal answered when the key first took effect."""
        receipts: dict[str, str] = {}
        for exchange in self.post_exchanges(keys):
            if exchange.status == 201 and not exchange.replayed and exchange.key not in receipts:
                receipts[exchange.key] = exchange.answer["id"]  # type: ignore[index]
        return receipts


# -- agent processes ---------------------------------------------------------------------


def agent_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m sync_agent.cli``."""
    script = Path(sys.executable).parent / "complaints-sync"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "sync_agent.cli"]


def clean_environ(extra: Mapping[str, str]) -> dict[str, str]:
    """The test process's environment without any agent settings or proxies, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("COMPLAINTS_") and not k.startswith("COMPLAINTS_PG_")) and k not in _PROXY_VARS
    }
    env["NO_PROXY"] = env["no_proxy"] = f"{LOOPBACK},localhost"
    env.update(extra)
    return env


@dataclass
class AgentProcess:
    """One ``complaints-sync`` process with its output in files."""

    name: str
    args: list[str]
    proc: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    started: float = field(default_factory=time.monotonic)

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def log_records(self) -> list[dict[str, Any]]:
        records = []
        for line in self.stderr().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def describe(self, lines: int = 30) -> str:
        state = "running" if self.proc.poll() is None else f"exited with {self.proc.returncode}"
        return (
            f"agent {self.name} ({' '.join(self.args)}): {state}\n"
            f"--- stderr tail ({self.stderr_path}):\n{tail(self.stderr_path, lines)}\n"
            f"--- stdout tail ({self.stdout_path}):\n{tail(self.stdout_path, 10)}"
        )

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"agent did not finish within {timeout:.0f} s\n{self.describe()}") from None

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM (graceful stop) and wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)


class AgentLauncher:
    """Starts agent processes for one test and kills whatever is left at teardown."""

    def __init__(self, workdir: Path, base_env: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.base_env = dict(base_env)
        self.processes: list[AgentProcess] = []

    def start(
        self,
        args: Sequence[str],
        *,
        name: str = "agent",
        env: Mapping[str, str] | None = None,
        log_level: str = "INFO",
    ) -> AgentProcess:
        index = len(self.processes) + 1
        out = self.workdir / f"{index:02d}-{name}.stdout"
        err = self.workdir / f"{index:02d}-{name}.stderr"
        command = [*agent_command(), "--log-level", log_level, *args]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                env=clean_environ({**self.base_env, **(env or {})}),
                cwd=self.workdir,
            )
        agent = AgentProcess(name, list(args), proc, out, err)
        self.processes.append(agent)
        return agent

    def run(self, args: Sequence[str], *, timeout: float = 120, **kwargs: Any) -> AgentProcess:
        """Start an agent command and wait until it exits."""
        agent = self.start(args, **kwargs)
        agent.wait(timeout)
        return agent

    def describe_all(self) -> str:
        return "\n".join(agent.describe() for agent in self.processes)

    def kill_all(self) -> None:
        for agent in self.processes:
            if agent.proc.poll() is None:
                agent.proc.kill()
                try:
                    agent.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass


def write_agent_config(
    path: Path, *, portal: Mapping[str, Any] | None = None, agent: Mapping[str, Any] | None = None
) -> Path:
    """A TOML config with [portal]/[agent] settings that have no environment variable
    (timeouts, poll intervals); URLs and secrets still come from the environment."""

    def value(v: Any) -> str:
        return json.dumps(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)

    lines: list[str] = []
    for table, values in (("portal", portal), ("agent", agent)):
        if values:
            lines.append(f"[{table}]")
            lines += [f"{key} = {value(v)}" for key, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- test data and the outbox, seen by a person in Odoo (admin over JSON-RPC) ---------------

EVENT_FIELDS = [
    "event_uid",
    "event_type",
    "target",
    "res_model",
    "res_id",
    "state",
    "attempts",
    "remote_ref",
    "last_error",
    "next_attempt_at",
    "lease_owner",
    "date_done",
]
MODULE = "odoo_addon_complaints"


@dataclass(frozen=True)
class SentScar:
    id: int
    name: str
    event_uid: str  # its scar.created event


class Outbox:
    """Creates SCARs and reads outbox events as the admin (a Complaints and Integration admin)."""

    def __init__(self, admin: OdooClient) -> None:
        self.admin = admin
        self._refs: dict[str, int] = {}

    def ref(self, name: str) -> int:
        if name not in self._refs:
            self._refs[name] = self.admin.xmlid(MODULE, name)
        return self._refs[name]

    def send_scars(
        self, count: int, tag: str, steps: Sequence[str] = ("D3", "D4"), *, claimed_meanwhile: bool = False
    ) -> list[SentScar]:
        """Create ``count`` SCARs to the demo supplier and send them: one scar.created event each.

        The events are checked to be pending unless agents may be claiming them meanwhile."""
        today = datetime.now(timezone.utc).date()
        due = today.replace(day=min(today.day, 28)).isoformat()
        values = [
            {
                "title": f"{tag} #{index:03d}: connectors leak at 2 bar",
                "supplier_id": self.ref("demo_partner_supplier"),
                "product_id": self.ref("demo_product_luer_connector"),
                "purchase_order_id": self.ref("demo_purchase_luer"),
                "eight_d_id": self.ref("demo_eight_d_01"),
                "qty_received": 500,
                "qty_defective": 3 + index,
                "symptom": "Leak at the luer thread during priming",
                "description": f"{tag}: {3 + index} of 500 connectors fail the leak test.",
                "error_type": "Dimensional",
                "location": "Final leak test",
                "reply_due_on": due,
                "step_ids": [(0, 0, {"code": code, "date_due": due}) for code in steps],
            }
            for index in range(count)
        ]
        ids = self.admin.call("quality.scar", "create", values)
        self.admin.call("quality.scar", "action_send", ids)
        names = {
            row["id"]: row["name"]
            for row in self.admin.search_read("quality.scar", [("id", "in", ids)], ["name"])
        }
        events = self.admin.search_read(
            "quality.sync.event",
            [("res_model", "=", "quality.scar"), ("res_id", "in", ids), ("event_type", "=", "scar.created")],
            ["event_uid", "res_id", "state"],
        )
        by_scar = {row["res_id"]: row for row in events}
        assert set(by_scar) == set(ids), f"sending {count} SCARs wrote {len(events)} scar.created events"
        assert claimed_meanwhile or all(row["state"] == "pending" for row in events), events
        return [SentScar(i, names[i], by_scar[i]["event_uid"]) for i in ids]

    def events(self, uids: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = self.admin.search_read("quality.sync.event", [("event_uid", "in", list(uids))], EVENT_FIELDS)
        return {row["event_uid"]: row for row in rows}

    def pending_uids(self, targets: Sequence[str] = ("supplier_portal",)) -> set[str]:
        """Events the agent would claim now or later (by default those for the supplier portal)."""
        rows = self.admin.search_read(
            "quality.sync.event",
            [("target", "in", list(targets)), ("state", "in", ["pending", "leased"])],
            ["event_uid"],
        )
        return {row["event_uid"] for row in rows}

    def states(self, uids: Iterable[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.events(uids).values():
            counts[row["state"]] = counts.get(row["state"], 0) + 1
        return counts

    def all_in_state(self, uids: Iterable[str], state: str) -> bool:
        uids = list(uids)
        events = self.events(uids)
        return len(events) == len(uids) and all(row["state"] == state for row in events.values())

    def messages(self, model: str, res_id: int) -> list[str]:
        rows = self.admin.search_read(
            "mail.message", [("model", "=", model), ("res_id", "=", res_id)], ["body"], order="id asc"
        )
        return [row["body"] or "" for row in rows]

    def steps(self, scar_id: int) -> dict[str, dict[str, Any]]:
        rows = self.admin.search_read(
            "quality.scar.step",
            [("scar_id", "=", scar_id)],
            ["code", "state", "answer_id", "answer_summary", "answer_author", "date_answered"],
        )
        return {row["code"]: row for row in rows}
