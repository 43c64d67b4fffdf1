"""Command line of the sync agent (``complaints-sync``).

Subcommands:

* ``check-config [--config FILE]`` - load and validate the configuration and
  print it with secrets hidden; exit 2 if it is invalid. Meant to be run by
  operators and deployment checks before the agent is started.

Exit codes: 0 success, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any, Final

from . import __version__
from .config import ENV_CONFIG_FILE, ConfigError, load_config
from .logging_setup import configure_logging

__all__ = ["EXIT_CONFIG_ERROR", "EXIT_OK", "build_parser", "main"]

EXIT_OK: Final = 0
EXIT_CONFIG_ERROR: Final = 2  # same code argparse uses for usage errors

_log = logging.getLogger("sync_agent.cli")


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
    check = sub.add_parser(
        "check-config",
        help="validate the configuration and print it without secrets",
        description="Validate the configuration (environment variables and optional TOML file) "
        "and print it with secrets hidden.",
    )
    check.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help=f"TOML config file (default: ${ENV_CONFIG_FILE} if set); environment variables override it",
    )
    return parser


def _print_flat(data: dict[str, Any], prefix: str = "") -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            _print_flat(value, f"{prefix}{key}.")
        else:
            print(f"{prefix}{key} = {value}")


def _check_config(args: argparse.Namespace) -> int:
    try:
        config = load_config(config_file=args.config)
    except ConfigError as exc:
        print(f"complaints-sync: {exc}", file=sys.stderr)
        _log.error("configuration invalid", extra={"problems": exc.problems})
        return EXIT_CONFIG_ERROR
    print("configuration OK")
    _print_flat(config.redacted())
    _log.info("configuration valid")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``complaints-sync`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    if args.command == "check-config":
        return _check_config(args)
    parser.error(f"unknown command {args.command!r}")  # unreachable: argparse validates choices
    return EXIT_CONFIG_ERROR  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
