"""Run a real Odoo 18 against a throwaway database and judge its log.

Odoo's own test runner reports through its log, not through an exit code
alone (an install can "succeed" with ERROR records, and a test run with zero
tests exits 0). This module keeps that knowledge in one place so the tests in
this directory stay short:

* :func:`find_odoo` - locate Odoo ($ODOO_BIN, else ``odoo`` on PATH), the same
  rule as ``scripts/lib.sh``;
* :class:`PgSettings` - the database connection, from the same environment
  variables and defaults as the shell scripts;
* :func:`run_odoo` - run Odoo with a timeout, keeping the full log in a file;
* :func:`analyse_log` / :func:`failure_report` - extract ERROR/CRITICAL
  records, failing test names and the test-count line, and format a report
  that names every problem;
* :func:`drop_database` - clean up after a run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

__all__ = [
    "DEFAULT_TIMEOUT",
    "NO_ODOO_REASON",
    "LogAnalysis",
    "LogRecord",
    "OdooHarness",
    "OdooRun",
    "PgSettings",
    "analyse_log",
    "drop_database",
    "failure_report",
    "find_odoo",
    "free_port",
    "install_module",
    "log_records",
    "odoo_version",
    "run_odoo",
    "skips_fail_the_run",
    "update_module",
]

#: Seconds one Odoo run may take (an install of sale_stock + account with demo
#: data and tests takes minutes on 2 cores); override with
#: COMPLAINTS_ODOO_TIMEOUT.
DEFAULT_TIMEOUT: Final = int(os.environ.get("COMPLAINTS_ODOO_TIMEOUT", "1800"))

NO_ODOO_REASON: Final = "Odoo 18 not found: set ODOO_BIN or put `odoo` on PATH; Odoo tests NOT run"

# One Odoo log record starts with:
#   2025-01-31 12:34:56,789 4242 INFO dbname odoo.modules.loading: message
# (dbname is "?" outside a database). Continuation lines (tracebacks) do not
# match and belong to the record above them.
_RECORD_RE: Final = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) (?P<pid>\d+) "
    r"(?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<msg>.*)$"
)
# Emitted by odoo.tests.result at the end of a --test-enable run, e.g.
#   0 failed, 0 error(s) of 12 tests when loading database 'complaints_test_x'
_RESULT_RE: Final = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests when loading database"
)
# Emitted by OdooTestResult.logError for each failing test:
#   FAIL: TestComplaint.test_deadline   /   ERROR: setUpClass (odoo.addons...)
_TEST_FAILURE_RE: Final = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<test>.+)$")
# Logged at INFO by OdooTestResult.addSkip for each skipped test, e.g. a tour
# without a browser:
#   skipped TestComplaintPortalTour.test_x : Chrome executable not found
_TEST_SKIP_RE: Final = re.compile(r"^skipped (?P<test>.+?) : (?P<reason>.*)$")
_FAILURE_LEVELS: Final = frozenset({"ERROR", "CRITICAL"})


@dataclass(frozen=True)
class PgSettings:
    """PostgreSQL connection used by Odoo and for dropping test databases."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "odoo"
    password: str = "odoo"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PgSettings:
        """Read COMPLAINTS_PG_* (then PGHOST/PGPORT) like scripts/lib.sh."""
        env = os.environ if environ is None else environ
        return cls(
            host=env.get("COMPLAINTS_PG_HOST") or env.get("PGHOST") or "127.0.0.1",
            port=int(env.get("COMPLAINTS_PG_PORT") or env.get("PGPORT") or "5432"),
            user=env.get("COMPLAINTS_PG_USER") or "odoo",
            password=env.get("COMPLAINTS_PG_PASSWORD") or "odoo",
        )

    def odoo_flags(self) -> list[str]:
        """Odoo command-line flags for this connection."""
        return [
            f"--db_host={self.host}",
            f"--db_port={self.port}",
            f"--db_user={self.user}",
            f"--db_password={self.password}",
        ]

    def reachable(self, timeout: float = 3.0) -> bool:
        """True if something accepts TCP connections (or the socket exists)."""
        if self.host.startswith("/"):
            return Path(self.host, f".s.PGSQL.{self.port}").exists()
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout):
                return True
        except OSError:
            return False


