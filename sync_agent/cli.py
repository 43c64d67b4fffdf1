"""Command line of the sync agent (``complaints-sync``).

Subcommands:

* ``check-config`` - load and validate the configuration and print it with
  secrets hidden; exit 2 if it is invalid.
* ``run`` - deliver outbox events and poll supplier answers until SIGTERM;
  events of regulator targets become files in the submission folder, and
  FDA acknowledgements dropped into ``agent.ack_inbox_dir`` (if set) are
  applied every ``agent.ack_poll_seconds``.
* ``once`` - one delivery cycle, one answer poll and one poll of the
  acknowledgement inbox; prints what happened (``acks`` is null when no
  inbox is set).
* ``status`` - Odoo's outbox counts, the agents Odoo has seen and when
  each last claimed (with Odoo's notice, also on stderr, when events are
  due but no agent claimed lately), and the local journal's summary.
* ``replay EVENT_UID`` - deliver one failed event again from the journal
  (same Idempotency-Key: the portal applies it at most once).
* ``render --out DIR`` - write the documents that would be sent, send
  nothing (events come from ``--input FILE`` or are claimed from Odoo and
  released again at once); regulator files are written under their own
  names, only when valid, and ``index.json`` lists every event's outcome.
* ``ack FILE|DIR...`` - read FDA eMDR acknowledgements (ACK2 receipts, ACK3
  verdicts) and apply each report's to Odoo; exit 1 if a file is no
  acknowledgement.

Every command takes ``--config FILE``. Exit codes: 0 success, 1 the command
ran but its work failed (e.g. replay rejected), 2 usage, configuration or
mapping error, 3 Odoo unreachable.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from ._version import __version__
from .answers.fda_ack import parse_ack
from .app import open_runtime
from .config.loader import ENV_CONFIG_FILE, load_config
from .config.settings import AgentConfig, OdooSettings
from .delivery.journal import StateStore
from .delivery.submission import SubmissionFolder
from .errors import (
    AckFormatError,
    ConfigError,
    DocumentInvalid,
    GatewayCallError,
    GatewayError,
    MappingError,
    MappingFileError,
    PortalNotConfigured,
)
from .logging_setup import configure_logging
from .mapping.registry import MappingRegistry
from .outbox.gateway import OdooGateway, OdooRpcGateway
from .outbox.models import OutboxEvent, SyncStatus

__all__ = ["EXIT_CONFIG_ERROR", "EXIT_FAILED", "EXIT_OK", "EXIT_UNAVAILABLE", "build_parser", "main"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_CONFIG_ERROR: Final = 2  # same code argparse uses for usage errors
EXIT_UNAVAILABLE: Final = 3

_log = logging.getLogger("sync_agent.cli")

#: Builds the Odoo gateway; tests replace it with a FakeOdooGateway factory.
make_gateway: Callable[[OdooSettings], OdooGateway] = OdooRpcGateway


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (separate so tests and docs can inspect it)."""
    parser = argparse.ArgumentParser(
        prog="complaints-sync",
        description="Sync agent for the Odoo quality-complaints addon.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        type=str.upper,
        help="level of the JSON log lines written to stderr (default: WARNING)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands = {
        "check-config": "validate the configuration and print it without secrets",
        "run": "deliver outbox events and poll supplier answers until stopped (SIGTERM)",
        "once": "run one delivery cycle and one answer poll, print what happened",
        "status": "show Odoo's outbox counts, the agents Odoo has seen and when, and the local journal",
        "replay": "deliver one failed event again from the local journal",
        "render": "write the documents that would be sent to DIR; send nothing",
        "ack": "apply FDA eMDR acknowledgement files (ACK2/ACK3) to the regulatory reports in Odoo",
    }
    for name, text in commands.items():
        command = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        command.add_argument(
            "--config",
            metavar="FILE",
            default=None,
            help=f"TOML config file (default: ${ENV_CONFIG_FILE} if set); environment variables override it",
        )
        if name == "replay":
            command.add_argument("event_uid", metavar="EVENT_UID")
        if name == "ack":
            command.add_argument(
                "paths",
                metavar="FILE",
                nargs="+",
                type=Path,
                help="acknowledgement files, or directories whose *.xml and *.txt files are read",
            )
        if name == "render":
            command.add_argument("--out", metavar="DIR", required=True, type=Path)
            command.add_argument(
                "--input",
                metavar="FILE",
                type=Path,
                default=None,
                help="events as JSON (one object or a list) or JSON lines; without it, "
                "a batch is claimed from Odoo and released again",
            )
            command.add_argument(
                "--mappings",
                metavar="DIR",
                type=Path,
                default=None,
                help="mappings directory laid over the packaged ones (default: agent.mappings_dir)",
            )
    return parser


