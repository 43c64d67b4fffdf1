"""The Simplified Chinese translation must be complete and safe to load.

Odoo silently falls back to English for a missing or empty msgstr, and a
translation that drops a placeholder crashes at run time when the message is
formatted, so both are checked here against the exported template.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parents[2] / "odoo_addon_complaints" / "i18n"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}")
TAG = re.compile(r"<\s*(/?[\w:-]+)")


@pytest.fixture(scope="module")
def template() -> polib.POFile:
    return polib.pofile(str(I18N / "odoo_addon_complaints.pot"))


@pytest.fixture(scope="module")
def chinese() -> polib.POFile:
    return polib.pofile(str(I18N / "zh_CN.po"))


def test_template_is_not_empty(template: polib.POFile) -> None:
    assert len(template) > 100


def test_every_term_is_translated(template: polib.POFile, chinese: polib.POFile) -> None:
    translated = {entry.msgid for entry in chinese if entry.msgstr and not entry.fuzzy}
    missing = [entry.msgid for entry in template if entry.msgid not in translated]
    assert not missing, f"{len(missing)} terms lack a zh_CN translation, e.g. {missing[:5]}"


def test_no_stale_translations(template: polib.POFile, chinese: polib.POFile) -> None:
    current = {entry.msgid for entry in template}
    stale = [entry.msgid for entry in chinese if entry.msgid not in current and not entry.obsolete]
    assert not stale, f"zh_CN.po has terms the module no longer has: {stale[:5]}"


def test_placeholders_and_tags_survive_translation(chinese: polib.POFile) -> None:
    broken = []
    for entry in chinese:
        if Counter(PLACEHOLDER.findall(entry.msgid)) != Counter(PLACEHOLDER.findall(entry.msgstr)):
            broken.append(("placeholders", entry.msgid[:80]))
        if Counter(TAG.findall(entry.msgid)) != Counter(TAG.findall(entry.msgstr)):
            broken.append(("tags", entry.msgid[:80]))
    assert not broken, broken


def test_chinese_header(chinese: polib.POFile) -> None:
    assert chinese.metadata["Language"] == "zh_CN"
    assert "charset=UTF-8" in chinese.metadata["Content-Type"]
