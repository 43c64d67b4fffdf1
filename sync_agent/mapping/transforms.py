"""The closed registry of value transforms usable in mapping files.

Mapping files are data written by integrators, and they run against data
written by users. So a mapping can only *name* a transform from this fixed
list (with a JSON argument checked when the file is loaded); nothing in a
mapping file is ever evaluated as code. Adding a transform means adding a
function here, with its tests.

Conventions every transform follows:

* ``None`` (an empty field) passes through unchanged, so that ``default``
  can be applied last and an empty optional field is simply omitted;
* a value of the wrong kind raises :class:`TransformError` with a message
  that names the transform and the value, never a bare ``TypeError``;
* Odoo datetimes are naive UTC (``"2025-01-31 14:05:00"``); naive values are
  therefore read as UTC;
* dates and date-times must fall in the years :data:`YEARS` (no complaint,
  report or answer is dated outside them; ``9999-12-31T23:59:59-05:00`` would
  not even fit a datetime once converted to UTC).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import Any, Final, Literal

from ..errors import TransformError

__all__ = [
    "TRANSFORMS",
    "YEARS",
    "BoundTransform",
    "Transform",
    "as_string",
    "bind",
    "short_repr",
]

#: The years a date or date-time may fall in (first, last), as the payload schemas bound them.
YEARS: Final = (1900, 2099)


def short_repr(value: Any) -> str:
    """``value`` as an error message quotes it: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_short = short_repr


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TransformError(f"{name} expects text, got {_short(value)}")
    return value


