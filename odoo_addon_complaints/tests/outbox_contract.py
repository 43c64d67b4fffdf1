# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outbox RPC contract (``mappings/schemas/outbox_rpc_v1.schema.json``) for the addon's tests.

The agent validates with ``jsonschema``, which Odoo's environment does not
have (and the addon must not vendor). So this module checks exactly the JSON
Schema keywords that the contract uses, no more: a keyword it does not know
makes it raise instead of passing silently, so the schema cannot outgrow the
checker unnoticed. ``tests/contract/test_outbox_schema.py`` runs it beside
``jsonschema`` on the same documents to show both give the same verdict.

Deliberately free of Odoo imports: the pytest suite loads it by path.
"""

import json
import re
from pathlib import Path

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "mappings/schemas/outbox_rpc_v1.schema.json"

#: The keywords checked below, and those that only annotate.
CHECKED = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "pattern",
        "anyOf",
        "$ref",
    }
)
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class UnsupportedKeyword(ValueError):
    """The schema uses a keyword this checker does not implement."""


def load_contract(path=CONTRACT_PATH):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _same(a, b):
    """JSON equality: false is not 0, true is not 1."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def errors(root, schema, value, path="$"):
    """Every (path, message) where ``value`` breaks ``schema`` (resolved inside ``root``)."""
    unknown = set(schema) - CHECKED - ANNOTATIONS
    if unknown:
        raise UnsupportedKeyword(f"{path}: keyword(s) {', '.join(sorted(unknown))} not checked here")
    found = []
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise UnsupportedKeyword(f"{path}: only local #/$defs/ references are checked, not {ref}")
        found += errors(root, root["$defs"][ref[len("#/$defs/") :]], value, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            return found + [(path, f"{value!r} is not of type {' or '.join(types)}")]
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        found.append((path, f"{value!r} is not one of {schema['enum']!r}"))
    if "const" in schema and not _same(value, schema["const"]):
        found.append((path, f"{value!r} is not {schema['const']!r}"))
    if "anyOf" in schema and all(errors(root, option, value, path) for option in schema["anyOf"]):
        found.append((path, f"{value!r} matches none of the allowed forms"))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            found.append((path, f"{value!r} is shorter than {schema['minLength']}"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append((path, f"text of {len(value)} characters is longer than {schema['maxLength']}"))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append((path, f"{value!r} does not match {schema['pattern']!r}"))
    if _TYPES["number"](value) and "minimum" in schema and value < schema["minimum"]:
        found.append((path, f"{value!r} is less than the minimum of {schema['minimum']}"))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                found.append((path, f"{key!r} is a required property"))
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                found += errors(root, properties[key], item, f"{path}.{key}")
            elif schema.get("additionalProperties", True) is False:
                found.append((path, f"additional property {key!r} is not allowed"))
            elif isinstance(schema.get("additionalProperties"), dict):
                raise UnsupportedKeyword(f"{path}: only a boolean additionalProperties is checked")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append((path, f"{len(value)} items, fewer than {schema['minItems']}"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append((path, f"{len(value)} items, more than {schema['maxItems']}"))
        prefix = schema.get("prefixItems", [])
        for index, item in enumerate(value):
            if index < len(prefix):
                found += errors(root, prefix[index], item, f"{path}[{index}]")
            elif "items" in schema:
                found += errors(root, schema["items"], item, f"{path}[{index}]")
    return found


def contract_errors(contract, definition, value):
    """Where ``value`` breaks the contract's ``$defs/<definition>`` (e.g. ``claim_answer``)."""
    return errors(contract, contract["$defs"][definition], value)
