"""The ``document:`` block of a mapping file: a file for a regulator.

Regulators take files, not JSON posts: the EU MIR and FDA eMDR are XML
validated against the regulator's XSD, the China NMPA form is a printable
XLSX. A document mapping uses the same rule language as a portal mapping;
this module adds what a file needs and checks all of it at start-up:

* ``format``: ``xml`` (rules build the element tree, see :mod:`sync_agent.mapping.xmldoc`)
  or ``xlsx`` (rules build a flat ``{form key: value}`` dict, checked against
  a JSON Schema and laid out in ``form`` order on ``sheet`` by
  :func:`sync_agent.mapping.xlsx_form.render_form_xlsx`);
* ``file_name``: a template with ``{payload.path}`` placeholders. The result
  is a deterministic, safe single file name (no directories, no hidden
  files), so a re-rendered report replaces its previous file;
* ``schema``: ``path: FILE``, or ``by: payload.path`` with ``cases: {value:
  FILE}`` where the report type chooses the schema (MIR has one XSD per type).

A new form version is a new mapping file and its schema files, no code.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from ..errors import DocumentInvalid, Problem, SchemaPathError
from . import xmldoc
from .fieldpath import getter, parse_path
from .schemas import LoadedSchema, load_schema

__all__ = [
    "MEDIA_TYPES",
    "DocumentSpec",
    "RenderedDocument",
    "FileNameTemplate",
    "SchemaChoice",
    "load_document_spec",
    "origin_key",
    "safe_file_name",
]

MEDIA_TYPES: Final = {
    "xml": "application/xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Longest file name most file systems take (bytes, UTF-8).
MAX_FILE_NAME_BYTES: Final = 255

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_UNSAFE = re.compile(r"[^\w.\-]+")  # \w: letters and digits of any script, and "_"
_FORM_FIELD = re.compile(r"^form field '([^']+)'")
_FIRST = re.compile(r"\[1\](?=/|$)")

Schema = xmldoc.XsdSchema | LoadedSchema


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A valid file for a regulator, ready to be written and reported to Odoo."""

    file_name: str
    content: bytes
    media_type: str
    sha256: str

    @classmethod
    def of(cls, file_name: str, content: bytes, media_type: str) -> RenderedDocument:
        return cls(file_name, content, media_type, hashlib.sha256(content).hexdigest())


