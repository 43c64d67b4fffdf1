"""Behaviour of sync_agent.config.loader: sources, precedence, errors, secrecy."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sync_agent import ConfigError, load_config

#: Same marker as in conftest.py: if it shows up in any output, a secret leaked.
SECRET = "s3cr3t-KEY-must-never-be-printed"

BASE_ENV = {
    "COMPLAINTS_ODOO_URL": "https://odoo.example.com",
    "COMPLAINTS_ODOO_DB": "prod",
    "COMPLAINTS_ODOO_USER": "sync-bot",
}


def test_loads_everything_from_environment() -> None:
    config = load_config(environ={**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET})
    assert str(config.odoo.url).startswith("https://odoo.example.com")
    assert config.odoo.db == "prod"
    assert config.odoo.user == "sync-bot"
    assert config.odoo.api_key.get_secret_value() == SECRET


def test_reads_process_environment_by_default(full_env: dict[str, str]) -> None:
    config = load_config()
    assert config.odoo.db == full_env["COMPLAINTS_ODOO_DB"]


def test_api_key_from_file_is_stripped(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET + "\n", encoding="utf-8")
    config = load_config(environ={**BASE_ENV, "COMPLAINTS_ODOO_API_KEY_FILE": str(key_file)})
    assert config.odoo.api_key.get_secret_value() == SECRET


def test_missing_key_file_names_variable_and_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError) as info:
        load_config(environ={**BASE_ENV, "COMPLAINTS_ODOO_API_KEY_FILE": str(missing)})
    message = str(info.value)
    assert "COMPLAINTS_ODOO_API_KEY_FILE" in message
    assert str(missing) in message


def test_empty_key_file_is_rejected(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="empty"):
        load_config(environ={**BASE_ENV, "COMPLAINTS_ODOO_API_KEY_FILE": str(key_file)})


def test_key_and_key_file_together_are_rejected(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("other", encoding="utf-8")
    env = {**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET, "COMPLAINTS_ODOO_API_KEY_FILE": str(key_file)}
    with pytest.raises(ConfigError) as info:
        load_config(environ=env)
    assert "both COMPLAINTS_ODOO_API_KEY and COMPLAINTS_ODOO_API_KEY_FILE" in str(info.value)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("dropped", "field", "variable"),
    [
        ("COMPLAINTS_ODOO_URL", "odoo.url", "COMPLAINTS_ODOO_URL"),
        ("COMPLAINTS_ODOO_DB", "odoo.db", "COMPLAINTS_ODOO_DB"),
        ("COMPLAINTS_ODOO_USER", "odoo.user", "COMPLAINTS_ODOO_USER"),
        ("COMPLAINTS_ODOO_API_KEY", "odoo.api_key", "COMPLAINTS_ODOO_API_KEY"),
    ],
)
def test_missing_field_error_names_field_and_variable(dropped: str, field: str, variable: str) -> None:
    env = {**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET}
    del env[dropped]
    with pytest.raises(ConfigError) as info:
        load_config(environ=env)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.startswith(f"{field} is missing")
    assert variable in problem
    assert SECRET not in str(info.value)


def test_all_missing_fields_are_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ={})
    fields = sorted(p.split(" ")[0] for p in info.value.problems)
    assert fields == ["odoo.api_key", "odoo.db", "odoo.url", "odoo.user"]


def test_invalid_url_is_named_without_leaking_key() -> None:
    env = {**BASE_ENV, "COMPLAINTS_ODOO_URL": "not a url", "COMPLAINTS_ODOO_API_KEY": SECRET}
    with pytest.raises(ConfigError) as info:
        load_config(environ=env)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith("odoo.url is invalid")
    assert SECRET not in str(info.value)


def test_blank_values_are_rejected() -> None:
    env = {**BASE_ENV, "COMPLAINTS_ODOO_DB": "   ", "COMPLAINTS_ODOO_API_KEY": "  "}
    with pytest.raises(ConfigError) as info:
        load_config(environ=env)
    fields = sorted(p.split(" ")[0] for p in info.value.problems)
    assert fields == ["odoo.api_key", "odoo.db"]


def test_toml_file_with_env_override(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET, encoding="utf-8")
    config_file = tmp_path / "agent.toml"
    config_file.write_text(
        "[odoo]\n"
        'url = "http://file-host:8069"\n'
        'db = "from_file"\n'
        'user = "file-user"\n'
        f'api_key_file = "{key_file}"\n',
        encoding="utf-8",
    )
    config = load_config(environ={"COMPLAINTS_ODOO_DB": "from_env"}, config_file=config_file)
    assert config.odoo.db == "from_env"  # environment wins
    assert config.odoo.user == "file-user"
    assert str(config.odoo.url).startswith("http://file-host:8069")
    assert config.odoo.api_key.get_secret_value() == SECRET


def test_config_file_from_environment_variable(tmp_path: Path) -> None:
    config_file = tmp_path / "agent.toml"
    config_file.write_text(
        '[odoo]\nurl = "http://h"\ndb = "d"\nuser = "u"\napi_key = "k"\n', encoding="utf-8"
    )
    config = load_config(environ={"COMPLAINTS_SYNC_CONFIG": str(config_file)})
    assert config.odoo.db == "d"


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    config_file = tmp_path / "agent.toml"
    config_file.write_text('[odoo]\nurl = "http://h"\ndatabase = "typo"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, config_file=config_file)
    assert any(p.startswith("odoo.database is not a known setting") for p in info.value.problems)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(environ={}, config_file=tmp_path / "absent.toml")


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    config_file = tmp_path / "broken.toml"
    config_file.write_text("[odoo\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, config_file=config_file)
    assert str(config_file) in str(info.value)
    assert "not valid TOML" in str(info.value)


def test_secret_never_in_repr_or_redacted_view() -> None:
    config = load_config(environ={**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET})
    assert SECRET not in repr(config)
    assert SECRET not in str(config)
    assert SECRET not in str(config.redacted())
    assert SECRET not in config.model_dump_json()
    assert config.redacted()["odoo"]["api_key"] == "<set, hidden>"


def test_config_is_immutable() -> None:
    config = load_config(environ={**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET})
    with pytest.raises(ValidationError):  # frozen model
        config.odoo.db = "other"  # type: ignore[misc]


def test_submission_folder_from_file_environment_or_default(tmp_path: Path) -> None:
    env = {**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET}
    assert load_config(environ=env).agent.submission_dir == Path("submissions")
    config_file = tmp_path / "agent.toml"
    config_file.write_text(f'[agent]\nsubmission_dir = "{tmp_path / "from-file"}"\n', encoding="utf-8")
    assert load_config(environ=env, config_file=config_file).agent.submission_dir == tmp_path / "from-file"
    env["COMPLAINTS_SUBMISSION_DIR"] = str(tmp_path / "from-env")
    config = load_config(environ=env, config_file=config_file)
    assert config.agent.submission_dir == tmp_path / "from-env"  # environment wins
    assert config.redacted()["agent"]["submission_dir"] == str(tmp_path / "from-env")


def test_mappings_default_to_the_packaged_ones_and_a_directory_is_laid_over_them(tmp_path: Path) -> None:
    env = {**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET}
    agent = load_config(environ=env).agent
    assert agent.mappings_dir is None and agent.packaged_mappings is True
    env["COMPLAINTS_SYNC_MAPPINGS_DIR"] = ""  # empty: unset, not the working directory
    assert load_config(environ=env).agent.mappings_dir is None
    env["COMPLAINTS_SYNC_MAPPINGS_DIR"] = str(tmp_path)
    env["COMPLAINTS_SYNC_PACKAGED_MAPPINGS"] = "false"
    agent = load_config(environ=env).agent
    assert agent.mappings_dir == tmp_path and agent.packaged_mappings is False


def test_without_packaged_mappings_a_mappings_dir_is_required(tmp_path: Path) -> None:
    config_file = tmp_path / "agent.toml"
    config_file.write_text("[agent]\npackaged_mappings = false\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="packaged_mappings is false, so mappings_dir must name"):
        load_config(environ={**BASE_ENV, "COMPLAINTS_ODOO_API_KEY": SECRET}, config_file=config_file)
