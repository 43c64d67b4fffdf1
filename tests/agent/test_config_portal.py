"""Portal and agent settings: sources, secrets, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_agent import ConfigError, load_config

from agent_helpers import PORTAL_TOKEN, SECRET

ODOO_ENV = {
    "COMPLAINTS_ODOO_URL": "https://odoo.example.com",
    "COMPLAINTS_ODOO_DB": "prod",
    "COMPLAINTS_ODOO_USER": "sync-bot",
    "COMPLAINTS_ODOO_API_KEY": SECRET,
}


def test_portal_is_optional_and_agent_has_defaults() -> None:
    config = load_config(environ=ODOO_ENV)
    assert config.portal is None
    assert config.agent.batch_size == 20 and config.agent.lease_seconds == 600
    assert config.agent.state_file.name == "state.sqlite3"
    assert config.odoo.timeout == 30


def test_portal_from_environment_with_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(PORTAL_TOKEN + "\n")
    config = load_config(
        environ={
            **ODOO_ENV,
            "COMPLAINTS_PORTAL_URL": "https://portal.example.com",
            "COMPLAINTS_PORTAL_TOKEN_FILE": str(token_file),
            "COMPLAINTS_SYNC_BATCH_SIZE": "50",
            "COMPLAINTS_SYNC_STATE_FILE": str(tmp_path / "s.db"),
        }
    )
    assert config.portal is not None
    assert config.portal.token.get_secret_value() == PORTAL_TOKEN
    assert config.portal.auth == "bearer" and config.portal.connect_timeout == 5
    assert config.agent.batch_size == 50 and config.agent.state_file == tmp_path / "s.db"
    redacted = config.redacted()
    assert redacted["portal"]["token"] == "<set, hidden>"
    assert PORTAL_TOKEN not in str(redacted) + repr(config) + config.model_dump_json()


def test_portal_table_with_token_env(tmp_path: Path) -> None:
    config_file = tmp_path / "agent.toml"
    config_file.write_text(
        '[portal]\nbase_url = "https://portal.example.com"\nauth = "api_key"\napi_key_header = "X-Key"\n'
        'token_env = "MY_PORTAL_TOKEN"\nread_timeout = 10\n[agent]\nlease_seconds = 300\nbatch_size = 5\n'
    )
    config = load_config(environ={**ODOO_ENV, "MY_PORTAL_TOKEN": PORTAL_TOKEN}, config_file=config_file)
    assert config.portal is not None and config.portal.auth == "api_key"
    assert config.portal.token.get_secret_value() == PORTAL_TOKEN
    assert config.portal.read_timeout == 10 and config.agent.lease_seconds == 300


def test_token_written_in_the_file_is_refused(tmp_path: Path) -> None:
    config_file = tmp_path / "agent.toml"
    config_file.write_text(f'[portal]\nbase_url = "https://p.example.com"\ntoken = "{PORTAL_TOKEN}"\n')
    with pytest.raises(ConfigError) as info:
        load_config(environ=ODOO_ENV, config_file=config_file)
    assert "use token_file or token_env" in str(info.value)
    assert PORTAL_TOKEN not in str(info.value)


def test_missing_token_names_where_to_set_it() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ={**ODOO_ENV, "COMPLAINTS_PORTAL_URL": "https://portal.example.com"})
    assert info.value.problems == [
        "portal.token is missing: set COMPLAINTS_PORTAL_TOKEN or COMPLAINTS_PORTAL_TOKEN_FILE, "
        "or token_file / "
        "token_env in the [portal] table of the config file"
    ]


def test_unset_token_env_and_both_token_sources_are_errors(tmp_path: Path) -> None:
    config_file = tmp_path / "agent.toml"
    config_file.write_text('[portal]\nbase_url = "https://p.example.com"\ntoken_env = "NOT_SET_ANYWHERE"\n')
    with pytest.raises(ConfigError, match="names 'NOT_SET_ANYWHERE', which is not set"):
        load_config(environ=ODOO_ENV, config_file=config_file)
    token_file = tmp_path / "t"
    token_file.write_text("x" * 10)
    with pytest.raises(ConfigError, match="both COMPLAINTS_PORTAL_TOKEN and COMPLAINTS_PORTAL_TOKEN_FILE"):
        load_config(
            environ={
                **ODOO_ENV,
                "COMPLAINTS_PORTAL_TOKEN": "a" * 10,
                "COMPLAINTS_PORTAL_TOKEN_FILE": str(token_file),
            }
        )


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("connect_timeout", "0", "portal.connect_timeout is invalid: Input should be greater than 0"),
        ("read_timeout", "301", "portal.read_timeout is invalid: Input should be less than or equal to 300"),
        ("auth", '"basic"', "portal.auth is invalid: Input should be 'bearer' or 'api_key'"),
        ("base_url", '"ftp://x"', "portal.base_url is invalid: URL scheme should be 'http' or 'https'"),
        ("verify_tls", "false", "portal.verify_tls is not a known setting"),
    ],
)
def test_portal_limits(tmp_path: Path, setting: str, value: str, message: str) -> None:
    config_file = tmp_path / "agent.toml"
    lines = {"base_url": '"https://p.example.com"', setting: value}
    config_file.write_text("[portal]\n" + "".join(f"{k} = {v}\n" for k, v in lines.items()))
    with pytest.raises(ConfigError) as info:
        load_config(environ={**ODOO_ENV, "COMPLAINTS_PORTAL_TOKEN": PORTAL_TOKEN}, config_file=config_file)
    assert info.value.problems == [message]


def test_lease_must_outlast_one_delivery() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(
            environ={
                **ODOO_ENV,
                "COMPLAINTS_PORTAL_URL": "https://portal.example.com",
                "COMPLAINTS_PORTAL_TOKEN": PORTAL_TOKEN,
                "COMPLAINTS_SYNC_LEASE_SECONDS": "60",
            }
        )
    assert info.value.problems == [
        "agent.lease_seconds (60) must exceed the worst-case time of one delivery (165 s = max_attempts x "
        "(connect_timeout + read_timeout) + waits); raise it or lower the portal timeouts"
    ]
