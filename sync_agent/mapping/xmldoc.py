"""XML documents from mapping rules, and their check against an XSD.

A document mapping's rules build a nested dict whose keys are path segments
(see :func:`parse_target`): ``name`` or ``name[n]`` (the n-th sibling of that
name, 0-based) for a child element, ``@name`` or ``@xsi:name`` for an
attribute, ``#text`` for the text. :func:`build` turns that dict into an lxml
element tree. Children appear in the order in which the rules first created
them, so a mapping lists its rules in the order of the XSD's sequences, and
the dict never needs to know the schema.

Validation uses libxml2's XSD validator (:class:`XsdSchema`). Its messages
are good, but they name the element *after* a missing one ("Element
'reportDate': This element is not expected. Expected is one of (
ncaEudamedNum, ncaReportNo )"). A person in Odoo needs the missing element
itself, ``/incident/admin_info/ncaReportNo``; so the schema files are also
read once for which child elements each element requires, and a problem
points at the one required element among those libxml2 expected.

Schemas are read from local files only (no network), and cached per file
and modification time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Final

from lxml import etree

from ..errors import Problem, TransformError
from .transforms import as_string

__all__ = [
    "PREFIXES",
    "XSI",
    "XsdSchema",
    "build",
    "check_subtree",
    "element_path",
    "load_xsd",
    "parse_target",
    "serialize",
]

XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_XSD: Final = "http://www.w3.org/2001/XMLSchema"
#: Attribute prefixes a mapping may use (``@xsi:type``); elements take the
#: document's default namespace (``document.namespace``) or none.
PREFIXES: Final = {"xsi": XSI, "xml": "http://www.w3.org/XML/1998/namespace"}
#: Most problems reported for one document (libxml2 may find many after the first).
MAX_PROBLEMS: Final = 20

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_SEGMENT = re.compile(
    rf"(?P<element>{_NAME})(?:\[(?P<index>[0-9]+)\])?|@(?P<attribute>(?:{_NAME}:)?{_NAME})|(?P<text>#text)"
)
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_MISSING_ATTRIBUTE = re.compile(r"The attribute '([^']+)' is required but missing")
_ON_ATTRIBUTE = re.compile(r"^Element '[^']*', attribute '([^']+)'")


def parse_target(text: str) -> list[str]:
    """``a.b[1].@code`` -> ``["a", "b[1]", "@code"]``; ``name[0]`` is ``name``.

    :class:`ValueError` if a segment is malformed or ``@``/``#text`` is not last.
    """
    parts = text.split(".")
    segments: list[str] = []
    for position, part in enumerate(parts):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise ValueError(
                f"bad XML target {text!r}: segments are element names (name or name[n]), "
                "and last an @attribute or #text"
            )
        if match["element"] is None and position != len(parts) - 1:
            raise ValueError(f"bad XML target {text!r}: {part!r} can only be the last segment")
        if match["attribute"] and ":" in match["attribute"]:
            prefix = match["attribute"].split(":", 1)[0]
            if prefix not in PREFIXES:
                raise ValueError(f"unknown prefix {prefix!r} in {text!r} (known: {', '.join(PREFIXES)})")
        segments.append(match["element"] if match["index"] in (None, "0") and match["element"] else part)
    return segments


def check_subtree(value: Any, where: str) -> list[str]:
    """Problems of a ``const`` subtree: every key must be a segment, attributes
    and text must be scalars."""
    problems: list[str] = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(check_subtree(item, f"{where}[{index}]"))
    elif isinstance(value, dict):
        for key, item in value.items():
            try:
                parse_target(str(key))
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if str(key)[0] in "@#" and isinstance(item, (dict, list)):
                problems.append(f"{where}.{key}: an attribute or text must be a single value")
            else:
                problems.extend(check_subtree(item, f"{where}.{key}"))
    return problems


# -- building ---------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, (dict, list, date)):  # dates arrive as text from the payload
        raise TypeError(f"cannot be written as XML text: {type(value).__name__}")
    try:
        return as_string(value)
    except TransformError:
        raise TypeError(f"cannot be written as XML text: {type(value).__name__}") from None


def _split(key: str) -> tuple[str, int]:
    name, _, index = key.partition("[")
    return name, int(index[:-1]) if index else 0


class _Builder:
    def __init__(self, namespace: str | None) -> None:
        self.namespace = namespace
        self.problems: list[Problem] = []

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}" if self.namespace else name

    def put_text(self, element: etree._Element, value: Any, attribute: str | None = None) -> None:
        try:
            text = _text(value)
            if attribute is None:
                element.text = text
            else:
                prefix, _, local = attribute.rpartition(":")
                element.set(f"{{{PREFIXES[prefix]}}}{local}" if prefix else local, text)
        except (TypeError, ValueError, KeyError) as exc:  # lxml: ValueError for characters XML cannot carry
            path = element_path(element) + (f"/@{attribute}" if attribute else "")
            reason = "unknown prefix" if isinstance(exc, KeyError) else str(exc)
            self.problems.append(Problem(path, reason))

    def fill(self, element: etree._Element, node: dict[str, Any]) -> None:
        groups: dict[str, list[tuple[int, Any]]] = {}  # element name -> (index, value), first-seen order
        for key, value in node.items():
            if value is None:
                continue
            if key == "#text":
                self.put_text(element, value)
            elif key.startswith("@"):
                self.put_text(element, value, key[1:])
            else:
                name, index = _split(key)
                groups.setdefault(name, []).append((index, value))
        for name, entries in groups.items():
            entries.sort(key=lambda entry: entry[0])
            for _, value in entries:
                for item in value if isinstance(value, list) else [value]:
                    if item is None:
                        continue
                    child = etree.SubElement(element, self.tag(name))
                    if isinstance(item, dict):
                        self.fill(child, item)
                    else:
                        self.put_text(child, item)


def build(tree: dict[str, Any], root: str, namespace: str | None) -> tuple[etree._Element, list[Problem]]:
    """The element tree for a rendered rule dict, and the values that could
    not be written (e.g. text with control characters), by XPath."""
    builder = _Builder(namespace)
    nsmap: dict[str | None, str] = {"xsi": XSI}
    if namespace:
        nsmap[None] = namespace
    element = etree.Element(builder.tag(root), nsmap=nsmap)
    builder.fill(element, tree)
    etree.cleanup_namespaces(element)  # drop xmlns:xsi when nothing uses it
    return element, builder.problems


def serialize(element: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration, indented (same input, same bytes)."""
    body = etree.tostring(element, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def element_path(element: etree._Element) -> str:
    """``/incident/admin_info/ncaRefMultiDevLI[2]``: local names, with a
    1-based position where an element has same-named siblings."""
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


# -- validation ---------------------------------------------------------------------------
def _local(name: str | None) -> str:
    return (name or "").rsplit("}", 1)[-1].rsplit(":", 1)[-1]


@dataclass
class _Content:
    """What one complex type or group contains: child name -> required."""

    children: dict[str, bool] = field(default_factory=dict)
    refs: list[tuple[str, str, bool]] = field(default_factory=list)  # (kind, name, required)


def _scan(node: etree._Element, required: bool, into: _Content) -> None:
    for child in node:
        if not isinstance(child.tag, str):
            continue  # comments
        kind = etree.QName(child).localname
        needed = required and child.get("minOccurs") != "0"
        if kind == "element":
            name = child.get("name") or _local(child.get("ref"))
            into.children[name] = into.children.get(name, False) or needed
        elif kind in ("sequence", "all"):
            _scan(child, needed, into)
        elif kind == "choice":
            _scan(child, False, into)  # alternatives: none of them is required on its own
        elif kind == "group" and child.get("ref"):
            into.refs.append(("group", _local(child.get("ref")), needed))
        elif kind in ("complexContent", "extension"):
            if kind == "extension" and child.get("base"):
                into.refs.append(("type", _local(child.get("base")), required))
            _scan(child, required, into)
        elif kind == "restriction" and etree.QName(node).localname == "complexContent":
            _scan(child, required, into)  # a restriction restates the content it keeps


class _RequiredChildren:
    """Which child elements an element requires, from the schema files (best effort:
    element names are matched without regard to where they are declared)."""

    def __init__(self, main: Path) -> None:
        self.types: dict[str, _Content] = {}
        self.groups: dict[str, _Content] = {}
        self.anonymous: dict[str, _Content] = {}
        self.element_types: dict[str, set[str]] = {}
        for document in _schema_documents(main):
            self._read(document)

    def _read(self, document: etree._ElementTree) -> None:
        for node in document.iter(f"{{{_XSD}}}complexType", f"{{{_XSD}}}group", f"{{{_XSD}}}element"):
            kind = etree.QName(node).localname
            if kind == "element" and node.get("name"):
                if node.get("type"):
                    self.element_types.setdefault(node.get("name"), set()).add(_local(node.get("type")))
                inline = node.find(f"{{{_XSD}}}complexType")
                if inline is not None:
                    _scan(inline, True, self.anonymous.setdefault(node.get("name"), _Content()))
            elif kind in ("complexType", "group") and node.get("name"):
                table = self.types if kind == "complexType" else self.groups
                _scan(node, True, table.setdefault(node.get("name"), _Content()))

    def _children(self, content: _Content | None, seen: set[tuple[str, str]]) -> dict[str, bool]:
        if content is None:
            return {}
        result = dict(content.children)
        for kind, name, required in content.refs:
            if (kind, name) in seen:
                continue
            seen.add((kind, name))
            table = self.groups if kind == "group" else self.types
            for child, needed in self._children(table.get(name), seen).items():
                result[child] = result.get(child, False) or (needed and required)
        return result

    def required(self, element: str, candidates: Iterable[str]) -> list[str]:
        """The candidates that ``element`` requires."""
        children: dict[str, bool] = {}
        contents = [self.anonymous.get(element)]
        contents += [self.types.get(name) for name in sorted(self.element_types.get(element, ()))]
        for content in contents:
            for child, needed in self._children(content, set()).items():
                children[child] = children.get(child, False) or needed
        return [name for name in candidates if children.get(name)]


def _schema_documents(main: Path) -> list[etree._ElementTree]:
    """The schema file and the local files it includes or imports, each once."""
    documents: list[etree._ElementTree] = []
    todo, seen = [main.resolve()], set()
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        document = etree.parse(str(path), etree.XMLParser(no_network=True))
        documents.append(document)
        for node in document.iter(f"{{{_XSD}}}include", f"{{{_XSD}}}import", f"{{{_XSD}}}redefine"):
            location = node.get("schemaLocation")
            if location and "://" not in location:
                todo.append((path.parent / location).resolve())
    return documents


class XsdSchema:
    """One compiled XSD. Thread-safe: libxml2 validators keep per-run state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            document = etree.parse(str(path), etree.XMLParser(no_network=True))
            self._schema = etree.XMLSchema(document)
        except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
            raise ValueError(f"schema {path} is not a valid XSD: {exc}") from None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def _required(self) -> _RequiredChildren:
        return _RequiredChildren(self.path)

    def validate(self, root: etree._Element) -> list[Problem]:
        """Problems by XPath; empty when ``root`` is valid."""
        with self._lock:
            if self._schema.validate(root):
                return []
            entries = list(self._schema.error_log)[:MAX_PROBLEMS]
        namespace = etree.QName(root).namespace
        return [self._problem(root, entry.path, entry.message, namespace) for entry in entries]

    def _problem(
        self, root: etree._Element, where: str | None, message: str, namespace: str | None
    ) -> Problem:
        if namespace:
            message = message.replace(f"{{{namespace}}}", "")
        element = _find(root, where)
        if element is None:
            return Problem(where or "/", message)
        path = element_path(element)
        expected = _EXPECTED.search(message)
        if expected and ("This element is not expected" in message or "Missing child element" in message):
            parent = element if "Missing child element" in message else element.getparent()
            candidates = [_local(name.strip()) for name in expected.group(1).split(",")]
            required = self._required.required(etree.QName(parent).localname, candidates)
            if len(required) == 1 or len(candidates) == 1:
                return Problem(f"{element_path(parent)}/{(required or candidates)[0]}", message)
            return Problem(path, message)
        attribute = _MISSING_ATTRIBUTE.search(message) or _ON_ATTRIBUTE.search(message)
        if attribute:
            return Problem(f"{path}/@{_local(attribute.group(1))}", message)
        return Problem(path, message)


def _find(root: etree._Element, where: str | None) -> etree._Element | None:
    """The element at libxml2's error path (``/incident/admin_info``, ``/*/*[2]``)."""
    if not where:
        return None
    try:
        found = root.getroottree().xpath(where)
    except etree.XPathError:
        return None
    return found[0] if found and isinstance(found[0], etree._Element) else None


@lru_cache(maxsize=32)
def _load_cached(path: Path, _mtime_ns: int) -> XsdSchema:
    return XsdSchema(path)


def load_xsd(path: str | Path) -> XsdSchema:
    """Load and compile an XSD (cached per path and modification time);
    :class:`ValueError` if it is missing or does not compile."""
    resolved = Path(path).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except OSError:
        raise ValueError(f"schema {resolved} does not exist") from None
    return _load_cached(resolved, mtime)
