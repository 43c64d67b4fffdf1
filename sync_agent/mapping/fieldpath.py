"""Field paths of mapping files: ``scar.due_dates.D3``, ``parts[0].lot``.

Paths are parsed once, when a mapping file is loaded (a malformed path is a
start-up error naming the file and field), into segments; reading a path
from a payload is then a plain walk that yields ``None`` for anything
missing, so optional fields need no special syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["Reader", "event_reader", "getter", "parse_path", "payload_reader"]

#: Reads a value from (payload or list item, event envelope fields).
Reader = Callable[[dict[str, Any], dict[str, Any]], Any]

_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*")
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]")


def parse_path(text: str) -> list[str | int]:
    """``a.b[0].c`` -> ``["a", "b", 0, "c"]``; :class:`ValueError` if malformed."""
    if not isinstance(text, str) or not _PATH.fullmatch(text):
        raise ValueError(f"bad path {text!r}: expected names joined by '.', with optional [index]")
    return [name if name else int(index) for name, index in _SEGMENT.findall(text)]


def getter(segments: list[str | int]) -> Callable[[Any], Any]:
    """A function reading ``segments`` from nested dicts/lists, ``None`` if absent."""

    def get(data: Any) -> Any:
        for segment in segments:
            if isinstance(segment, int):
                data = data[segment] if isinstance(data, list) and -len(data) <= segment < len(data) else None
            else:
                data = data.get(segment) if isinstance(data, dict) else None
            if data is None:
                return None
        return data

    return get


def payload_reader(segments: list[str | int]) -> Reader:
    """A reader for one payload path, with fast paths for the common shapes
    (``a`` and ``a.b``): a document has a hundred of these reads."""
    names = [s for s in segments if isinstance(s, str)]
    if len(names) == len(segments) == 1:
        key = names[0]
        return lambda data, _meta: data.get(key)
    if len(names) == len(segments) == 2:
        outer, inner = names

        def read(data: dict[str, Any], _meta: dict[str, Any]) -> Any:
            value = data.get(outer)
            return value.get(inner) if isinstance(value, dict) else None

        return read
    get = getter(segments)
    return lambda data, _meta: get(data)


def event_reader(name: str) -> Reader:
    """A reader for one field of the event envelope (``$event.res_id``)."""
    return lambda _data, meta: meta[name]