def as_string(value: Any) -> str:
    """A scalar as the text documents carry (booleans as true/false, whole floats without .0);
    :class:`TransformError` for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TransformError(f"string expects a scalar, got {_short(value)}")


def _parse_datetime(name: str, value: Any) -> datetime | date:
    if isinstance(value, (datetime, date)):
        return value
    text = _text(name, value).strip()
    try:
        parsed: datetime | date = (
            date.fromisoformat(text)
            if len(text) == 10
            else datetime.fromisoformat(text.replace("Z", "+00:00"))
        )
    except ValueError:
        raise TransformError(f"{name} expects an ISO date or date-time, got {_short(value)}") from None
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise TransformError(f"{name}: {_short(value)} is outside the years {YEARS[0]}-{YEARS[1]}")
    return parsed


def _utc(moment: datetime) -> datetime:
    try:
        return (
            moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
        )
    except OverflowError:  # defence in depth: YEARS keeps parsed values far from the limits
        raise TransformError(f"{moment.isoformat()} cannot be converted to UTC") from None


def _iso_date(value: Any, _arg: Any) -> str:
    if isinstance(value, str) and len(value) == 10:  # fast path: already YYYY-MM-DD (Odoo's date format)
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass  # explained below
    parsed = _parse_datetime("iso_date", value)
    if isinstance(parsed, datetime):
        parsed = _utc(parsed).date()
    return parsed.isoformat()


def _iso_datetime(value: Any, _arg: Any) -> str:
    parsed = _parse_datetime("iso_datetime", value)
    if not isinstance(parsed, datetime):
        raise TransformError(f"iso_datetime expects a date-time, got the date {_short(value)}")
    return _utc(parsed).isoformat(timespec="seconds").replace("+00:00", "Z")


def _compact_date(value: Any, _arg: Any) -> str:
    # HL7 v3 TS and other EDI formats write dates as ISO 8601 "basic" digits.
    return _iso_date(value, None).replace("-", "")


def _compact_datetime(value: Any, _arg: Any) -> str:
    parsed = _parse_datetime("compact_datetime", value)
    if not isinstance(parsed, datetime):
        raise TransformError(f"compact_datetime expects a date-time, got the date {_short(value)}")
    return _utc(parsed).strftime("%Y%m%d%H%M%S")


def _integer(value: Any, _arg: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise TransformError(f"integer expects a whole number, got {_short(value)}")


def _number(value: Any, _arg: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
        else:
            return int(number) if number.is_integer() else number
    raise TransformError(f"number expects a number, got {_short(value)}")


_NON_DIGITS = re.compile(r"\D+")


def _phone(value: Any, _arg: Any) -> str | None:
    text = _text("phone", value).strip()
    digits = _NON_DIGITS.sub(" ", text).strip()
    if not digits:
        return None
    return ("+" if text.startswith("+") else "") + digits


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _default(value: Any, arg: Any) -> Any:
    return arg if _is_empty(value) else value


def _if_empty(value: Any, arg: Any) -> Any:
    # The mirror image of ``default``: a marker that stands in for a missing
    # value, such as HL7's nullFlavor="NI" on an element the schema requires.
    return arg if _is_empty(value) else None


def _if_present(value: Any, arg: Any) -> Any:
    # A fixed value (a code, a whole XML subtree) that applies only when a
    # field is filled in, e.g. FDA's "Foreign" report source.
    return None if _is_empty(value) else arg


def _null_if(value: Any, arg: frozenset[str]) -> Any:
    if isinstance(value, (list, dict)):
        raise TransformError(f"null_if expects a scalar, got {_short(value)}")
    return None if as_string(value) in arg else value


def _map_values(value: Any, arg: dict[str, Any]) -> Any:
    key = as_string(value) if not isinstance(value, str) else value
    if key in arg:
        return arg[key]
    known = ", ".join(sorted(arg))
    raise TransformError(f"map_values has no entry for {_short(value)} (known: {known})")


def _join(value: Any, arg: str) -> str | None:
    if not isinstance(value, list):
        raise TransformError(f"join expects a list, got {_short(value)}")
    parts = [as_string(item) for item in value if item is not None and item != ""]
    return arg.join(parts) if parts else None


def _first(value: Any, _arg: Any) -> Any:
    if not isinstance(value, list):
        raise TransformError(f"first expects a list, got {_short(value)}")
    return next((item for item in value if item is not None), None)


def _map_items(value: Any, arg: dict[str, Any]) -> list[Any] | None:
    # ``map_values`` for each item of a list (e.g. several outcomes ticked on
    # a form): a null result drops the item, and a repeat is kept once.
    if not isinstance(value, list):
        raise TransformError(f"map_items expects a list, got {_short(value)}")
    mapped: list[Any] = []
    for item in value:
        if item is None:
            continue
        key = item if isinstance(item, str) else as_string(item)
        if key not in arg:
            raise TransformError(
                f"map_items has no entry for {_short(item)} (known: {', '.join(sorted(arg))})"
            )
        if arg[key] is not None and arg[key] not in mapped:
            mapped.append(arg[key])
    return mapped or None


def _pluck(value: Any, arg: str) -> list[Any] | None:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TransformError(f"pluck expects a list of objects, got {_short(value)}")
    items = [item[arg] for item in value if item.get(arg) is not None and item.get(arg) != ""]
    return items or None


def _prefix(value: Any, arg: str) -> str:
    text = as_string(value)
    return text if text.startswith(arg) else arg + text


def _format(value: Any, arg: tuple[str | tuple[int, tuple[Callable[[Any], Any], ...]], ...]) -> str | None:
    items = value if isinstance(value, list) else [value]
    parts: list[str] = []
    for part in arg:
        if isinstance(part, str):
            parts.append(part)
            continue
        index, conversions = part
        item = items[index] if index < len(items) else None
        for convert in conversions:
            item = convert(item)
        if _is_empty(item):
            return None  # a half-built identifier is worse than none
        if isinstance(item, (list, dict)):
            raise TransformError(f"format expects scalar items, got {_short(item)}")
        parts.append(as_string(item))
    return "".join(parts)


def _key_value(value: Any, arg: str) -> list[dict[str, str]] | None:
    if value == "":
        return None
    return [{"key": arg, "value": as_string(value)}]


def _key_value_list(value: Any, arg: str) -> list[dict[str, str]] | None:
    if not isinstance(value, dict):
        raise TransformError(f"key_value_list expects an object, got {_short(value)}")
    items = []
    for key, item in value.items():
        if item is None or item == "" or item == []:
            continue
        text = ", ".join(as_string(x) for x in item) if isinstance(item, list) else as_string(item)
        items.append({"key": f"{arg}{key}", "value": text})
    return items or None


def _keep(value: Any, arg: frozenset[str], *, keep: bool = True) -> Any:
    # A list filtered by a fixed set (e.g. only EEA countries go where the
    # form takes EEA countries); a single value is kept or becomes null.
    if isinstance(value, dict):
        raise TransformError(f"{'keep' if keep else 'drop'} expects a value or a list, got {_short(value)}")
    if not isinstance(value, list):
        return value if (as_string(value) in arg) == keep else None
    items = [item for item in value if item is not None and (as_string(item) in arg) == keep]
    return items or None


def _pick_when(value: Any, arg: str) -> Any:
    # Where a form splits one datum by its unit or kind into several fields
    # (patient age in years, months or days): [kind, value] -> value for one kind.
    if not isinstance(value, list) or len(value) != 2:
        raise TransformError(f"pick_when expects a [key, value] pair (sources: [a, b]), got {_short(value)}")
    key, item = value
    return item if key is not None and as_string(key) == arg else None


def _arg_value_set(name: str) -> Callable[[Any], frozenset[str]]:
    def check(arg: Any) -> frozenset[str]:
        if not isinstance(arg, list) or not arg or any(isinstance(v, (list, dict)) or v is None for v in arg):
            raise TransformError(f"{name} needs a non-empty list of values, got {_short(arg)}")
        return frozenset(as_string(v) for v in arg)

    return check


# -- load-time argument checks: return the normalised argument or raise ----
def _arg_text(name: str) -> Callable[[Any], str]:
    def check(arg: Any) -> str:
        if not isinstance(arg, str):
            raise TransformError(f"{name} needs a text argument, got {_short(arg)}")
        return arg

    return check


def _arg_positive_int(arg: Any) -> int:
    if not isinstance(arg, int) or isinstance(arg, bool) or arg < 1:
        raise TransformError(f"truncate needs a whole number >= 1, got {_short(arg)}")
    return arg


def _arg_value_map(arg: Any) -> dict[str, Any]:
    if not isinstance(arg, dict) or not arg:
        raise TransformError(f"map_values needs a non-empty mapping of values, got {_short(arg)}")
    return {as_string(key): value for key, value in arg.items()}


_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{([0-9]+)((?:\|[a-z_]+)*)\}|[{}]")


def _arg_format(arg: Any) -> tuple[str | tuple[int, tuple[Callable[[Any], Any], ...]], ...]:
    """``"{0}-{1|compact_datetime}"`` -> literal texts and (item index, conversions)."""
    if not isinstance(arg, str) or not arg:
        raise TransformError(f"format needs a template text, got {_short(arg)}")
    parts: list[str | tuple[int, tuple[Callable[[Any], Any], ...]]] = []
    position = 0
    for match in _FORMAT_FIELD.finditer(arg):
        parts.append(arg[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        if match.group(1) is None:
            raise TransformError(
                f"format: stray {token!r} in {_short(arg)}; fields are {{0}} or {{0|transform}}, "
                "and {{ }} write braces"
            )
        conversions = []
        for name in filter(None, match.group(2).split("|")):
            transform = TRANSFORMS.get(name)
            if transform is None or transform.arg == "required" or transform.handles_none:
                raise TransformError(f"format: {name!r} is not a transform without argument")
            conversions.append(_converter(transform))
        parts.append((int(match.group(1)), tuple(conversions)))
    parts.append(arg[position:])
    if not any(isinstance(part, tuple) for part in parts):
        raise TransformError(f"format: {_short(arg)} has no field such as {{0}}")
    return tuple(part for part in parts if part != "")


def _converter(transform: Transform) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return None if value is None else transform.apply(value, transform.default_arg)

    return convert


def _arg_scalars(arg: Any) -> frozenset[str]:
    values = arg if isinstance(arg, list) else [arg]
    if not values or any(isinstance(v, (list, dict)) or v is None for v in values):
        raise TransformError(f"null_if needs a value or a list of values, got {_short(arg)}")
    return frozenset(as_string(v) for v in values)


def _arg_item_map(arg: Any) -> dict[str, Any]:
    if not isinstance(arg, dict) or not arg:
        raise TransformError(f"map_items needs a non-empty mapping of values, got {_short(arg)}")
    return {as_string(key): value for key, value in arg.items()}


def _arg_any(arg: Any) -> Any:
    return arg


@dataclass(frozen=True)
class Transform:
    """A named transform: ``apply(value, arg)``; ``check`` validates ``arg`` at load."""

    name: str
    doc: str
    arg: Literal["none", "required", "optional"]
    apply: Callable[[Any, Any], Any]
    check: Callable[[Any], Any] = _arg_any
    default_arg: Any = None
    handles_none: bool = False  # True only for ``default``


def _t(name: str, doc: str, apply: Callable[[Any, Any], Any], **kw: Any) -> tuple[str, Transform]:
    return name, Transform(name=name, doc=doc, apply=apply, **{"arg": "none", **kw})


#: name -> transform. Read-only: the registry is closed at import time.
TRANSFORMS: Final[Mapping[str, Transform]] = MappingProxyType(
    dict(
        [
            _t("upper", "text to upper case", lambda v, _: _text("upper", v).upper()),
            _t("lower", "text to lower case", lambda v, _: _text("lower", v).lower()),
            _t("strip", "trim surrounding white space", lambda v, _: _text("strip", v).strip()),
            _t("string", "scalar to text (12.0 -> '12', True -> 'true')", lambda v, _: as_string(v)),
            _t("integer", "whole number from a number or numeric text", _integer),
            _t("number", "number from a number or numeric text", _number),
            _t("iso_date", "date or date-time -> YYYY-MM-DD (UTC day)", _iso_date),
            _t("iso_datetime", "date-time -> YYYY-MM-DDTHH:MM:SSZ (naive = UTC)", _iso_datetime),
            _t("compact_date", "date or date-time -> YYYYMMDD (UTC day; HL7 TS)", _compact_date),
            _t("compact_datetime", "date-time -> YYYYMMDDHHMMSS (UTC; HL7 TS)", _compact_datetime),
            _t("phone", "keep a leading + and the digits: '+49 (89) 123-45' -> '+49 89 123 45'", _phone),
            _t("first", "first non-empty item of a list", _first),
            _t(
                "default",
                "value used when empty (null, '', [] or {})",
                _default,
                arg="required",
                handles_none=True,
            ),
            _t(
                "if_empty",
                "the argument when the value is empty, else null (e.g. an HL7 nullFlavor)",
                _if_empty,
                arg="required",
                handles_none=True,
            ),
            _t(
                "if_present",
                "the argument when the value is not empty, else null (a code that goes with a field)",
                _if_present,
                arg="required",
            ),
            _t(
                "null_if",
                "null when the value is the argument or one of its list (compared as text): {null_if: 0}",
                _null_if,
                arg="required",
                check=_arg_scalars,
            ),
            _t(
                "format",
                "text from a template: '{0}-{1|compact_datetime}' (items of a list; empty item -> null)",
                _format,
                arg="required",
                check=_arg_format,
            ),
            _t(
                "map_values",
                "replace by a fixed table; unknown values are an error",
                _map_values,
                arg="required",
                check=_arg_value_map,
            ),
            _t(
                "map_items",
                "map_values for each list item; null results and repeats dropped",
                _map_items,
                arg="required",
                check=_arg_item_map,
            ),
            _t(
                "pluck",
                "list of objects -> list of one field's values, empty ones skipped",
                _pluck,
                arg="required",
                check=_arg_text("pluck"),
            ),
            _t(
                "join",
                "join list items as text (default separator ', ')",
                _join,
                arg="optional",
                check=_arg_text("join"),
                default_arg=", ",
            ),
            _t(
                "truncate",
                "cut text to at most N characters",
                lambda v, n: _text("truncate", v)[:n],
                arg="required",
                check=_arg_positive_int,
            ),
            _t(
                "prefix",
                "put the text in front unless it is already there",
                _prefix,
                arg="required",
                check=_arg_text("prefix"),
            ),
            _t(
                "key_value",
                "value -> [{key: ARG, value: text}]",
                _key_value,
                arg="required",
                check=_arg_text("key_value"),
            ),
            _t(
                "key_value_list",
                "object -> [{key: PREFIX+key, value: text}], empty values skipped",
                _key_value_list,
                arg="optional",
                check=_arg_text("key_value_list"),
                default_arg="",
            ),
            _t(
                "keep",
                "list -> the items in the argument's list (one value: itself or null)",
                _keep,
                arg="required",
                check=_arg_value_set("keep"),
            ),
            _t(
                "drop",
                "list -> the items not in the argument's list (one value: itself or null)",
                lambda v, a: _keep(v, a, keep=False),
                arg="required",
                check=_arg_value_set("drop"),
            ),
            _t(
                "pick_when",
                "[key, value] (from sources) -> value when key is the argument, else null",
                _pick_when,
                arg="required",
                check=_arg_text("pick_when"),
            ),
        ]
    )
)


@dataclass(frozen=True, slots=True)
class BoundTransform:
    """A transform with its checked argument, ready to apply."""

    transform: Transform
    arg: Any
    # Copied from ``transform`` so the render loop reaches them in one step.
    apply: Callable[[Any, Any], Any]
    handles_none: bool

    @property
    def name(self) -> str:
        return self.transform.name

    def __call__(self, value: Any) -> Any:
        if value is None and not self.handles_none:
            return None
        return self.apply(value, self.arg)


def bind(spec: Any) -> BoundTransform:
    """Turn a mapping-file transform spec (``"upper"`` or ``{"join": " / "}``)
    into a :class:`BoundTransform`, or raise :class:`TransformError`."""
    if isinstance(spec, str):
        name, has_arg, arg = spec, False, None
    elif isinstance(spec, dict) and len(spec) == 1:
        ((name, arg),) = spec.items()
        has_arg = True
    else:
        raise TransformError(
            f"a transform is a name or a one-key mapping {{name: argument}}, got {_short(spec)}"
        )
    transform = TRANSFORMS.get(name)
    if transform is None:
        raise TransformError(f"unknown transform {name!r} (known: {', '.join(sorted(TRANSFORMS))})")
    if transform.arg == "none" and has_arg:
        raise TransformError(f"transform {name!r} takes no argument")
    if transform.arg == "required" and not has_arg:
        raise TransformError(f"transform {name!r} needs an argument: {{{name}: ...}}")
    bound_arg = transform.check(arg) if has_arg else transform.default_arg
    return BoundTransform(transform, bound_arg, transform.apply, transform.handles_none)