@dataclass(frozen=True)
class OdooHarness:
    """Everything a test needs to run Odoo against one addon."""

    odoo_bin: Path
    version: str
    pg: PgSettings
    addons_path: Path
    module: str

    def install(self, database: str, workdir: Path, *, demo: bool, test_enable: bool) -> OdooRun:
        """Install this harness's addon into ``database`` (see :func:`install_module`)."""
        return install_module(
            self.odoo_bin,
            self.pg,
            addons_path=self.addons_path,
            module=self.module,
            database=database,
            workdir=workdir,
            demo=demo,
            test_enable=test_enable,
        )

    def update(self, database: str, workdir: Path) -> OdooRun:
        """Update this harness's addon in ``database`` (see :func:`update_module`)."""
        return update_module(
            self.odoo_bin,
            self.pg,
            addons_path=self.addons_path,
            module=self.module,
            database=database,
            workdir=workdir,
        )


def find_odoo(environ: Mapping[str, str] | None = None) -> tuple[Path | None, str]:
    """Locate Odoo: ``$ODOO_BIN`` if set, else ``odoo`` on PATH.

    Returns ``(path, "")`` or ``(None, reason)``. A set but unusable
    ODOO_BIN is reported as such instead of silently falling back to PATH,
    because that would test a different Odoo than the user asked for.
    """
    env = os.environ if environ is None else environ
    configured = env.get("ODOO_BIN")
    if configured:
        path = Path(configured)
        if path.is_file() and os.access(path, os.X_OK):
            return path, ""
        return None, f"ODOO_BIN is set to {configured!r}, which is not an executable file; Odoo tests NOT run"
    found = shutil.which("odoo", path=env.get("PATH", os.defpath))
    if found:
        return Path(found), ""
    return None, NO_ODOO_REASON


