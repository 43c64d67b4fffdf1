"""Declarative mappings: outbox payload -> document a portal or regulator expects.

A mapping file (YAML, ``mappings/*.yaml``) lists ``target <- source`` field
rules with named transforms from the closed registry in
:mod:`sync_agent.transforms`. Formats change (a new Report8D or MIR version),
so a new format must be a new mapping file plus its schema, never new code;
and since mapping files are data, nothing in them is evaluated.

Everything that can be checked before the first event is checked at start-up
(:mod:`sync_agent.mapping_loader`), and every problem is reported with its
file and field: the file's structure, transform names and arguments, source
paths against the mapping's ``input_schema`` (the payload Odoo sends), target
paths against its ``output_schema`` (e.g. Report8D), and that no two
mappings claim the same (target, event type).

The standard mappings ship inside the package (:func:`packaged_mappings_dir`);
a configured directory is laid over them (:meth:`MappingRegistry.load`).

At run time, :meth:`DocumentMapping.render` builds the document and validates
it against the output schema; when that fails, the payload is checked against
the input schema to name the root cause. A failure names the JSON path and is
permanent for that event.

A mapping with a ``document:`` block renders a file for a regulator instead
(an XML report checked against the regulator's XSD, or an XLSX form whose
values are checked against a JSON Schema): :meth:`DocumentMapping.render_document`
returns a :class:`RenderedDocument`, or raises :class:`DocumentInvalid` whose
``problems`` say where (XPath, JSON path or form key) and what, so that Odoo
can show them on the report (see :mod:`sync_agent.documents`).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .models import OutboxEvent, encode_json
from .schemas import LoadedSchema, load_schema
from .transforms import BoundTransform, TransformError, short_repr

if TYPE_CHECKING:  # documents builds on this module's types
    from .documents import DocumentSpec

__all__ = [
    "MAPPING_SCHEMA",
    "AnswerMapping",
    "DEFAULT_LIMITS",
    "DocumentInvalid",
    "DocumentLimits",
    "DocumentMapping",
    "MappingError",
    "MappingFileError",
    "MappingRegistry",
    "PayloadInvalid",
    "Problem",
    "RenderedDocument",
    "RuleError",
    "packaged_mappings_dir",
]

#: Where the schema of mapping files lives, relative to the mappings directory.
MAPPING_SCHEMA: Final = "schemas/mapping.schema.json"
#: Envelope fields a rule can read as ``$event.<name>``.
EVENT_FIELDS: Final = frozenset(OutboxEvent.model_fields) - {"payload"}
#: Folder of the standard mappings inside the installed package.
PACKAGED_DIR: Final = "_mappings"

#: Default limits of a rendered document, per kind of target (a mapping's ``limits:`` overrides them).
#: Portal JSON: 512 KiB, half the request body nginx and most API gateways accept by default
#: (1 MiB); regulator files: 10 MiB, far above any real report (an eMDR or MIR is tens of KiB)
#: and below what the regulators' gateways take. Strings: 20,000 characters, the longest
#: free text (a narrative, a root cause) our payload schemas allow.
DEFAULT_LIMITS: Final = {
    "portal": {"max_document_bytes": 512 * 1024, "max_string_length": 20_000},
    "document": {"max_document_bytes": 10 * 1024 * 1024, "max_string_length": 20_000},
}

_log = logging.getLogger("sync_agent.mapping")


def packaged_mappings_dir() -> Path:
    """The standard mappings and their schemas, as shipped with the agent.

    In a wheel they are package data, ``sync_agent/_mappings`` (pyproject.toml
    builds the repository's ``mappings/`` in under that name), found with
    :mod:`importlib.resources` so that no install prefix is guessed. In a
    source checkout or an editable install that folder does not exist, and the
    repository's ``mappings/`` beside the package is the same content. The
    agent needs a real directory (an XSD includes its neighbours by relative
    path), which every unpacked install provides; a zipped one does not.
    """
    packaged = importlib.resources.files(__package__ or "sync_agent").joinpath(PACKAGED_DIR)
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "mappings"
    if checkout.is_dir():
        return checkout
    raise MappingFileError(
        [
            f"the standard mappings are not installed ({packaged} is not a directory): reinstall the "
            "agent from its wheel, or set agent.mappings_dir with agent.packaged_mappings = false"
        ]
    )


def _resolver(layers: Sequence[Path]) -> Callable[[str], Path]:
    """Find a path relative to the mappings: in the highest layer that has it
    (the configured directory before the packaged one); where none has it, in
    the highest layer, so that the error names where to put it."""

    def resolve(relative: str) -> Path:
        for layer in reversed(layers):
            candidate = layer / relative
            if candidate.exists():
                return candidate
        return layers[-1] / relative

    return resolve


class MappingFileError(Exception):
    """One or more mapping files are invalid; ``problems`` names file and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid mapping file(s):\n" + "\n".join(f"  - {p}" for p in problems))


class MappingError(Exception):
    """An event cannot be turned into a document. Permanent: retrying the same
    payload with the same mapping gives the same result."""


class RuleError(MappingError):
    """One rule could not produce its value (a transform refused it).

    ``target`` is the rule's target path as segments (list items as
    ``name[i]``), so that a document mapping can name the element it would
    have filled.
    """

    def __init__(self, message: str, target: tuple[str, ...]) -> None:
        super().__init__(message)
        self.target = target


class PayloadInvalid(MappingError):
    """The outbox payload does not match the mapping's input schema."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a document cannot be delivered: where and what.

    ``path`` is the XPath of an XML element (``/incident/admin_info/ncaReportNo``),
    the JSON path of a payload or document field (``$.payload.manufacturer.city``)
    or a form field (``/registration_no``); Odoo shows path and message on the report.
    """

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The shape Odoo's ``sync_report_invalid`` takes."""
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DocumentInvalid(MappingError):
    """The document does not match its schema, or cannot be built from the
    payload; ``problems`` lists every reason found (at least one)."""

    def __init__(
        self, message: str, json_path: str | None = None, *, problems: Sequence[Problem] | None = None
    ) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems) if problems else [Problem(json_path or "", message)]
        self.json_path = json_path if json_path is not None else self.problems[0].path

    @classmethod
    def of(cls, about: str, problems: Sequence[Problem]) -> DocumentInvalid:
        """``about: path: message; path: message`` (every problem named)."""
        return cls(f"{about}: " + "; ".join(map(str, problems)), problems=problems)


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


