"""The README's settings table against the configuration's own (sync_agent.config.loader.SETTINGS).

The README is what an operator reads when installing from the wheel; a setting
that exists only in the code, or a default that changed in one place, is a
setting nobody can find. ``python -m sync_agent.config.loader`` prints the table.
"""

from __future__ import annotations

import re
from pathlib import Path

from sync_agent.config.loader import _ENV, SETTINGS, Setting, settings_markdown
from sync_agent import AgentSettings, OdooSettings, PortalSettings

from agent_helpers import REPO

README = REPO / "README.md"
HEADER = "| Environment variable | TOML key | Default | Meaning |"


def _cell(text: str) -> str | None:
    """A code cell's text; None for the "—" of a setting that has no such form."""
    text = text.strip()
    if text == "—":
        return None
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == "`" else text


def readme_table(path: Path = README) -> list[Setting]:
    """The rows of the README table that starts with :data:`HEADER`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines.count(HEADER) == 1, f"{path.name} must hold exactly one settings table ({HEADER})"
    start = lines.index(HEADER) + 2  # header, then the |---| line
    rows: list[Setting] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = line.strip().strip("|").split(" | ")
        assert len(cells) == 4, f"settings table row has {len(cells)} cells, not 4: {line}"
        env, toml, default, meaning = cells
        rows.append(Setting(_cell(env), _cell(toml), _cell(default) or "", meaning.strip()))
    return rows


def test_the_readme_documents_every_setting_as_the_configuration_does() -> None:
    documented = {(row.env, row.toml): row for row in readme_table()}
    expected = {(row.env, row.toml): row for row in SETTINGS}
    hint = "; update the table in README.md from `python -m sync_agent.config.loader`"
    missing = [expected[key] for key in expected.keys() - documented.keys()]
    assert not missing, f"settings missing from README.md: {missing}{hint}"
    unknown = [documented[key] for key in documented.keys() - expected.keys()]
    assert not unknown, f"README.md documents settings the agent does not have: {unknown}{hint}"
    changed = [(documented[key], row) for key, row in expected.items() if documented[key] != row]
    assert not changed, f"README.md says otherwise than the configuration (README, code): {changed}{hint}"
    assert readme_table() == list(SETTINGS), f"README.md lists the settings in another order{hint}"


def test_the_table_covers_every_field_and_every_environment_variable() -> None:
    keys = {s.toml for s in SETTINGS}
    for table, model in (("odoo", OdooSettings), ("portal", PortalSettings), ("agent", AgentSettings)):
        for name, field in model.model_fields.items():
            assert field.description, f"{table}.{name} has no description to document"
            assert f"{table}.{name}" in keys or (table, name) == ("portal", "token")
    envs = {s.env for s in SETTINGS if s.env}
    assert set(_ENV.values()) <= envs
    assert len(envs) == len([s for s in SETTINGS if s.env]), "an environment variable is listed twice"


def test_markdown_rendering_round_trips(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n" + settings_markdown() + "\nafter\n", encoding="utf-8")
    assert readme_table(readme) == list(SETTINGS)
    assert not any("|" in s.meaning or "\n" in s.meaning for s in SETTINGS)  # one Markdown cell each
    assert re.fullmatch(r"[A-Z_]+", "".join(s.env or "" for s in SETTINGS))
