"""Each transform of the closed registry, and how mapping files name them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from sync_agent.mapping.transforms import TRANSFORMS, bind
from sync_agent import TransformError


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
        "compact_date",
        "compact_datetime",
        "phone",
        "first",
        "default",
        "if_empty",
        "if_present",
        "null_if",
        "format",
        "map_values",
        "map_items",
        "pluck",
        "join",
        "truncate",
        "prefix",
        "key_value",
        "key_value_list",
        "keep",
        "drop",
        "pick_when",
    }


_SAMPLE_ARGS: dict[str, Any] = {
    "map_values": {"a": "b"},
    "map_items": {"a": "b"},
    "truncate": 3,
    "format": "{0}",
    "keep": ["a"],
    "drop": ["a"],
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_passes_none_through_except_the_empty_fillers(name: str) -> None:
    transform = TRANSFORMS[name]
    spec: Any = name
    if transform.arg == "required":
        spec = {name: _SAMPLE_ARGS.get(name, "x")}
    expected = "x" if name in ("default", "if_empty") else None
    assert transform.handles_none == (name in ("default", "if_empty"))
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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-31", "20250131"),
        ("2025-01-31T23:30:00-02:00", "20250201"),  # 01:30 UTC the next day
        (date(2025, 3, 1), "20250301"),
    ],
)
def test_compact_date(value: Any, expected: str) -> None:
    assert run("compact_date", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-12T09:30:00Z", "20260312093000"),
        ("2026-03-12 09:30:05", "20260312093005"),  # Odoo datetime: naive UTC
        ("2026-03-12T01:30:00+02:00", "20260311233000"),
    ],
)
def test_compact_datetime(value: Any, expected: str) -> None:
    assert run("compact_datetime", value) == expected


def test_compact_transforms_reject_what_is_no_date() -> None:
    with pytest.raises(TransformError, match="iso_date expects"):
        run("compact_date", "12.03.2026")
    with pytest.raises(TransformError, match="compact_datetime expects a date-time, got the date"):
        run("compact_datetime", "2026-03-12")


def test_if_empty_marks_only_missing_values() -> None:
    for empty in (None, "", [], {}):
        assert run({"if_empty": "NI"}, empty) == "NI"
    assert run({"if_empty": "NI"}, "2026-01-01") is None
    assert run({"if_empty": "NI"}, 0) is None


def test_if_present_gives_its_argument_only_for_filled_values() -> None:
    subtree = {"code": {"@code": "C25512"}}
    assert run({"if_present": subtree}, "DE") == subtree
    assert run({"if_present": "C25512"}, 0) == "C25512"
    for empty in (None, "", [], {}):
        assert run({"if_present": "C25512"}, empty) is None


def test_null_if() -> None:
    assert run({"null_if": 0}, 0) is None
    assert run({"null_if": 0}, "0") is None  # compared as text, like map_values keys
    assert run({"null_if": 0}, 3) == 3
    assert run({"null_if": ["US", "USA"]}, "USA") is None
    assert run({"null_if": ["US", "USA"]}, "DE") == "DE"
    with pytest.raises(TransformError, match="null_if expects a scalar"):
        run({"null_if": 0}, [0])


def test_format_builds_text_from_list_items() -> None:
    spec = {"format": "{0}-{1|compact_datetime}"}
    assert run(spec, ["3012345678", "2026-03-12T09:30:00Z"]) == "3012345678-20260312093000"
    assert run({"format": "{{{0|upper}}}"}, "ab") == "{AB}"  # a scalar is item 0; {{ }} are braces
    assert run({"format": "{1} {0}"}, ["a", 2]) == "2 a"


@pytest.mark.parametrize("value", [[None, "2026-03-12T09:30:00Z"], ["", "2026-03-12T09:30:00Z"], ["x"]])
def test_format_gives_null_when_an_item_is_missing(value: Any) -> None:
    assert run({"format": "{0}-{1|compact_datetime}"}, value) is None


def test_format_refuses_containers_and_passes_conversion_errors_on() -> None:
    with pytest.raises(TransformError, match="format expects scalar items"):
        run({"format": "{0}"}, [["a"]])
    with pytest.raises(TransformError, match="compact_datetime expects"):
        run({"format": "{0|compact_datetime}"}, ["soon"])


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
        ("uper", "unknown transform 'uper' (known: compact_date, compact_datetime, default, drop, first,"),
        ({"eval": "1+1"}, "unknown transform 'eval'"),
        ({"upper": True}, "transform 'upper' takes no argument"),
        ("default", "transform 'default' needs an argument"),
        ({"truncate": 0}, "truncate needs a whole number >= 1"),
        ({"truncate": "5"}, "truncate needs a whole number >= 1"),
        ({"map_values": {}}, "map_values needs a non-empty mapping"),
        ({"join": 5}, "join needs a text argument"),
        ({"null_if": []}, "null_if needs a value or a list of values"),
        ({"null_if": {"a": 1}}, "null_if needs a value or a list of values"),
        ({"format": 5}, "format needs a template text"),
        ({"format": "batch"}, "has no field such as {0}"),
        ({"format": "{name}"}, "format: stray '{'"),
        ({"format": "{0|nope}"}, "format: 'nope' is not a transform without argument"),
        ({"format": "{0|truncate}"}, "format: 'truncate' is not a transform without argument"),
        ({"a": 1, "b": 2}, "a transform is a name or a one-key mapping"),
        (["upper"], "a transform is a name or a one-key mapping"),
    ],
)
def test_bad_specs_are_refused_at_load_time(spec: Any, message: str) -> None:
    with pytest.raises(TransformError) as info:
        bind(spec)
    assert message in str(info.value)


def test_map_items_maps_each_item_and_drops_nulls_and_repeats() -> None:
    spec = {"map_items": {"death": "死亡", "hospitalization": "其它", "other": "其它", "none": None}}
    assert run(spec, ["death", "hospitalization", "other", None]) == ["死亡", "其它"]
    assert run(spec, ["none"]) is None
    assert run(spec, []) is None
    assert run(spec, None) is None
    assert run({"map_items": {1: "one"}}, [1]) == ["one"]


def test_map_items_refuses_unknown_items_and_non_lists() -> None:
    with pytest.raises(TransformError, match=r"map_items has no entry for 'coma' \(known: death\)"):
        run({"map_items": {"death": "死亡"}}, ["death", "coma"])
    with pytest.raises(TransformError, match="map_items expects a list"):
        run({"map_items": {"death": "死亡"}}, "death")
    with pytest.raises(TransformError, match="map_items needs a non-empty mapping"):
        bind({"map_items": {}})


def test_pluck_reads_one_field_of_each_object() -> None:
    items = [{"code": "A1", "term": "No Alarm"}, {"code": "A2", "term": ""}, {"code": "A3"}]
    assert run({"pluck": "term"}, items) == ["No Alarm"]
    assert run({"pluck": "code"}, items) == ["A1", "A2", "A3"]
    assert run({"pluck": "term"}, []) is None
    with pytest.raises(TransformError, match="pluck expects a list of objects"):
        run({"pluck": "term"}, ["A1"])
    with pytest.raises(TransformError, match="pluck needs a text argument"):
        bind({"pluck": 1})


def test_keep_and_drop_filter_lists_by_a_fixed_set() -> None:
    eea = ["DE", "FR", "NO"]
    assert run({"keep": eea}, ["DE", "US", None, "NO"]) == ["DE", "NO"]
    assert run({"drop": eea}, ["DE", "US", "CN"]) == ["US", "CN"]
    assert run({"keep": eea}, ["US"]) is None  # nothing left is empty, not []
    assert run({"keep": eea}, "FR") == "FR" and run({"drop": eea}, "FR") is None
    assert run({"keep": [1, True]}, [1, 2, True]) == [1, True]  # compared as text
    with pytest.raises(TransformError, match="keep expects a value or a list"):
        run({"keep": eea}, {"DE": 1})
    with pytest.raises(TransformError, match="drop needs a non-empty list of values"):
        bind({"drop": "DE"})


def test_pick_when_takes_the_value_of_one_kind() -> None:
    assert run({"pick_when": "year"}, ["year", 67]) == 67
    assert run({"pick_when": "year"}, ["month", 3]) is None
    assert run({"pick_when": "month"}, [None, 3]) is None
    with pytest.raises(TransformError, match=r"pick_when expects a \[key, value\] pair"):
        run({"pick_when": "year"}, 67)
    with pytest.raises(TransformError, match="pick_when needs a text argument"):
        bind({"pick_when": 1})
