"""JSON-lines logging for the agent.

The agent runs unattended (systemd, containers), where logs are shipped to a
collector; one JSON object per line keeps them machine-readable without a
third-party dependency. Logs go to stderr so stdout stays free for command
output such as ``check-config``.

Secrets are kept out of log calls by construction (they live in
:class:`pydantic.SecretStr` and are never passed as ``extra``). As a second
line of defence, :func:`register_secret` makes the formatter blank out a
known secret wherever it would appear, including inside third-party debug
output (odoorpc logs its JSON-RPC arguments, password included, at DEBUG).

:func:`redact` applies the same rule, plus credentials that look like one
(``Authorization: ...``, ``Bearer ...``, ``X-API-Key=...``), to every text the
agent writes anywhere else: the error it reports to Odoo (an event's
``last_error`` and the note on the record), the local journal and the logs. A
partner that echoes our request headers or the token in its error body must
not put them into Odoo, where many people read them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone
from typing import IO, Any, Final

__all__ = ["REDACTED", "JsonFormatter", "configure_logging", "redact", "register_secret"]

# Attributes every LogRecord has; anything else was passed via ``extra=`` and
# is emitted as a field of its own.
_STANDARD_ATTRS: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", "taskName"}
)

#: What a registered secret is replaced with in log output.
REDACTED: Final = "***"

_secrets: set[str] = set()

#: Header or parameter names whose value is a credential, whatever its value.
_CREDENTIAL_NAMES: Final = (
    r"(?:proxy-)?authorization|x-api-key|api[-_ ]?key|x-auth-token|auth[-_]?token|access[-_]?token"
    r"|(?:set-)?cookie|password|passwd|secret|client[-_]secret"
)
#: ``Authorization: Bearer abc``, ``"x-api-key": "abc"``, ``api_key=abc``: the name stays, the value goes.
_NAMED_CREDENTIAL: Final = re.compile(
    rf"(?i)(\b(?:{_CREDENTIAL_NAMES})\b\\?[\"']?\s*[:=]\s*\\?[\"']?)"
    r"(?:(?:bearer|basic|token|digest)\s+)?[^\s\"',;&}}\\]+"
)
#: A credential after its scheme, wherever it stands: ``Bearer eyJhbGci...``.
_SCHEME_CREDENTIAL: Final = re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=-]{6,}")


def redact(text: str) -> str:
    """``text`` without any secret the agent holds (registered with
    :func:`register_secret`) and without anything that looks like a credential
    (the value of an ``Authorization``-like header or parameter, a ``Bearer``
    token). Applied to everything the agent writes outside its own process."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _NAMED_CREDENTIAL.sub(lambda match: match.group(1) + REDACTED, text)
    return _SCHEME_CREDENTIAL.sub(lambda match: f"{match.group(1)} {REDACTED}", text)


def register_secret(value: str) -> None:
    """Never let ``value`` appear in a log line formatted by :class:`JsonFormatter`.

    Values shorter than 4 characters are ignored: blanking them would mangle
    ordinary text and they are no real secret anyway.
    """
    if len(value) >= 4:
        _secrets.add(value)
        _secrets.add(json.dumps(value, ensure_ascii=False)[1:-1])  # as it appears inside JSON


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: ts, level, logger, msg + extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


def configure_logging(level: str | int = "INFO", stream: IO[str] | None = None) -> None:
    """Send all logging to ``stream`` (stderr by default) as JSON lines.

    Replaces the root handlers so that calling it twice (tests, re-entrant
    ``main()``) does not duplicate every line.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
