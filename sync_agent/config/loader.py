"""Configuration of the sync agent: where settings come from, and their errors.

Settings come from environment variables and, optionally, a TOML file.
Environment variables win over the file so that a deployment can keep a
shared file and override single values per host or container. The models
themselves (fields, limits, defaults) live in :mod:`sync_agent.config.settings`.

Every setting, with its environment variable, TOML key, default and meaning,
is listed in :data:`SETTINGS`, built from the models' own fields and
descriptions; the README's settings table is checked against it by the tests
(print it with ``python -m sync_agent.config``).

TOML layout::

    [odoo]
    url = "http://localhost:8069"
    db = "complaints_demo"
    user = "sync-bot"
    api_key_file = "/run/secrets/odoo_api_key"   # or api_key = "..."

    [portal]                       # optional until the agent is run
    base_url = "https://portal.example.com"
    auth = "bearer"                # or "api_key" (+ api_key_header)
    token_file = "/run/secrets/portal_token"     # or token_env = "VAR_NAME"
    connect_timeout = 5
    read_timeout = 30

    [agent]
    batch_size = 20
    lease_seconds = 600
    state_file = "/var/lib/complaints-sync/state.sqlite3"
    mappings_dir = "/etc/complaints-sync/mappings"   # optional: over the packaged ones
    submission_dir = "/var/lib/complaints-sync/submissions"
    ack_inbox_dir = "/var/lib/complaints-sync/fda-acks"   # optional

Secrets are kept as :class:`pydantic.SecretStr` and are never part of
``repr()``, error messages or :meth:`AgentConfig.redacted`, because the
output of ``check-config`` ends up in terminals, CI logs and tickets. The
portal token may not be written in the TOML file at all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from ..errors import ConfigError
from .settings import AgentConfig, AgentSettings, OdooSettings, PortalSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

__all__ = [
    "ENV_ACK_INBOX_DIR",
    "ENV_ACK_POLL_SECONDS",
    "ENV_API_KEY",
    "ENV_API_KEY_FILE",
    "ENV_CONFIG_FILE",
    "ENV_DB",
    "ENV_PORTAL_TOKEN",
    "ENV_PORTAL_TOKEN_FILE",
    "ENV_PORTAL_URL",
    "ENV_SUBMISSION_DIR",
    "ENV_URL",
    "ENV_USER",
    "SETTINGS",
    "AgentConfig",
    "AgentSettings",
    "OdooSettings",
    "PortalSettings",
    "Setting",
    "load_config",
    "settings_markdown",
]

ENV_URL: Final = "COMPLAINTS_ODOO_URL"
ENV_DB: Final = "COMPLAINTS_ODOO_DB"
ENV_USER: Final = "COMPLAINTS_ODOO_USER"
ENV_API_KEY: Final = "COMPLAINTS_ODOO_API_KEY"
ENV_API_KEY_FILE: Final = "COMPLAINTS_ODOO_API_KEY_FILE"
ENV_CONFIG_FILE: Final = "COMPLAINTS_SYNC_CONFIG"
ENV_PORTAL_URL: Final = "COMPLAINTS_PORTAL_URL"
ENV_PORTAL_TOKEN: Final = "COMPLAINTS_PORTAL_TOKEN"
ENV_PORTAL_TOKEN_FILE: Final = "COMPLAINTS_PORTAL_TOKEN_FILE"
ENV_SUBMISSION_DIR: Final = "COMPLAINTS_SUBMISSION_DIR"
ENV_ACK_INBOX_DIR: Final = "COMPLAINTS_ACK_INBOX_DIR"
ENV_ACK_POLL_SECONDS: Final = "COMPLAINTS_ACK_POLL_SECONDS"
ENV_MAPPINGS_DIR: Final = "COMPLAINTS_SYNC_MAPPINGS_DIR"
ENV_PACKAGED_MAPPINGS: Final = "COMPLAINTS_SYNC_PACKAGED_MAPPINGS"

# (table, field) -> environment variable that sets it. Used both to read the
# environment and to tell the user where a missing value comes from.
_ENV: Final[dict[tuple[str, str], str]] = {
    ("odoo", "url"): ENV_URL,
    ("odoo", "db"): ENV_DB,
    ("odoo", "user"): ENV_USER,
    ("odoo", "api_key"): ENV_API_KEY,
    ("portal", "base_url"): ENV_PORTAL_URL,
    ("portal", "auth"): "COMPLAINTS_PORTAL_AUTH",
    ("portal", "token"): ENV_PORTAL_TOKEN,
    ("agent", "agent_id"): "COMPLAINTS_SYNC_AGENT_ID",
    ("agent", "state_file"): "COMPLAINTS_SYNC_STATE_FILE",
    ("agent", "mappings_dir"): ENV_MAPPINGS_DIR,
    ("agent", "packaged_mappings"): ENV_PACKAGED_MAPPINGS,
    ("agent", "batch_size"): "COMPLAINTS_SYNC_BATCH_SIZE",
    ("agent", "lease_seconds"): "COMPLAINTS_SYNC_LEASE_SECONDS",
    ("agent", "submission_dir"): ENV_SUBMISSION_DIR,
    ("agent", "ack_inbox_dir"): ENV_ACK_INBOX_DIR,
    ("agent", "ack_poll_seconds"): ENV_ACK_POLL_SECONDS,
}
_TABLES: Final = ("odoo", "portal", "agent")


@dataclass(frozen=True)
class Setting:
    """One setting as a person configuring the agent sees it (a README row).

    ``env`` or ``toml`` is None where the setting cannot be given that way;
    ``default`` is as the README shows it (``required`` for no default,
    ``unset`` for none).
    """

    env: str | None
    toml: str | None
    default: str
    meaning: str


#: Defaults computed at start-up, described rather than shown as computed here.
_DEFAULT_TEXT: Final[dict[tuple[str, str], str]] = {
    ("agent", "agent_id"): "<hostname>:<pid>",
    ("agent", "state_file"): "$XDG_STATE_HOME/complaints-sync/state.sqlite3",
}

#: Settings that are no model field: where a secret or the file itself comes
#: from. Each is shown after the field it stands for (None: first of all).
_SOURCES: Final[tuple[tuple[tuple[str, str] | None, Setting], ...]] = (
    (
        None,
        Setting(
            ENV_CONFIG_FILE,
            None,
            "unset",
            "Path of the TOML config file (`--config FILE` wins); environment variables override its values.",
        ),
    ),
    (
        ("odoo", "api_key"),
        Setting(
            ENV_API_KEY_FILE,
            "odoo.api_key_file",
            "unset",
            "A file holding the API key (container secrets); setting both the key and the file is an error.",
        ),
    ),
    (
        ("portal", "token"),
        Setting(
            ENV_PORTAL_TOKEN_FILE,
            "portal.token_file",
            "unset",
            "A file holding the portal's token; setting both the token and the file is an error.",
        ),
    ),
    (
        ("portal", "token"),
        Setting(
            None,
            "portal.token_env",
            "unset",
            "Name of the environment variable that holds the portal's token (config file only).",
        ),
    ),
)
#: Keys the config file may not hold (the portal token: use token_file or token_env).
_NOT_IN_FILE: Final = frozenset({("portal", "token")})


def _default_text(table: str, name: str, model: type[BaseModel]) -> str:
    if (table, name) in _DEFAULT_TEXT:
        return _DEFAULT_TEXT[table, name]
    field = model.model_fields[name]
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required for a portal" if table == "portal" else "required"  # [portal] is optional
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"  # TOML's spelling
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _settings_table() -> tuple[Setting, ...]:
    """Every setting, in the order of the models' fields, with the config
    file and secret-file sources beside the fields they feed."""
    rows = [setting for after, setting in _SOURCES if after is None]
    models: tuple[tuple[str, type[BaseModel]], ...] = (
        ("odoo", OdooSettings),
        ("portal", PortalSettings),
        ("agent", AgentSettings),
    )
    for table, model in models:
        for name, field in model.model_fields.items():
            rows.append(
                Setting(
                    _ENV.get((table, name)),
                    None if (table, name) in _NOT_IN_FILE else f"{table}.{name}",
                    _default_text(table, name, model),
                    field.description or "",
                )
            )
            rows.extend(setting for after, setting in _SOURCES if after == (table, name))
    return tuple(rows)


#: Every setting of the agent: the single table the README documents.
SETTINGS: Final[tuple[Setting, ...]] = _settings_table()
_HEADER: Final = ("Environment variable", "TOML key", "Default", "Meaning")


def settings_markdown() -> str:
    """:data:`SETTINGS` as the Markdown table of the README."""

    def code(text: str | None) -> str:
        return f"`{text}`" if text else "—"

    lines = ["| " + " | ".join(_HEADER) + " |", "| " + " | ".join("---" for _ in _HEADER) + " |"]
    for row in SETTINGS:
        default = row.default if row.default.startswith(("required", "unset")) else code(row.default)
        lines.append(f"| {code(row.env)} | {code(row.toml)} | {default} | {row.meaning} |")
    return "\n".join(lines) + "\n"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([f"config file {path} does not exist"]) from None
    except OSError as exc:
        raise ConfigError([f"config file {path} cannot be read: {exc.strerror}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"config file {path} is not valid TOML: {exc}"]) from None


def _read_secret_file(path_text: str, origin: str, field: str) -> str:
    """Read a secret file; ``origin`` names where the path came from."""
    path = Path(path_text).expanduser()
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError([f"{field}: {origin} points to {path}, which does not exist"]) from None
    except OSError as exc:
        raise ConfigError(
            [f"{field}: {origin} points to {path}, which cannot be read: {exc.strerror}"]
        ) from None
    if not key:
        raise ConfigError([f"{field}: the key file {path} (from {origin}) is empty"])
    return key


def _odoo_from_file(table: dict[str, Any], path: Path) -> dict[str, Any]:
    values = dict(table)
    if "api_key_file" in values:
        if "api_key" in values:
            raise ConfigError(
                [f"odoo.api_key: config file {path} sets both api_key and api_key_file; keep one"]
            )
        key_file = values.pop("api_key_file")
        if not isinstance(key_file, str):
            raise ConfigError([f"odoo.api_key_file in {path} must be a string path"])
        values["api_key"] = _read_secret_file(key_file, f"api_key_file in {path}", "odoo.api_key")
    return values


def _portal_from_file(table: dict[str, Any], path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    values = dict(table)
    if "token" in values:
        raise ConfigError(
            [f"portal.token: config file {path} holds the token itself; use token_file or token_env"]
        )
    token_file, token_env = values.pop("token_file", None), values.pop("token_env", None)
    if token_file is not None and token_env is not None:
        raise ConfigError([f"portal.token: config file {path} sets both token_file and token_env; keep one"])
    if token_file is not None:
        if not isinstance(token_file, str):
            raise ConfigError([f"portal.token_file in {path} must be a string path"])
        values["token"] = _read_secret_file(token_file, f"token_file in {path}", "portal.token")
    elif token_env is not None:
        if not isinstance(token_env, str) or not env.get(token_env):
            raise ConfigError([f"portal.token: token_env in {path} names {token_env!r}, which is not set"])
        values["token"] = env[token_env]
    return values


def _values_from_file(data: dict[str, Any], path: Path, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    unknown = sorted(set(data) - set(_TABLES))
    if unknown:
        raise ConfigError([f"config file {path}: unknown table or key(s): {', '.join(unknown)}"])
    result: dict[str, dict[str, Any]] = {}
    for name in _TABLES:
        if name not in data:
            continue
        table = data[name]
        if not isinstance(table, dict):
            raise ConfigError([f"config file {path}: '{name}' must be a table ([{name}])"])
        if name == "odoo":
            result[name] = _odoo_from_file(table, path)
        elif name == "portal":
            result[name] = _portal_from_file(table, path, env)
        else:
            result[name] = dict(table)
    return result


def _values_from_env(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {name: {} for name in _TABLES}
    for (table, field), var in _ENV.items():
        if var in environ:
            values[table][field] = environ[var]
    for table, field, var, var_file in (
        ("odoo", "api_key", ENV_API_KEY, ENV_API_KEY_FILE),
        ("portal", "token", ENV_PORTAL_TOKEN, ENV_PORTAL_TOKEN_FILE),
    ):
        if var_file in environ:
            if var in environ:
                raise ConfigError([f"{table}.{field}: both {var} and {var_file} are set; unset one"])
            values[table][field] = _read_secret_file(environ[var_file], var_file, f"{table}.{field}")
    return values


def _where_to_set(table: str, field: str) -> str:
    if (table, field) == ("odoo", "api_key"):
        return (
            f"set {ENV_API_KEY} or {ENV_API_KEY_FILE}, or api_key / api_key_file in the [odoo] table "
            "of the config file"
        )
    if (table, field) == ("portal", "token"):
        return (
            f"set {ENV_PORTAL_TOKEN} or {ENV_PORTAL_TOKEN_FILE}, or token_file / token_env in the "
            "[portal] table of the config file"
        )
    if (table, field) in _ENV:
        return f"set {_ENV[table, field]} or {field} in the [{table}] table of the config file"
    return "check the config file"


def _describe(error: ValidationError) -> list[str]:
    """Turn pydantic errors into lines naming the field and where to set it.

    The offending *input* is deliberately left out: it may be a secret.
    """
    problems: list[str] = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        name = ".".join(loc)
        table = loc[0] if loc else ""
        field = loc[1] if len(loc) > 1 else ""
        if item["type"] == "missing":
            problems.append(f"{name} is missing: {_where_to_set(table, field)}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{name} is not a known setting")
        elif not loc:
            problems.append(str(item["msg"]).removeprefix("Value error, "))
        else:
            problems.append(f"{name} is invalid: {str(item['msg']).removeprefix('Value error, ')}")
    return problems


def load_config(
    environ: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> AgentConfig:
    """Build and validate the configuration.

    ``environ`` defaults to :data:`os.environ` (tests pass a dict).
    ``config_file`` defaults to ``$COMPLAINTS_SYNC_CONFIG``; without either,
    only environment variables are used. The ``[portal]`` table is optional:
    it is validated only when the file or the environment sets any of it.
    Raises :class:`ConfigError`.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    if config_file is None and env.get(ENV_CONFIG_FILE):
        config_file = env[ENV_CONFIG_FILE]

    values: dict[str, dict[str, Any]] = {name: {} for name in _TABLES}
    if config_file is not None:
        path = Path(config_file).expanduser()
        for table, part in _values_from_file(_read_toml(path), path, env).items():
            values[table].update(part)
    for table, part in _values_from_env(env).items():
        values[table].update(part)
    data: dict[str, Any] = {"odoo": values["odoo"], "agent": values["agent"]}
    if values["portal"]:
        data["portal"] = values["portal"]
    try:
        return AgentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