def _print_flat(data: dict[str, Any], prefix: str = "") -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            _print_flat(value, f"{prefix}{key}.")
        else:
            print(f"{prefix}{key} = {value}")


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _load(args: argparse.Namespace) -> AgentConfig:
    return load_config(config_file=args.config)


def _check_config(args: argparse.Namespace) -> int:
    config = _load(args)
    print("configuration OK")
    _print_flat(config.redacted())
    _log.info("configuration valid")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    runtime = open_runtime(_load(args), gateway_factory=make_gateway)
    try:
        agent = runtime.config.agent
        jobs: list[tuple[float, Callable[[], Any]]] = []
        if runtime.poller is not None:
            jobs.append((agent.answers_interval, runtime.poller.poll))
        if runtime.ack_inbox is not None:
            jobs.append((agent.ack_poll_seconds, runtime.ack_inbox.poll))
        runtime.worker.run(extra_jobs=jobs)
    finally:
        runtime.close()
    return EXIT_OK


def _once(args: argparse.Namespace) -> int:
    runtime = open_runtime(_load(args), gateway_factory=make_gateway)
    try:
        delivery = runtime.worker.run_once()
        answers = runtime.poller.poll().model_dump() if runtime.poller else None
        acks = runtime.ack_inbox.poll().model_dump() if runtime.ack_inbox else None
    finally:
        runtime.close()
    _print_json({"delivery": delivery.model_dump(), "answers": answers, "acks": acks})
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    config = _load(args)
    state = StateStore(config.agent.state_file, synchronous=config.agent.state_sync)
    try:
        journal = state.summary()
    finally:
        state.close()
    code = EXIT_OK
    try:
        odoo: Any = SyncStatus.model_validate(make_gateway(config.odoo).sync_status()).model_dump(mode="json")
    except (GatewayError, ValidationError) as exc:
        odoo, code = {"error": str(exc)}, EXIT_UNAVAILABLE
    _print_json({"odoo": odoo, "journal": journal})
    if isinstance(odoo, dict) and odoo.get("agent_notice"):
        print(f"complaints-sync: Odoo says: {odoo['agent_notice']}", file=sys.stderr)
    return code