def odoo_version(odoo_bin: Path) -> str:
    """First line of ``odoo --version`` (e.g. ``Odoo Server 18.0``)."""
    result = subprocess.run(
        [str(odoo_bin), "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    lines = result.stdout.strip().splitlines()
    return lines[0].strip() if lines else ""


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1, so runs never clash with a
    running demo on 8069 or with each other."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class OdooRun:
    """Outcome of one Odoo process."""

    command: list[str]  # with the db password masked, safe to print
    returncode: int | None  # None when it had to be killed
    log_path: Path
    duration: float
    timed_out: bool

    def log_text(self) -> str:
        """The complete log (stdout and stderr interleaved)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _mask(command: Sequence[str], secret: str | None) -> list[str]:
    if not secret:
        return list(command)
    return [part.replace(secret, "***") if part.startswith("--db_password") else part for part in command]


def _pump(source: IO[bytes], sink: IO[bytes], echo: bool) -> None:
    for chunk in iter(source.readline, b""):
        sink.write(chunk)
        sink.flush()
        if echo:
            sys.stderr.buffer.write(chunk)
            sys.stderr.buffer.flush()


def run_odoo(
    odoo_bin: Path,
    args: Sequence[str],
    log_path: Path,
    timeout: float = DEFAULT_TIMEOUT,
    secret: str | None = None,
) -> OdooRun:
    """Run ``odoo_bin *args``, writing all output to ``log_path``.

    The process gets its own session so a timeout kills Odoo and everything
    it spawned (browsers for tours). Set COMPLAINTS_ODOO_ECHO=1 (with
    ``pytest -s``) to also stream the log to the terminal while it runs.
    ``secret`` (the db password) is masked in :attr:`OdooRun.command`.
    """
    command = [str(odoo_bin), *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    echo = os.environ.get("COMPLAINTS_ODOO_ECHO", "") not in ("", "0")
    start = time.monotonic()
    timed_out = False
    with log_path.open("wb") as sink:
        sink.write(f"# command: {' '.join(_mask(command, secret))}\n".encode())
        sink.flush()
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert proc.stdout is not None
        pump = threading.Thread(target=_pump, args=(proc.stdout, sink, echo), daemon=True)
        pump.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
        pump.join(timeout=60)
        if timed_out:
            sink.write(f"\n# KILLED by the test harness after {timeout:.0f} s timeout\n".encode())
    return OdooRun(
        command=_mask(command, secret),
        returncode=None if timed_out else proc.returncode,
        log_path=log_path,
        duration=time.monotonic() - start,
        timed_out=timed_out,
    )


def kill_group(proc: subprocess.Popen[Any], grace: float = 30) -> None:
    """SIGTERM the process group, then SIGKILL it if it does not exit in ``grace`` s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.wait(timeout=grace)


def _one_shot_args(
    pg: PgSettings, *, workdir: Path, database: str, addons_path: Path, action: list[str]
) -> list[str]:
    """The command line of an Odoo run that does ``action`` on ``database`` and stops.

    Everything Odoo writes stays in ``workdir``: an empty config file (so a
    developer's ~/.odoorc cannot change the run) and the data dir (filestore,
    sessions). It listens on a free loopback port and runs no cron.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config_file = workdir / "odoo.conf"
    config_file.write_text("[options]\n", encoding="utf-8")
    return [
        f"--config={config_file}",
        f"--data-dir={workdir / 'data'}",
        f"--database={database}",
        f"--addons-path={addons_path}",
        *action,
        "--stop-after-init",
        f"--http-port={free_port()}",
        "--http-interface=127.0.0.1",
        "--max-cron-threads=0",
        *pg.odoo_flags(),
    ]


def install_module(
    odoo_bin: Path,
    pg: PgSettings,
    *,
    addons_path: Path,
    module: str,
    database: str,
    workdir: Path,
    demo: bool,
    test_enable: bool,
    timeout: float = DEFAULT_TIMEOUT,
) -> OdooRun:
    """Create ``database`` with ``module`` installed, optionally running its tests.

    The log is ``odoo-<database>.log`` in ``workdir`` (see :func:`_one_shot_args`).
    """
    action = [
        f"--init={module}",
        # Empty value = load demo data (explicit, so no config can turn it off).
        "--without-demo=all" if not demo else "--without-demo=",
    ]
    args = _one_shot_args(pg, workdir=workdir, database=database, addons_path=addons_path, action=action)
    if test_enable:
        args += ["--test-enable", f"--test-tags=/{module}", "--log-level=test"]
    return run_odoo(odoo_bin, args, workdir / f"odoo-{database}.log", timeout=timeout, secret=pg.password)


def update_module(
    odoo_bin: Path,
    pg: PgSettings,
    *,
    addons_path: Path,
    module: str,
    database: str,
    workdir: Path,
    timeout: float = DEFAULT_TIMEOUT,
) -> OdooRun:
    """Update ``module`` in the existing ``database`` (``-u``), running its migrations.

    Like :func:`install_module`; the log is ``odoo-<database>-update.log``.
    """
    args = _one_shot_args(
        pg, workdir=workdir, database=database, addons_path=addons_path, action=[f"--update={module}"]
    )
    return run_odoo(
        odoo_bin, args, workdir / f"odoo-{database}-update.log", timeout=timeout, secret=pg.password
    )


def export_translation_template(
    odoo_bin: Path,
    pg: PgSettings,
    *,
    addons_path: Path,
    module: str,
    database: str,
    workdir: Path,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[OdooRun, Path]:
    """Export the ``.pot`` of ``module`` from an installed ``database``.

    Returns the run and the path of the exported template, to be compared
    with the committed one.
    """
    template = workdir / f"{module}.pot"
    action = [f"--i18n-export={template}", f"--modules={module}"]
    args = _one_shot_args(pg, workdir=workdir, database=database, addons_path=addons_path, action=action)
    run = run_odoo(odoo_bin, args, workdir / f"odoo-{database}-i18n.log", timeout=timeout, secret=pg.password)
    return run, template


def template_msgids(path: Path) -> set[str]:
    """The msgids of a ``.po``/``.pot`` file (the header entry excluded)."""
    import polib

    return {entry.msgid for entry in polib.pofile(str(path)) if entry.msgid}


@dataclass(frozen=True)
class LogRecord:
    """One Odoo log record with its continuation lines (e.g. a traceback)."""

    level: str
    logger: str
    message: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class LogAnalysis:
    """What a log says about the run."""

    problems: list[LogRecord] = field(default_factory=list)  # ERROR/CRITICAL records
    failing_tests: list[str] = field(default_factory=list)  # "module: FAIL: Class.test"
    skipped_tests: list[str] = field(default_factory=list)  # "module: Class.test: reason"
    result_lines: list[str] = field(default_factory=list)  # odoo.tests.result lines
    stats_lines: list[str] = field(default_factory=list)  # odoo.tests.stats lines
    tests_run: int | None = None  # from the final result line, None if absent
    tests_failed: int = 0
    tests_errored: int = 0


def _records(text: str) -> list[LogRecord]:
    records: list[LogRecord] = []
    current: list[str] = []
    head: re.Match[str] | None = None
    for line in text.splitlines():
        match = _RECORD_RE.match(line)
        if match:
            if head is not None:
                records.append(LogRecord(head["level"], head["logger"], head["msg"], tuple(current)))
            head, current = match, [line]
        elif head is not None:
            current.append(line)
    if head is not None:
        records.append(LogRecord(head["level"], head["logger"], head["msg"], tuple(current)))
    return records


def log_records(text: str) -> list[LogRecord]:
    """The records of an Odoo log, each with its continuation lines."""
    return _records(text)


def analyse_log(text: str) -> LogAnalysis:
    """Extract failures and test counts from an Odoo 18 log."""
    analysis = LogAnalysis()
    for record in _records(text):
        if record.level in _FAILURE_LEVELS:
            analysis.problems.append(record)
            failure = _TEST_FAILURE_RE.match(record.message)
            if failure:
                module = record.logger.removeprefix("odoo.addons.")
                analysis.failing_tests.append(f"{module}: {failure['kind']}: {failure['test']}")
        elif record.logger.startswith("odoo.addons.") and (skip := _TEST_SKIP_RE.match(record.message)):
            module = record.logger.removeprefix("odoo.addons.")
            analysis.skipped_tests.append(f"{module}: {skip['test']}: {skip['reason'].strip()}")
        if record.logger == "odoo.tests.result" and (result := _RESULT_RE.search(record.message)):
            analysis.result_lines.append(record.lines[0])
            # With several databases there is one line each; we only ever use one.
            analysis.tests_run = int(result["run"])
            analysis.tests_failed = int(result["failed"])
            analysis.tests_errored = int(result["errors"])
        elif record.logger == "odoo.tests.stats":
            analysis.stats_lines.append(record.lines[0])
    return analysis


def failure_report(
    run: OdooRun,
    analysis: LogAnalysis,
    headline: Sequence[str],
    tail: int = 60,
    max_record_lines: int = 40,
) -> str:
    """Human-readable explanation of a failed run, for an assertion message.

    Lists every failing Odoo test by name, every ERROR/CRITICAL record (with
    its traceback, capped), the test result/stats lines, the tail of the log
    and where the full log is.
    """
    out: list[str] = [*headline, ""]
    out.append(f"command: {' '.join(run.command)}")
    out.append(
        f"exit code: {'killed after timeout' if run.timed_out else run.returncode} after {run.duration:.0f} s"
    )
    out.append(f"full log: {run.log_path}")
    if analysis.failing_tests:
        out += ["", f"failing Odoo tests ({len(analysis.failing_tests)}):"]
        out += [f"  - {name}" for name in analysis.failing_tests]
    if analysis.skipped_tests:
        out += ["", f"skipped Odoo tests ({len(analysis.skipped_tests)}):"]
        out += [f"  - {name}" for name in analysis.skipped_tests]
    if analysis.result_lines or analysis.stats_lines:
        out += ["", "Odoo test result lines:"]
        out += [f"  {line}" for line in analysis.result_lines + analysis.stats_lines]
    if analysis.problems:
        out += ["", f"ERROR/CRITICAL log records ({len(analysis.problems)}):"]
        for record in analysis.problems:
            lines = list(record.lines)
            if len(lines) > max_record_lines:
                # Keep the head (who logged it) and the end of the traceback,
                # which is where the actual error message is.
                head, end = 5, max_record_lines - 5
                lines = [
                    *lines[:head],
                    f"    ... ({len(lines) - head - end} lines omitted, see the full log)",
                    *lines[-end:],
                ]
            out += [f"  {line}" for line in lines]
    log_lines = run.log_text().splitlines()
    out += ["", f"last {min(tail, len(log_lines))} log lines:"]
    out += [f"  {line}" for line in log_lines[-tail:]]
    return "\n".join(out)


def skips_fail_the_run(environ: Mapping[str, str] | None = None) -> bool:
    """Whether an Odoo test that skipped fails the run: in CI, or with COMPLAINTS_REQUIRE_ALL_ODOO_TESTS=1.

    Odoo skips a tour quietly when it finds no Chromium (or cannot start it);
    in CI, where scripts/ensure-browser installs it, that must not pass.
    """
    env = os.environ if environ is None else environ
    required = env.get("COMPLAINTS_REQUIRE_ALL_ODOO_TESTS", "")
    if required not in ("", "0"):
        return True
    return required == "" and env.get("CI", "") == "true"


def drop_database(pg: PgSettings, name: str, timeout: float = 120) -> None:
    """Drop ``name`` if it exists (forcing out leftover connections).

    Uses ``dropdb`` from the PostgreSQL client, falling back to ``psql``.
    Raises RuntimeError with the tool's output if the database could not be
    dropped, so a leak is reported instead of piling up silently.
    """
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(f"refusing to drop database with unexpected name {name!r}")
    env = {**os.environ, "PGPASSWORD": pg.password, "PGCONNECT_TIMEOUT": "10"}
    conn = ["-h", pg.host, "-p", str(pg.port), "-U", pg.user]
    if shutil.which("dropdb"):
        command = ["dropdb", *conn, "--if-exists", "--force", name]
    elif shutil.which("psql"):
        command = [
            "psql",
            "-X",
            "-q",
            *conn,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        ]
    else:
        raise RuntimeError(f"neither dropdb nor psql is on PATH; drop database {name!r} by hand")
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"could not drop database {name!r}: {' '.join(command)} -> {result.returncode}\n{result.stdout}{result.stderr}"
        )
