"""Each transform of the closed registry, and how mapping files name them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from sync_agent.transforms import TRANSFORMS, TransformError, bind


def run(spec: Any, value: Any) -> Any:
    return bind(spec)(value)


def test_registry_is_closed_and_read_only() -> None:
    with pytest.raises(TypeError):
        TRANSFORMS["evil"] = TRANSFORMS["upper"]  # type: ignore[index]
    assert set(TRANSFORMS) == {
        "upper",
        "lower",
        "strip",
        "string",
        "integer",
        "number",
        "iso_date",
        "iso_datetime",
        "phone",
        "first",
        "default",
        "map_values",
        "join",
        "truncate",
        "prefix",
        "key_value",
        "key_value_list",
    }


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_passes_none_through_except_default(name: str) -> None:
    transform = TRANSFORMS[name]
    spec: Any = name
    if transform.arg == "required":
        spec = {name: {"a": "b"} if name == "map_values" else (3 if name == "truncate" else "x")}
    expected = "x" if name == "default" else None
    assert run(spec, None) == expected


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ("upper", "bpnl00000003ayre", "BPNL00000003AYRE"),
        ("lower", "ABC", "abc"),
        ("strip", "  a b \n", "a b"),
    ],
)
def test_text_case_and_strip(spec: str, value: str, expected: str) -> None:
    assert run(spec, value) == expected


@pytest.mark.parametrize("spec", ["upper", "lower", "strip"])
def test_text_transforms_refuse_non_text(spec: str) -> None:
    with pytest.raises(TransformError, match=f"{spec} expects text, got 12"):
        run(spec, 12)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P001", "P001"),
        (12, "12"),
        (12.0, "12"),
        (1.5, "1.5"),
        (True, "true"),
        (date(2025, 1, 2), "2025-01-02"),
    ],
)
def test_string(value: Any, expected: str) -> None:
    assert run("string", value) == expected


def test_string_refuses_containers() -> None:
    with pytest.raises(TransformError, match="string expects a scalar"):
        run("string", {"a": 1})


@pytest.mark.parametrize(("value", "expected"), [(3, 3), (3.0, 3), (" 42 ", 42)])
def test_integer(value: Any, expected: int) -> None:
    assert run("integer", value) == expected


@pytest.mark.parametrize("value", [3.5, "x", True, [1]])
def test_integer_rejects(value: Any) -> None:
    with pytest.raises(TransformError, match="integer expects a whole number"):
        run("integer", value)


@pytest.mark.parametrize(("value", "expected"), [(80, 80), (80.5, 80.5), ("80", 80), ("7.5", 7.5)])
def test_number(value: Any, expected: float) -> None:
    assert run("number", value) == expected


@pytest.mark.parametrize("value", ["eighty", False, {}])
def test_number_rejects(value: Any) -> None:
    with pytest.raises(TransformError, match="number expects a number"):
        run("number", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-31", "2025-01-31"),
        ("2025-01-31 23:30:00", "2025-01-31"),  # Odoo datetime: naive UTC
        ("2025-01-31T23:30:00+02:00", "2025-01-31"),  # 21:30 UTC, same day
        ("2025-01-31T23:30:00-02:00", "2025-02-01"),  # 01:30 UTC the next day
        (date(2025, 3, 1), "2025-03-01"),
        (datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc), "2025-03-01"),
    ],
)
def test_iso_date(value: Any, expected: str) -> None:
    assert run("iso_date", value) == expected


@pytest.mark.parametrize("value", ["31.01.2025", "2025-13-01", 20250131])
def test_iso_date_rejects(value: Any) -> None:
    with pytest.raises(TransformError, match="iso_date expects"):
        run("iso_date", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-31 14:05:00", "2025-01-31T14:05:00Z"),
        ("2025-01-31T14:05:00Z", "2025-01-31T14:05:00Z"),
        ("2025-01-31T16:05:00+02:00", "2025-01-31T14:05:00Z"),
        (datetime(2025, 1, 31, 14, 5, 7, 999, tzinfo=timezone(timedelta(hours=1))), "2025-01-31T13:05:07Z"),
    ],
)
def test_iso_datetime(value: Any, expected: str) -> None:
    assert run("iso_datetime", value) == expected


def test_iso_datetime_refuses_a_bare_date() -> None:
    with pytest.raises(TransformError, match="expects a date-time, got the date"):
        run("iso_datetime", "2025-01-31")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+49 (30) 1234-567", "+49 30 1234 567"),
        ("030/1234567", "030 1234567"),
        ("ext.", None),
    ],
)
def test_phone(value: str, expected: str | None) -> None:
    assert run("phone", value) == expected


def test_first() -> None:
    assert run("first", [None, "a", "b"]) == "a"
    assert run("first", []) is None
    with pytest.raises(TransformError, match="first expects a list"):
        run("first", "abc")


@pytest.mark.parametrize("empty", [None, "", [], {}])
def test_default_replaces_empty_values(empty: Any) -> None:
    assert run({"default": "n/a"}, empty) == "n/a"


def test_default_keeps_real_values() -> None:
    assert run({"default": "n/a"}, 0) == 0
    assert run({"default": []}, ["x"]) == ["x"]


def test_map_values() -> None:
    spec = {"map_values": {"done": "closed", "open": "open", 1: "one"}}
    assert run(spec, "done") == "closed"
    assert run(spec, 1) == "one"  # keys compare as text
    with pytest.raises(TransformError, match=r"map_values has no entry for 'lost' \(known: 1, done, open\)"):
        run(spec, "lost")


def test_join() -> None:
    assert run("join", ["a", None, "", 3]) == "a, 3"
    assert run({"join": "/"}, ["D3", "D4"]) == "D3/D4"
    assert run("join", [None, ""]) is None
    with pytest.raises(TransformError, match="join expects a list"):
        run("join", "abc")


def test_truncate() -> None:
    assert run({"truncate": 3}, "abcdef") == "abc"
    assert run({"truncate": 10}, "abc") == "abc"


def test_prefix_is_idempotent() -> None:
    spec = {"prefix": "urn:uuid:"}
    assert run(spec, "580d3adf") == "urn:uuid:580d3adf"
    assert run(spec, "urn:uuid:580d3adf") == "urn:uuid:580d3adf"


def test_key_value() -> None:
    assert run({"key_value": "severity"}, "Major") == [{"key": "severity", "value": "Major"}]
    assert run({"key_value": "count"}, 3) == [{"key": "count", "value": "3"}]
    assert run({"key_value": "x"}, "") is None


def test_key_value_list() -> None:
    value = {"what": "Scratches", "why": None, "how_many": 37, "who": ["A", "B"], "when": ""}
    assert run({"key_value_list": "5W2H."}, value) == [
        {"key": "5W2H.what", "value": "Scratches"},
        {"key": "5W2H.how_many", "value": "37"},
        {"key": "5W2H.who", "value": "A, B"},
    ]
    assert run("key_value_list", {"a": None}) is None
    with pytest.raises(TransformError, match="key_value_list expects an object"):
        run("key_value_list", ["a"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("uper", "unknown transform 'uper' (known: default, first,"),
        ({"eval": "1+1"}, "unknown transform 'eval'"),
        ({"upper": True}, "transform 'upper' takes no argument"),
        ("default", "transform 'default' needs an argument"),
        ({"truncate": 0}, "truncate needs a whole number >= 1"),
        ({"truncate": "5"}, "truncate needs a whole number >= 1"),
        ({"map_values": {}}, "map_values needs a non-empty mapping"),
        ({"join": 5}, "join needs a text argument"),
        ({"a": 1, "b": 2}, "a transform is a name or a one-key mapping"),
        (["upper"], "a transform is a name or a one-key mapping"),
    ],
)
def test_bad_specs_are_refused_at_load_time(spec: Any, message: str) -> None:
    with pytest.raises(TransformError) as info:
        bind(spec)
    assert message in str(info.value)