def safe_file_name(text: str) -> str:
    """``text`` as one safe file name: runs of anything but letters, digits,
    ``_``, ``.`` and ``-`` become ``_`` (so no ``/``, no spaces, no control
    characters), no leading ``.``/``-`` (hidden files, options), at most
    :data:`MAX_FILE_NAME_BYTES`, keeping the extension. May be empty."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).lstrip("._-").rstrip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 16:
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    while len((stem + suffix).encode("utf-8")) > MAX_FILE_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix if stem else ""


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class FileNameTemplate:
    """``{report.name}_MIR_{report.report_type}.xml`` with its placeholders compiled."""

    text: str
    fields: Mapping[str, Callable[[Any], Any]]  # placeholder -> reader of the payload

    def render(self, payload: dict[str, Any]) -> tuple[str, list[Problem]]:
        """The sanitised file name, and what is missing for it."""
        problems: list[Problem] = []

        def substitute(match: re.Match[str]) -> str:
            value = self.fields[match.group(1)](payload)
            if value is None or value == "" or isinstance(value, (dict, list)):
                problems.append(
                    Problem(
                        f"$.payload.{match.group(1)}",
                        f"needed for the file name {self.text!r}, got {value!r}",
                    )
                )
                return ""
            return _UNSAFE.sub("_", _scalar_text(value))

        name = safe_file_name(_PLACEHOLDER.sub(substitute, self.text))
        if not name and not problems:
            problems.append(Problem("", f"the file name {self.text!r} is empty once made safe"))
        return name, problems


@dataclass(frozen=True)
class SchemaChoice:
    """One schema, or one per value of a payload field (``by``)."""

    by: str | None
    read: Callable[[Any], Any] | None
    cases: Mapping[str, Schema]  # {"": schema} without ``by``

    def pick(self, payload: dict[str, Any]) -> tuple[Schema | None, Problem | None]:
        if self.read is None:
            return self.cases[""], None
        value = self.read(payload)
        key = None if value is None else _scalar_text(value)
        if key in self.cases:
            return self.cases[key], None
        known = ", ".join(sorted(self.cases))
        return None, Problem(f"$.payload.{self.by}", f"no schema for {value!r} (known: {known})")


@dataclass(frozen=True)
class DocumentSpec:
    """A compiled ``document:`` block."""

    format: Literal["xml", "xlsx"]
    file_name: FileNameTemplate
    schema: SchemaChoice
    root: str = ""
    namespace: str | None = None
    sheet: str = ""
    form: tuple[dict[str, Any], ...] = ()
    #: Where rules take their values from, by the path of what they fill (for messages).
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def form_keys(self) -> list[str]:
        """The xlsx form's field keys, in form order."""
        return [f["key"] for section in self.form for f in section.get("fields", []) if isinstance(f, dict)]

    def field_path(self, segments: Sequence[str]) -> str:
        """What a rule target fills: ``/incident/admin_info/ncaReportNo``
        (XPath, 1-based positions) or ``/patient_code`` (form key)."""
        if self.format == "xlsx":
            return "/" + ".".join(segments)
        parts = [self.root]
        for segment in segments:
            if segment == "#text":
                continue
            # "subjectOf[1][0]": item 0 of a list rule whose target is the second subjectOf.
            name, bracket, indexes = segment.partition("[")
            position = sum(int(index) for index in indexes.rstrip("]").split("][")) if bracket else None
            parts.append(f"{name}[{position + 1}]" if bracket else name)
        return "/" + "/".join(parts)

    def render(self, tree: dict[str, Any], payload: dict[str, Any], *, about: str) -> RenderedDocument:
        """Build, validate and name the file; :class:`DocumentInvalid` lists
        every problem found (nothing is written by the caller then)."""
        schema, choice_problem = self.schema.pick(payload)
        file_name, problems = self.file_name.render(payload)
        if choice_problem is not None:
            problems.insert(0, choice_problem)
        content, found = None, []
        if schema is not None:
            content, found = self._xml(tree, schema) if self.format == "xml" else self._xlsx(tree, schema)
        problems = [self._explain(p) for p in found] + problems
        if problems or content is None:
            raise DocumentInvalid.of(about, problems or [Problem("", "no document")])
        return RenderedDocument.of(file_name, content, self.media_type)

    def _xml(self, tree: dict[str, Any], schema: Schema) -> tuple[bytes | None, list[Problem]]:
        element, problems = xmldoc.build(tree, self.root, self.namespace)
        if not problems and isinstance(schema, xmldoc.XsdSchema):
            problems = schema.validate(element)
        return (None if problems else xmldoc.serialize(element)), problems

    def _xlsx(self, values: dict[str, Any], schema: Schema) -> tuple[bytes | None, list[Problem]]:
        if isinstance(schema, LoadedSchema):
            found = schema.errors(values, limit=xmldoc.MAX_PROBLEMS, name_missing=True)
            if found:
                return None, [Problem(_form_path(path), message) for path, message in found]
        writer = importlib.import_module("sync_agent.mapping.xlsx_form").render_form_xlsx
        try:
            return writer(copy.deepcopy(list(self.form)), values, self.sheet), []
        except ValueError as exc:  # a value the form cannot show, naming its key
            match = _FORM_FIELD.match(str(exc))
            return None, [Problem(f"/{match.group(1)}" if match else "", str(exc))]

    def _explain(self, problem: Problem) -> Problem:
        origin = self.origins.get(origin_key(problem.path))
        return Problem(problem.path, f"{problem.message} [mapped from {origin}]") if origin else problem


def origin_key(path: str) -> str:
    """A path as :attr:`DocumentSpec.origins` keys it: ``a[1]`` (the first of
    several siblings) is ``a``, the element a rule without an index fills."""
    return _FIRST.sub("", path)


def _form_path(json_path: str) -> str:
    """``$.patient_code`` -> ``/patient_code``; ``$`` -> ``/``; ``""`` (a count of more) stays."""
    if not json_path:
        return ""
    return "/" + json_path[2:] if json_path.startswith("$.") else "/"


