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
  therefore read as UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from types import MappingProxyType
from typing import Any, Final, Literal

__all__ = ["TRANSFORMS", "BoundTransform", "Transform", "TransformError", "bind"]


class TransformError(ValueError):
    """A transform got a value (or, at load time, an argument) it cannot handle."""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TransformError(f"{name} expects text, got {_short(value)}")
    return value


def _as_string(value: Any) -> str:
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
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TransformError(f"{name} expects an ISO date or date-time, got {_short(value)}") from None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


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


def _default(value: Any, arg: Any) -> Any:
    return arg if value is None or value == "" or value == [] or value == {} else value


def _map_values(value: Any, arg: dict[str, Any]) -> Any:
    key = _as_string(value) if not isinstance(value, str) else value
    if key in arg:
        return arg[key]
    known = ", ".join(sorted(arg))
    raise TransformError(f"map_values has no entry for {_short(value)} (known: {known})")


def _join(value: Any, arg: str) -> str | None:
    if not isinstance(value, list):
        raise TransformError(f"join expects a list, got {_short(value)}")
    parts = [_as_string(item) for item in value if item is not None and item != ""]
    return arg.join(parts) if parts else None


def _first(value: Any, _arg: Any) -> Any:
    if not isinstance(value, list):
        raise TransformError(f"first expects a list, got {_short(value)}")
    return next((item for item in value if item is not None), None)


def _prefix(value: Any, arg: str) -> str:
    text = _as_string(value)
    return text if text.startswith(arg) else arg + text


def _key_value(value: Any, arg: str) -> list[dict[str, str]] | None:
    if value == "":
        return None
    return [{"key": arg, "value": _as_string(value)}]


def _key_value_list(value: Any, arg: str) -> list[dict[str, str]] | None:
    if not isinstance(value, dict):
        raise TransformError(f"key_value_list expects an object, got {_short(value)}")
    items = []
    for key, item in value.items():
        if item is None or item == "" or item == []:
            continue
        text = ", ".join(_as_string(x) for x in item) if isinstance(item, list) else _as_string(item)
        items.append({"key": f"{arg}{key}", "value": text})
    return items or None


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
    return {_as_string(key): value for key, value in arg.items()}


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
            _t("string", "scalar to text (12.0 -> '12', True -> 'true')", lambda v, _: _as_string(v)),
            _t("integer", "whole number from a number or numeric text", _integer),
            _t("number", "number from a number or numeric text", _number),
            _t("iso_date", "date or date-time -> YYYY-MM-DD (UTC day)", _iso_date),
            _t("iso_datetime", "date-time -> YYYY-MM-DDTHH:MM:SSZ (naive = UTC)", _iso_datetime),
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
                "map_values",
                "replace by a fixed table; unknown values are an error",
                _map_values,
                arg="required",
                check=_arg_value_map,
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
