"""Configuration of the sync agent.

Settings come from environment variables and, optionally, a TOML file.
Environment variables win over the file so that a deployment can keep a
shared file and override single values per host or container.

Recognised environment variables:

* ``COMPLAINTS_ODOO_URL``          - base URL of the Odoo server
* ``COMPLAINTS_ODOO_DB``           - Odoo database name
* ``COMPLAINTS_ODOO_USER``         - Odoo login the agent acts as
* ``COMPLAINTS_ODOO_API_KEY``      - that user's API key, or
* ``COMPLAINTS_ODOO_API_KEY_FILE`` - a file holding the key (container
  secrets); setting both is an error, to avoid silently using the wrong one
* ``COMPLAINTS_SYNC_CONFIG``       - path of the TOML file (``--config`` wins)

TOML layout::

    [odoo]
    url = "http://localhost:8069"
    db = "complaints_demo"
    user = "sync-bot"
    api_key_file = "/run/secrets/odoo_api_key"   # or api_key = "..."

The API key is kept as a :class:`pydantic.SecretStr` and is never part of
``repr()``, error messages or :meth:`AgentConfig.redacted`, because the
output of ``check-config`` ends up in terminals, CI logs and tickets.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

__all__ = [
    "ENV_API_KEY",
    "ENV_API_KEY_FILE",
    "ENV_CONFIG_FILE",
    "ENV_DB",
    "ENV_URL",
    "ENV_USER",
    "AgentConfig",
    "ConfigError",
    "OdooSettings",
    "load_config",
]

ENV_URL: Final = "COMPLAINTS_ODOO_URL"
ENV_DB: Final = "COMPLAINTS_ODOO_DB"
ENV_USER: Final = "COMPLAINTS_ODOO_USER"
ENV_API_KEY: Final = "COMPLAINTS_ODOO_API_KEY"
ENV_API_KEY_FILE: Final = "COMPLAINTS_ODOO_API_KEY_FILE"
ENV_CONFIG_FILE: Final = "COMPLAINTS_SYNC_CONFIG"

# Field of the [odoo] table -> environment variable that sets it. Used both to
# read the environment and to tell the user where a missing value comes from.
_ODOO_ENV: Final[dict[str, str]] = {
    "url": ENV_URL,
    "db": ENV_DB,
    "user": ENV_USER,
    "api_key": ENV_API_KEY,
}


class ConfigError(Exception):
    """The configuration is missing, unreadable or invalid.

    ``problems`` holds one human-readable line per problem, each naming the
    offending field and where it can be set, so the CLI can list them all at
    once instead of making the user fix them one run at a time.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems: list[str] = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class OdooSettings(BaseModel):
    """How the agent reaches Odoo (JSON-RPC with a user's API key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: AnyHttpUrl
    db: str = Field(min_length=1)
    user: str = Field(min_length=1)
    api_key: SecretStr

    @field_validator("db", "user", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        """Trim whitespace so that ``"  "`` counts as empty, not as a name."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("api_key")
    @classmethod
    def _key_not_blank(cls, value: SecretStr) -> SecretStr:
        """Reject an empty key here rather than with a 401 at the first sync."""
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value


class AgentConfig(BaseModel):
    """Complete, validated agent configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    odoo: OdooSettings

    def redacted(self) -> dict[str, Any]:
        """Return the configuration as plain data that is safe to print.

        Secrets are replaced by a fixed marker (not by a partial key: even a
        few characters help an attacker and nobody needs them to debug).
        """
        return {
            "odoo": {
                "url": str(self.odoo.url),
                "db": self.odoo.db,
                "user": self.odoo.user,
                "api_key": "<set, hidden>",
            }
        }

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        config_file: str | os.PathLike[str] | None = None,
    ) -> AgentConfig:
        """Shortcut for :func:`load_config`."""
        return load_config(environ=environ, config_file=config_file)


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


def _read_key_file(path_text: str, origin: str) -> str:
    """Read an API key file; ``origin`` names where the path came from."""
    path = Path(path_text).expanduser()
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError([f"odoo.api_key: {origin} points to {path}, which does not exist"]) from None
    except OSError as exc:
        raise ConfigError(
            [f"odoo.api_key: {origin} points to {path}, which cannot be read: {exc.strerror}"]
        ) from None
    if not key:
        raise ConfigError([f"odoo.api_key: the key file {path} (from {origin}) is empty"])
    return key


def _odoo_values_from_file(data: dict[str, Any], path: Path) -> dict[str, Any]:
    unknown = sorted(set(data) - {"odoo"})
    if unknown:
        raise ConfigError([f"config file {path}: unknown table or key(s): {', '.join(unknown)}"])
    table = data.get("odoo", {})
    if not isinstance(table, dict):
        raise ConfigError([f"config file {path}: 'odoo' must be a table ([odoo])"])
    values = dict(table)
    if "api_key_file" in values:
        if "api_key" in values:
            raise ConfigError(
                [f"odoo.api_key: config file {path} sets both api_key and api_key_file; keep one"]
            )
        key_file = values.pop("api_key_file")
        if not isinstance(key_file, str):
            raise ConfigError([f"odoo.api_key_file in {path} must be a string path"])
        values["api_key"] = _read_key_file(key_file, f"api_key_file in {path}")
    return values


def _odoo_values_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, var in _ODOO_ENV.items():
        if var in environ:
            values[field] = environ[var]
    if ENV_API_KEY_FILE in environ:
        if ENV_API_KEY in environ:
            raise ConfigError([f"odoo.api_key: both {ENV_API_KEY} and {ENV_API_KEY_FILE} are set; unset one"])
        values["api_key"] = _read_key_file(environ[ENV_API_KEY_FILE], ENV_API_KEY_FILE)
    return values


def _where_to_set(field: str) -> str:
    if field == "api_key":
        return f"set {ENV_API_KEY} or {ENV_API_KEY_FILE}, or api_key / api_key_file in the [odoo] table of the config file"
    if field in _ODOO_ENV:
        return f"set {_ODOO_ENV[field]} or {field} in the [odoo] table of the config file"
    return "check the config file"


def _describe(error: ValidationError) -> list[str]:
    """Turn pydantic errors into lines naming the field and where to set it.

    The offending *input* is deliberately left out: it may be the API key.
    """
    problems: list[str] = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        name = ".".join(loc)
        field = loc[1] if len(loc) > 1 and loc[0] == "odoo" else loc[-1] if loc else ""
        if item["type"] == "missing":
            problems.append(f"{name} is missing: {_where_to_set(field)}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{name} is not a known setting")
        else:
            problems.append(f"{name} is invalid: {item['msg']}")
    return problems


def load_config(
    environ: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> AgentConfig:
    """Build and validate the configuration.

    ``environ`` defaults to :data:`os.environ` (tests pass a dict).
    ``config_file`` defaults to ``$COMPLAINTS_SYNC_CONFIG``; without either,
    only environment variables are used. Raises :class:`ConfigError`.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    if config_file is None and env.get(ENV_CONFIG_FILE):
        config_file = env[ENV_CONFIG_FILE]

    odoo_values: dict[str, Any] = {}
    if config_file is not None:
        path = Path(config_file).expanduser()
        odoo_values.update(_odoo_values_from_file(_read_toml(path), path))
    odoo_values.update(_odoo_values_from_env(env))

    try:
        return AgentConfig.model_validate({"odoo": odoo_values})
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
