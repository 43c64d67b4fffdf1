"""JSON Schema helpers: load a schema once, validate documents with it, and
check that a field path exists in it.

Schemas are the contract with the outside world (Report8D, our own payload
schema, the mapping-file schema). They are loaded and checked once at
start-up; the validators are built once and reused for every document. The
draft is taken from the schema's own ``$schema`` (Report8D is draft-04),
never guessed.

Two validators, one verdict: every document sent is checked on the hot path
by ``jsonschema-rs`` (compiled; about 3 µs for a Report8D document where the
pure-Python ``jsonschema`` needs about 450 µs, which would cost more than the
HTTP round trip to the portal). When a document is invalid, the reference
implementation ``jsonschema`` explains why, with the JSON path. A schema the
compiled validator cannot load is validated by ``jsonschema`` alone.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import exceptions as js_exceptions
from jsonschema import validators

from ..errors import SchemaPathError

__all__ = ["FREE", "LoadedSchema", "load_schema"]

#: Marker for "the schema says nothing more below this point" (free-form).
FREE: Any = object()
#: Where schemas keep referenced definitions (dropped from the inlined copy).
_DEFINITIONS = frozenset({"components", "definitions", "$defs"})
_ANNOTATIONS = frozenset({"description", "title", "$comment", "examples"})


@dataclass(frozen=True)
class LoadedSchema:
    """A parsed, checked JSON Schema with a reusable validator."""

    path: Path
    schema: dict[str, Any]
    validator: Any  # a jsonschema Validator instance (explains errors)
    fast: Any = None  # a jsonschema_rs validator (decides), if it could load the schema

    @property
    def title(self) -> str:
        return str(self.schema.get("title") or self.schema.get("x-samm-aspect-model-urn") or self.path.name)

    def errors(self, document: Any, limit: int = 3, *, name_missing: bool = False) -> list[tuple[str, str]]:
        """Up to ``limit`` (json_path, message) pairs sorted by path, plus a
        line counting the rest; empty when ``document`` is valid.

        ``name_missing`` points a missing required property at the property
        itself (``$.manufacturer.city``) rather than at the object that lacks
        it (``$.manufacturer``), for messages a person acts on field by field.
        """
        if self.fast is not None and self.fast.is_valid(document):
            return []
        found = sorted(
            ((_path(e, name_missing), e) for e in self.validator.iter_errors(document)),
            key=lambda pe: (pe[0], pe[1].message),
        )
        if not found and self.fast is not None:  # the validators disagree: the stricter verdict wins
            return [
                (_rs_path(e.instance_path), e.message) for e in list(self.fast.iter_errors(document))[:limit]
            ]
        return [(path, _short_message(e)) for path, e in found[:limit]] + (
            [("", f"... and {len(found) - limit} more")] if len(found) > limit else []
        )

    def partial(self) -> LoadedSchema:
        """The same schema without its top-level ``required`` list, to check a
        fragment of a document (e.g. one 8D step of a supplier's answer)."""
        return _build(self.path, {**self.schema, "required": []})

    def node(self, segments: list[str | int]) -> Any:
        """The sub-schema at ``segments`` (property names; ints or ``"[]"``
        step into array items), :data:`FREE` where the schema stops
        describing the data; :class:`SchemaPathError` if the path is not there."""
        node: Any = self.schema
        walked = "$"
        for segment in segments:
            node = self._deref(node)
            if node is FREE:
                return FREE
            if isinstance(segment, int) or segment == "[]":
                if "items" not in node:
                    if "properties" in node or node.get("type") not in (None, "array"):
                        raise SchemaPathError(f"{walked} is not a list in {self.path.name}")
                    return FREE
                node, walked = node["items"], f"{walked}[]"
                continue
            node = self._property(node, segment, walked)
            walked = f"{walked}.{segment}"
        return self._deref(node)

    def _property(self, node: dict[str, Any], name: str, walked: str) -> Any:
        properties = node.get("properties", {})
        if name in properties:
            return properties[name]
        for pattern, sub in node.get("patternProperties", {}).items():
            if re.search(pattern, name):
                return sub
        if not properties and "patternProperties" not in node:
            if node.get("type") not in (None, "object"):
                raise SchemaPathError(f"{walked} is a {node['type']}, it has no field {name!r}")
            return FREE
        hint = difflib.get_close_matches(name, list(properties), n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else f" (known: {', '.join(sorted(properties))})"
        raise SchemaPathError(f"{name!r} is not a field of {walked} in {self.path.name}{suggestion}")

    def _deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or seen > 32:
                return FREE  # remote or circular references are not walked
            node = self.schema
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        if (
            isinstance(node, dict)
            and not {"properties", "items", "patternProperties"} & node.keys()
            and any(k in node for k in ("anyOf", "oneOf", "allOf"))
        ):
            return FREE  # combinators are not walked: accept any path below
        return node if isinstance(node, dict) else FREE


_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _path(error: js_exceptions.ValidationError, name_missing: bool) -> str:
    """The error's JSON path; with ``name_missing``, a missing required
    property's own path."""
    match = _REQUIRED.match(error.message) if name_missing and error.validator == "required" else None
    if match is None:
        return error.json_path
    name = match.group(1)
    return f"{error.json_path}.{name}" if _NAME.match(name) else f"{error.json_path}[{name!r}]"


def _short_message(error: js_exceptions.ValidationError) -> str:
    """jsonschema's text, except for oneOf/anyOf, whose default message dumps
    the whole instance: there the schema's own ``description`` says it better."""
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator in ("oneOf", "anyOf") and isinstance(description, str):
        return description
    message = error.message
    return message if len(message) <= 300 else message[:297] + "..."


@lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int) -> LoadedSchema:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"schema {path} cannot be read: {exc.strerror}") from None
    except ValueError as exc:
        raise ValueError(f"schema {path} is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise ValueError(f"schema {path} must be a JSON object")  # noqa: TRY004 - one error type for callers
    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except js_exceptions.SchemaError as exc:
        raise ValueError(f"schema {path} is not a valid JSON Schema: {exc.message}") from None
    return _build(path, schema)


def _build(path: Path, schema: dict[str, Any]) -> LoadedSchema:
    try:
        fast = jsonschema_rs.validator_for(schema)
    except Exception:  # noqa: BLE001 - any schema it cannot compile: jsonschema alone decides
        fast = None
    return LoadedSchema(path, schema, validators.validator_for(schema)(_inlined(schema)), fast)


def _rs_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` with local ``$ref`` replaced by their targets.

    Following a ``$ref`` is most of jsonschema's cost on generated schemas such
    as Report8D (every property is a ``$ref``): inlining makes validation about
    three times faster. Schemas with remote or recursive references are used
    as they are. Validation results are the same either way.
    """

    # Up to draft 7 a $ref's siblings are ignored; from 2019-09 on they apply too.
    siblings_apply = any(v in str(schema.get("$schema", "")) for v in ("2019-09", "2020-12"))

    def walk(node: Any, trail: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#/") or ref in trail:
                    raise _NotInlinable
                target: Any = schema
                for part in ref[2:].split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
                inlined = walk(target, (*trail, ref))
                rest = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
                if siblings_apply and rest and not _only_extensions(rest):
                    return {"allOf": [inlined], **walk(rest, trail)}
                return inlined
            return {k: walk(v, trail) for k, v in node.items() if k not in _DEFINITIONS}
        if isinstance(node, list):
            return [walk(item, trail) for item in node]
        return node

    try:
        return walk(schema, ())
    except (_NotInlinable, KeyError, TypeError):
        return schema


class _NotInlinable(Exception):
    pass


def _only_extensions(node: dict[str, Any]) -> bool:
    """Only vendor extensions (``x-...``) left: nothing to validate."""
    return all(key.startswith("x-") for key in node)


def load_schema(path: str | Path) -> LoadedSchema:
    """Load and check a JSON Schema file (cached per path and modification time)."""
    resolved = Path(path).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except OSError:
        raise ValueError(f"schema {resolved} does not exist") from None
    return _load_cached(resolved, mtime)