# -- start-up: compile and check a document block ------------------------------------------
def load_document_spec(
    file: Path,
    block: dict[str, Any],
    input_schema: LoadedSchema | None,
    resolve: Callable[[str], Path] | None = None,
) -> tuple[DocumentSpec | None, list[str]]:
    """Compile a ``document:`` block (already checked against the mapping
    file schema), or return every problem, each naming file and field.
    ``resolve`` finds a schema named in the block (default: next to ``file``;
    see :meth:`sync_agent.mapping.registry.MappingRegistry.load` for the layered lookup)."""
    resolve = resolve or (lambda name: file.parent / name)
    where = f"{file.name}: document"
    problems: list[str] = []
    fmt = block["format"]
    for key, only in (("root", "xml"), ("namespace", "xml"), ("sheet", "xlsx"), ("form", "xlsx")):
        if key in block and fmt != only:
            problems.append(f"{where}.{key}: only a {only} document has one")
    template = _file_name(block["file_name"], input_schema, f"{where}.file_name", problems)
    choice = _schema_choice(resolve, fmt, block["schema"], input_schema, f"{where}.schema", problems)
    spec = None
    if template is not None and choice is not None:
        spec = DocumentSpec(
            format=fmt,
            file_name=template,
            schema=choice,
            root=block.get("root", ""),
            namespace=block.get("namespace"),
            sheet=block.get("sheet", ""),
            form=tuple(block.get("form", ())),
        )
    if spec is not None and fmt == "xlsx":
        _check_form(spec, f"{where}.form", problems)
    return (None if problems else spec), problems


def _check_input_path(input_schema: LoadedSchema | None, text: str, where: str, problems: list[str]) -> Any:
    """Parse a payload path and look it up in the input schema (the node, or None)."""
    try:
        segments = parse_path(text)
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
        return None
    if input_schema is None:
        return None
    try:
        return input_schema.node(segments)
    except SchemaPathError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _file_name(
    text: str, input_schema: LoadedSchema | None, where: str, problems: list[str]
) -> FileNameTemplate | None:
    literal = _PLACEHOLDER.sub("", text)
    if "{" in literal or "}" in literal:
        problems.append(f"{where}: unbalanced brace in {text!r}; placeholders are {{payload.path}}")
        return None
    fields: dict[str, Callable[[Any], Any]] = {}
    count = len(problems)
    for placeholder in _PLACEHOLDER.findall(text):
        _check_input_path(input_schema, placeholder, f"{where} {{{placeholder}}}", problems)
        if len(problems) == count:
            fields[placeholder] = getter(parse_path(placeholder))
    if not safe_file_name(_PLACEHOLDER.sub("x", text)):
        problems.append(f"{where}: {text!r} makes no usable file name")
    return FileNameTemplate(text, fields) if len(problems) == count else None


def _load_schema_file(
    resolve: Callable[[str], Path], fmt: str, name: str, where: str, problems: list[str]
) -> Schema | None:
    suffix = ".xsd" if fmt == "xml" else ".json"
    if not name.endswith(suffix):
        problems.append(f"{where}: {name!r}: a {fmt} document is checked against a {suffix} schema")
        return None
    try:
        return xmldoc.load_xsd(resolve(name)) if fmt == "xml" else load_schema(resolve(name))
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _schema_choice(
    resolve: Callable[[str], Path],
    fmt: str,
    block: dict[str, Any],
    input_schema: LoadedSchema | None,
    where: str,
    problems: list[str],
) -> SchemaChoice | None:
    count = len(problems)
    if "path" in block:
        schema = _load_schema_file(resolve, fmt, block["path"], f"{where}.path", problems)
        return SchemaChoice(None, None, {"": schema}) if schema is not None else None
    by = block["by"]
    node = _check_input_path(input_schema, by, f"{where}.by", problems)
    cases: dict[str, Schema] = {}
    for value, name in block["cases"].items():
        schema = _load_schema_file(resolve, fmt, name, f"{where}.cases.{value}", problems)
        if schema is not None:
            cases[_scalar_text(value)] = schema
    allowed = node.get("enum") if isinstance(node, dict) else None
    if isinstance(allowed, list):
        known = {_scalar_text(v) for v in allowed if v is not None}
        for value in sorted(set(cases) - known):
            problems.append(f"{where}.cases.{value}: not a value of {by} (known: {', '.join(sorted(known))})")
    if len(problems) > count:
        return None
    return SchemaChoice(by, getter(parse_path(by)), cases)


def _check_form(spec: DocumentSpec, where: str, problems: list[str]) -> None:
    """Let the XLSX writer lay out an empty form once: a malformed form or
    sheet name stops the agent at start-up, not at the first report."""
    try:
        writer = importlib.import_module("sync_agent.mapping.xlsx_form").render_form_xlsx
        writer(copy.deepcopy(list(spec.form)), {}, spec.sheet)
    except ImportError as exc:
        problems.append(f"{where}: the XLSX writer is not available: {exc}")
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