@dataclass(frozen=True, slots=True)
class Rule:
    parents: tuple[str, ...]  # target path without its last name
    last: str
    label: str  # "target <- source", for error messages
    read: Callable[[dict[str, Any], dict[str, Any]], Any]  # (payload or item, event fields)
    transforms: tuple[BoundTransform, ...]
    required: bool
    append: bool
    each: tuple[Rule, ...] | None
    simple: bool = False  # only read and set: the common case, kept on a fast path


def _render(rules: Sequence[Rule], data: dict[str, Any], meta: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    nodes: dict[tuple[str, ...], dict[str, Any]] = {(): out}  # parent objects made so far
    for rule in rules:
        value = rule.read(data, meta)
        if not rule.simple:
            value = _finish(rule, value, meta, where)
        if value is None:
            continue
        node = nodes.get(rule.parents)
        if node is None:
            node = out
            for part in rule.parents:
                node = node.setdefault(part, {})
            nodes[rule.parents] = node
        if rule.append and isinstance(node.get(rule.last), list):
            node[rule.last] = node[rule.last] + (value if isinstance(value, list) else [value])
        else:
            node[rule.last] = value
    return out


def _finish(rule: Rule, value: Any, meta: dict[str, Any], where: str) -> Any:
    """The slow path of a rule: list items, transforms, required check."""
    if rule.each is not None and value is not None:
        if not isinstance(value, list):
            raise RuleError(
                f"{where}{rule.label}: expected a list, got {type(value).__name__}",
                (*rule.parents, rule.last),
            )
        items = []
        for i, item in enumerate(value):
            target = (*rule.parents, f"{rule.last}[{i}]")
            if not isinstance(item, dict):
                raise RuleError(
                    f"{where}{rule.label}[{i}]: expected an object, got {type(item).__name__}", target
                )
            try:
                items.append(_render(rule.each, item, meta, ""))
            except MappingError as exc:
                inner = exc.target if isinstance(exc, RuleError) else ()
                raise RuleError(f"{where}{rule.label}[{i}] / {exc}", (*target, *inner)) from None
        value = items
    for transform in rule.transforms:
        if value is None and not transform.handles_none:
            continue  # empty stays empty (only ``default`` fills it)
        try:
            value = transform.apply(value, transform.arg)
        except TransformError as exc:
            raise RuleError(f"{where}{rule.label}: {exc}", (*rule.parents, rule.last)) from None
        except (ArithmeticError, ValueError, TypeError, LookupError) as exc:
            # A value no transform foresaw: still a permanent error naming field, value and rule.
            raise RuleError(
                f"{where}{rule.label}: transform {transform.name} cannot handle {short_repr(value)}: "
                f"{type(exc).__name__}: {exc}",
                (*rule.parents, rule.last),
            ) from None
    if value is None and rule.required:
        raise RuleError(f"{where}{rule.label}: required value is empty", (*rule.parents, rule.last))
    return value


def _strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string of a rendered document with its path (list items as ``name[i]``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            last = f"{path[-1]}[{index}]" if path else f"[{index}]"
            yield from _strings(item, (*path[:-1], last))


def _json_path(segments: Sequence[str]) -> str:
    return "$" + "".join(f".{segment}" for segment in segments)


@dataclass(frozen=True)
class DocumentLimits:
    """How large a rendered document and each of its strings may be (see :data:`DEFAULT_LIMITS`)."""

    max_document_bytes: int
    max_string_length: int

    def problems(
        self, tree: dict[str, Any], size: int | None, where: Callable[[tuple[str, ...]], str]
    ) -> list[Problem]:
        """Strings over the limit, by path; or a document over its size, naming its largest field.
        ``size`` None: the document is not serialised yet (strings checked only)."""
        found = [
            Problem(
                where(path),
                f"is {len(text)} characters long, more than the limit of {self.max_string_length}",
            )
            for path, text in _strings(tree)
            if len(text) > self.max_string_length
        ]
        if found or size is None or size <= self.max_document_bytes:
            return found
        path, text = max(_strings(tree), key=lambda item: len(item[1].encode("utf-8")), default=((), ""))
        return [
            Problem(
                where(path),
                f"the document is {size} bytes, more than the limit of {self.max_document_bytes}; "
                f"its largest field, here, holds {len(text.encode('utf-8'))} bytes",
            )
        ]


@dataclass(frozen=True)
class AnswerMapping:
    """The ``answers:`` block of a portal mapping: the partner's answer document
    (e.g. one Report8D step) -> our answer structure, the way back of the
    mapping's format (Report8D cause codes -> cause kind and level)."""

    name: str
    output_schema: LoadedSchema
    rules: tuple[Rule, ...]

    def read(self, document: dict[str, Any]) -> dict[str, Any]:
        """Our structure of ``document``, validated; :class:`MappingError` naming the field."""
        result = _render(self.rules, document, {}, f"mapping {self.name}, answers field ")
        problems = self.output_schema.errors(result)
        if problems:
            raise MappingError(
                f"mapping {self.name}: the answer does not give {self.output_schema.title}: "
                + "; ".join(f"{path}: {message}" for path, message in problems)
            )
        return result


@dataclass(frozen=True)
class DocumentMapping:
    """One compiled mapping file: a JSON document for a portal (``output_schema``,
    ``method`` and ``path``), or a file for a regulator (``document``)."""

    name: str
    file: Path
    target: str
    event_types: tuple[str, ...]
    payload_versions: tuple[int, ...]
    method: str  # "" for a document mapping
    path: str  # "" for a document mapping
    input_schema: LoadedSchema | None
    output_schema: LoadedSchema | None  # None for a document mapping
    rules: tuple[Rule, ...]
    document: DocumentSpec | None = None
    limits: DocumentLimits = DocumentLimits(**DEFAULT_LIMITS["portal"])
    answers: AnswerMapping | None = None  # how the partner's answers come back, if it answers

    @property
    def is_document(self) -> bool:
        """True if this mapping renders a file (see :meth:`render_document`)."""
        return self.document is not None

    def _check_version(self, event: OutboxEvent) -> None:
        if event.payload_version not in self.payload_versions:
            supported = ", ".join(map(str, self.payload_versions))
            raise MappingError(
                f"mapping {self.name}: payload_version {event.payload_version} is not supported ({supported})"
            )

    def render(self, event: OutboxEvent) -> dict[str, Any]:
        """Map the payload and validate the document against the output schema.

        The payload is checked against the input schema only when something
        went wrong (it then names the root cause, e.g. ``$.payload.scar``);
        on the happy path the output check alone guards what is sent.
        """
        if self.output_schema is None:
            raise MappingError(f"mapping {self.name} renders a file: use render_document()")
        self._check_version(event)
        try:
            meta = {name: getattr(event, name) for name in EVENT_FIELDS}
            document = _render(self.rules, event.payload, meta, f"mapping {self.name}, field ")
            too_large = self.limits.problems(document, len(encode_json(document)), _json_path)
            if too_large:
                raise DocumentInvalid.of(f"mapping {self.name}: document too large, nothing sent", too_large)
            problems = self.output_schema.errors(document)
            if problems:
                path, message = problems[0]
                more = "; ".join(f"{p}: {m}" for p, m in problems[1:])
                raise DocumentInvalid(
                    f"rendered document does not match {self.output_schema.title}: {path}: {message}"
                    + (f"; {more}" if more else ""),
                    json_path=path,
                    problems=[Problem(p, m) for p, m in problems],
                )
        except MappingError as exc:
            self._explain_payload(event, exc)
            raise
        return document

    def render_document(self, event: OutboxEvent) -> RenderedDocument:
        """Render the file of a document mapping, validated, with its file name.

        Unlike :meth:`render`, the payload is checked against the input schema
        first: a report is rendered rarely, and a person in Odoo must be told
        which datum is missing (``$.payload.manufacturer.city``), not which
        element of the regulator's format ended up empty. Every failure is a
        :class:`DocumentInvalid` naming where, except an unsupported payload
        version (a plain :class:`MappingError`).
        """
        spec = self.document
        if spec is None:
            raise MappingError(f"mapping {self.name} renders a JSON document: use render()")
        self._check_version(event)
        if self.input_schema is not None:
            found = self.input_schema.errors(event.payload, limit=20, name_missing=True)
            if found:
                raise DocumentInvalid.of(
                    f"mapping {self.name}: payload does not match {self.input_schema.path.name}",
                    [Problem(path.replace("$", "$.payload", 1), message) for path, message in found],
                )
        meta = {name: getattr(event, name) for name in EVENT_FIELDS}
        try:
            tree = _render(self.rules, event.payload, meta, "")  # the problem's path names the field
        except RuleError as exc:
            raise DocumentInvalid.of(f"mapping {self.name}", [Problem(spec.field_path(exc.target), str(exc))])
        about = f"mapping {self.name}: document too large, nothing written"
        too_long = self.limits.problems(tree, None, spec.field_path)
        if too_long:
            raise DocumentInvalid.of(about, too_long)
        rendered = spec.render(tree, event.payload, about=f"mapping {self.name}")
        too_large = self.limits.problems(tree, len(rendered.content), spec.field_path)
        if too_large:
            raise DocumentInvalid.of(about, too_large)
        return rendered

    def _explain_payload(self, event: OutboxEvent, cause: MappingError) -> None:
        """Raise :class:`PayloadInvalid` if the payload breaks the input schema."""
        if self.input_schema is None:
            return
        problems = self.input_schema.errors(event.payload)
        if problems:
            path, message = problems[0]
            raise PayloadInvalid(
                f"payload does not match {self.input_schema.path.name}: {path.replace('$', '$.payload', 1)}: "
                f"{message}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else "") + f" [{cause}]"
            ) from None


class MappingRegistry:
    """All loaded mappings, routed by (target, event type). Where two mappings
    serve the same route, the later one in ``mappings`` has it (a configured
    mapping over a packaged one, see :meth:`load`)."""

    def __init__(self, mappings: Sequence[DocumentMapping], layers: Sequence[Path] = ()) -> None:
        self._routes = {(m.target, t): m for m in mappings for t in m.event_types}
        serving = {id(m) for m in self._routes.values()}
        self.mappings = tuple(m for m in mappings if id(m) in serving)
        #: The directories the mappings came from, lowest priority first.
        self.layers = tuple(layers)

    @property
    def targets(self) -> list[str]:
        return sorted({m.target for m in self.mappings})

    def answers_for(self, target: str) -> AnswerMapping | None:
        """How the answers of ``target``'s partner are read (the ``answers:`` block of
        the mapping serving it), or None when no mapping of the target has one."""
        return next((m.answers for m in self._routes.values() if m.target == target and m.answers), None)

    @property
    def document_targets(self) -> list[str]:
        """Targets served by a file for a regulator (written to the submission folder)."""
        return sorted({m.target for m in self.mappings if m.is_document})

    def for_event(self, event: OutboxEvent) -> DocumentMapping:
        """The mapping for ``event`` or a permanent :class:`MappingError`."""
        mapping = self._routes.get((event.target, event.event_type))
        if mapping is None:
            raise MappingError(f"no mapping for target {event.target!r} and event type {event.event_type!r}")
        return mapping

    def resolve(self, relative: str) -> Path:
        """A file named relative to the mappings (e.g. ``portal.answers_schema``),
        looked up as the mapping files' own schemas are."""
        if not self.layers:
            raise ValueError("this registry was not loaded from a directory")
        return _resolver(self.layers)(relative)

    @classmethod
    def load_dir(cls, directory: str | Path) -> MappingRegistry:
        """Load, check and compile every ``*.yaml`` file of ``directory`` alone."""
        return cls._load_layers([Path(directory)])

    @classmethod
    def load(cls, directory: str | Path | None = None, *, packaged: bool = True) -> MappingRegistry:
        """The agent's mappings: the packaged standard ones, with ``directory``
        (the configured ``agent.mappings_dir``) laid over them.

        Overlay, so that a site keeps only what it changes and still gets the
        standard mappings' fixes with each release: a file of ``directory``
        replaces the packaged file of the same name; a mapping of ``directory``
        takes over every (target, event type) that a packaged mapping also
        serves (the packaged one keeps the routes nobody took, and drops out
        when it has none left); every other file adds routes. A schema or other
        file a mapping names is looked up in ``directory`` first, then among
        the packaged files. ``packaged=False`` loads ``directory`` alone (e.g.
        an agent meant to serve the supplier portal only).
        """
        layers = [packaged_mappings_dir()] if packaged else []
        if directory is not None:
            overlay = Path(directory)
            if not overlay.is_dir():  # else a mistyped path would silently leave the packaged ones alone
                raise MappingFileError([f"mappings directory {overlay} does not exist or is no directory"])
            if not layers or overlay.resolve() != layers[0].resolve():
                layers.append(overlay)
        if not layers:
            raise MappingFileError(
                ["no mappings to load: set agent.mappings_dir, or leave agent.packaged_mappings on"]
            )
        return cls._load_layers(layers)

    @classmethod
    def _load_layers(cls, layers: list[Path]) -> MappingRegistry:
        """Load the mapping files of ``layers`` (lowest priority first): every
        problem of every file is collected, then all are raised at once."""
        from .mapping_loader import load_file  # the loader builds on this module's types

        resolve = _resolver(layers)
        try:
            meta_schema = load_schema(resolve(MAPPING_SCHEMA))
        except ValueError as exc:
            raise MappingFileError([str(exc)]) from None
        files = [_mapping_files(layer) for layer in layers]
        for index, layer_files in enumerate(files):  # a file of a higher layer replaces its namesake
            above = {f.name for higher in files[index + 1 :] for f in higher}
            replaced = [f for f in layer_files if f.name in above]
            for file in replaced:
                _log.info("mapping file replaced by the configured one", extra={"file": str(file)})
            files[index] = [f for f in layer_files if f.name not in above]
        if not any(files):
            raise MappingFileError([f"no mapping files (*.yaml) in {' or '.join(map(str, layers))}"])
        problems: list[str] = []
        mappings: list[DocumentMapping] = []
        for layer_files in files:
            loaded = [m for m in (load_file(f, meta_schema, problems, resolve) for f in layer_files) if m]
            problems.extend(_clashes(loaded))
            for mapping in loaded:
                for event_type in mapping.event_types:
                    route = (mapping.target, event_type)
                    taken = [m.file.name for m in mappings if route in _routes_of(m)]
                    if taken:
                        _log.info(
                            "packaged mapping overridden",
                            extra={
                                "target": route[0],
                                "event_type": event_type,
                                "file": ", ".join(taken),
                                "by": str(mapping.file),
                            },
                        )
            mappings.extend(loaded)
        if problems:
            raise MappingFileError(problems)
        return cls(mappings, layers)


def _mapping_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))


def _routes_of(mapping: DocumentMapping) -> set[tuple[str, str]]:
    return {(mapping.target, event_type) for event_type in mapping.event_types}


def _clashes(mappings: Sequence[DocumentMapping]) -> list[str]:
    """Two files of one directory claiming the same route: which should win is
    nobody's guess, so that stays an error."""
    problems: list[str] = []
    owners: dict[tuple[str, str], str] = {}
    for mapping in mappings:
        for event_type in mapping.event_types:
            key = (mapping.target, event_type)
            if key in owners:
                problems.append(
                    f"{mapping.file.name}: target {key[0]} event type {event_type} "
                    f"is already mapped by {owners[key]}"
                )
            owners[key] = mapping.file.name
    return problems