def _replay(args: argparse.Namespace) -> int:
    runtime = open_runtime(_load(args), gateway_factory=make_gateway)
    try:
        report = runtime.worker.replay(args.event_uid)
        record = runtime.state.get(args.event_uid)
    except LookupError as exc:
        print(f"complaints-sync: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        runtime.close()
    acked = record is not None and record.status == "acked"
    _print_json(
        {
            "report": report.model_dump(),
            "odoo_acked": acked,
            "journal": record.model_dump() if record else None,
        }
    )
    if record is not None and record.delivered and not acked:
        print(
            "complaints-sync: delivered, but Odoo keeps the event as it was (it takes acks of leased events "
            "only): Requeue it under Sync Events and the agent will mark it sent without posting it again",
            file=sys.stderr,
        )
    return EXIT_OK if record is not None and record.delivered else EXIT_FAILED


def _read_events(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return data if isinstance(data, list) else [data]


def _render(args: argparse.Namespace) -> int:
    config: AgentConfig | None = None
    if args.input is None or args.mappings is None:
        try:
            config = _load(args)
        except ConfigError:
            if args.input is None:
                raise
    # Like the agent: the packaged mappings with --mappings (or agent.mappings_dir) laid over them.
    registry = MappingRegistry.load(
        args.mappings or (config.agent.mappings_dir if config else None),
        packaged=config.agent.packaged_mappings if config else True,
    )
    gateway: OdooGateway | None = None
    if args.input is not None:
        raw_events = _read_events(args.input)
    else:
        assert config is not None
        gateway = make_gateway(config.odoo)
        targets = registry.targets
        raw_events = gateway.sync_claim(config.agent.agent_id, config.agent.batch_size, 60, targets)
    args.out.mkdir(parents=True, exist_ok=True)
    index: list[dict[str, Any]] = []
    try:
        for raw in raw_events:
            index.append(_render_one(registry, raw, args.out))
    finally:
        if gateway is not None and config is not None:
            uids = [r["event_uid"] for r in raw_events if isinstance(r, dict) and "event_uid" in r]
            gateway.sync_release(config.agent.agent_id, uids)
    (args.out / "index.json").write_text(
        json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    failed = sum(1 for entry in index if entry["status"] != "ok")
    print(f"rendered {len(index) - failed} document(s), {failed} failure(s), into {args.out}")
    return EXIT_OK if not failed else EXIT_FAILED


def _render_one(registry: MappingRegistry, raw: Any, out: Path) -> dict[str, Any]:
    uid = raw.get("event_uid") if isinstance(raw, dict) else None
    entry: dict[str, Any] = {"event_uid": uid}
    try:
        event = OutboxEvent.model_validate(raw)
        mapping = registry.for_event(event)
        if mapping.is_document:
            rendered = mapping.render_document(event)
            SubmissionFolder(out).write(rendered.file_name, rendered.content)
            entry.update(
                status="ok",
                file=rendered.file_name,
                mapping=mapping.name,
                media_type=rendered.media_type,
                sha256=rendered.sha256,
                event_type=event.event_type,
            )
            return entry
        document = mapping.render(event)
    except DocumentInvalid as exc:
        entry.update(status="failed", error=str(exc), problems=[p.as_dict() for p in exc.problems])
        return entry
    except (ValidationError, MappingError) as exc:
        entry.update(status="failed", error=str(exc))
        return entry
    name = f"{event.event_uid}.json"
    (out / name).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    entry.update(
        status="ok",
        file=name,
        mapping=mapping.name,
        method=mapping.method,
        path=mapping.path,
        event_type=event.event_type,
    )
    return entry


def _ack_files(paths: Sequence[Path]) -> list[Path]:
    """The files named, and the ``*.xml``/``*.txt`` files of the directories
    named: FDA's machine-readable acknowledgements (an ACK3's HTML twin
    holds the same data, for people)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in (".xml", ".txt")
                )
            )
        else:
            files.append(path)
    return files


def _ack(args: argparse.Namespace) -> int:
    gateway = make_gateway(_load(args).odoo)
    code, counts = EXIT_OK, {"matched": 0, "unmatched": 0}
    for path in _ack_files(args.paths):
        try:
            acks = parse_ack(path.read_bytes(), str(path))
        except OSError as exc:
            print(f"complaints-sync: {path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            code = EXIT_FAILED
            continue
        except AckFormatError as exc:
            print(f"complaints-sync: {exc}", file=sys.stderr)
            code = EXIT_FAILED
            continue
        for ack in acks:
            about = f"{path}: {ack.kind} {ack.report_number or '(no report number)'} {ack.status}"
            try:
                result = gateway.apply_acknowledgement(ack.model_dump(mode="json"))
            except GatewayCallError as exc:
                if not exc.is_refusal:
                    raise
                print(f"{about}: refused by Odoo: {exc}")
                code = EXIT_FAILED
                continue
            if result.get("matched"):
                counts["matched"] += 1
                print(f"{about}: matched {result.get('report')} ({result.get('state')})")
            else:
                counts["unmatched"] += 1
                print(f"{about}: unmatched")
    print(f"{counts['matched']} acknowledgement(s) matched, {counts['unmatched']} unmatched")
    return code


_COMMANDS: Final[dict[str, Callable[[argparse.Namespace], int]]] = {
    "check-config": _check_config,
    "run": _run,
    "once": _once,
    "status": _status,
    "replay": _replay,
    "render": _render,
    "ack": _ack,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``complaints-sync`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    try:
        return _COMMANDS[args.command](args)
    except MappingFileError as exc:
        print(f"complaints-sync: {exc}", file=sys.stderr)
        _log.error("mapping files invalid", extra={"problems": exc.problems})
        return EXIT_CONFIG_ERROR
    except PortalNotConfigured as exc:
        print(f"complaints-sync: {exc}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except ConfigError as exc:  # after its subclasses, which say more
        print(f"complaints-sync: {exc}", file=sys.stderr)
        _log.error("configuration invalid", extra={"problems": exc.problems})
        return EXIT_CONFIG_ERROR
    except GatewayError as exc:
        print(f"complaints-sync: {exc}", file=sys.stderr)
        _log.error("odoo call failed", extra={"error": str(exc)})
        return EXIT_UNAVAILABLE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
