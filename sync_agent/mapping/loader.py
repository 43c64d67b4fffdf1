"""Loading and start-up checks of mapping files (see :mod:`sync_agent.mapping`).

Everything that can be wrong in a mapping file is found here, before the
agent claims its first event, and reported with the file and field: YAML
that is not plain data or repeats a key, a structure that breaks
``schemas/mapping.schema.json``, unknown transforms or bad arguments, and
source/target paths that the input/output schemas do not have.

Document mappings (a ``document:`` block, see :mod:`sync_agent.mapping.documents`)
are checked as far as their formats allow: XML targets must be well-formed
element/attribute paths (the XSD itself is checked per document, since the
report type may choose it), XLSX targets must be keys of the form, and the
schema files must exist and compile.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import SchemaPathError, TransformError
from . import xmldoc
from .documents import DocumentSpec, load_document_spec, origin_key
from .fieldpath import event_reader, parse_path, payload_reader
from .kinds import AnswerMapping, DocumentMapping, Mapping, PortalMapping
from .rules import DEFAULT_LIMITS, EVENT_FIELDS, DocumentLimits, Rule
from .schemas import FREE, LoadedSchema, load_schema
from .transforms import BoundTransform, bind

__all__ = ["load_file"]


class _Loader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys (the last one would win silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Compiler:
    """Turns one parsed mapping file into rules, collecting every problem."""

    def __init__(
        self,
        file: Path,
        input_schema: LoadedSchema | None,
        output_schema: LoadedSchema | None,
        kind: Literal["json", "xml", "xlsx"] = "json",
        form_keys: frozenset[str] = frozenset(),
    ) -> None:
        self.file, self.input_schema, self.output_schema = file, input_schema, output_schema
        self.kind, self.form_keys = kind, form_keys
        self.problems: list[str] = []

    def target_path(self, target: str, nested: bool) -> list[str]:
        """The target's segments; :class:`ValueError` naming what is wrong."""
        if self.kind == "xml":
            return xmldoc.parse_target(target)
        if self.kind == "xlsx":
            if nested or target not in self.form_keys:
                raise ValueError(f"{target!r} is not a key of the document's form")
            return [target]
        segments = parse_path(target)
        if any(isinstance(s, int) for s in segments):
            raise ValueError("target paths cannot index lists; use each")
        return [str(s) for s in segments]

    def problem(self, where: str, target: str, message: str) -> None:
        self.problems.append(f"{self.file.name}: {where} (target {target}): {message}")

    def rules(
        self,
        specs: list[dict[str, Any]],
        where: str,
        in_prefix: list[str | int] | None,
        out_prefix: list[str | int] | None,
        nested: bool = False,
    ) -> tuple[Rule, ...]:
        compiled: list[Rule] = []
        seen: set[str] = set()
        for index, spec in enumerate(specs):
            rule = self.rule(spec, f"{where}[{index}]", in_prefix, out_prefix, seen, nested)
            if rule is not None:
                compiled.append(rule)
        return tuple(compiled)

    def _check(
        self,
        schema: LoadedSchema | None,
        prefix: list[str | int] | None,
        segments: Sequence[str | int],
        where: str,
        target: str,
    ) -> Any:
        if schema is None or prefix is None:  # no schema, or inside an unchecked list
            return FREE
        segments = [*prefix, *segments]
        try:
            return schema.node(segments)
        except SchemaPathError as exc:
            self.problem(where, target, str(exc))
            return FREE

    def rule(
        self,
        spec: dict[str, Any],
        where: str,
        in_prefix: list[str | int] | None,
        out_prefix: list[str | int] | None,
        seen: set[str],
        nested: bool = False,
    ) -> Rule | None:
        target = spec["target"]
        ok = True
        try:
            target_path = self.target_path(target, nested)
        except ValueError as exc:
            self.problem(where, target, str(exc))
            return None
        if self.kind == "xml" and "const" in spec:
            for message in xmldoc.check_subtree(spec["const"], "const"):
                self.problem(where, target, message)
                ok = False
        if target in seen and not spec.get("append"):
            self.problem(where, target, "target set twice; add 'append: true' to concatenate lists")
            ok = False
        seen.add(target)
        self._check(self.output_schema, out_prefix, target_path, where, target)
        transforms: list[BoundTransform] = []
        for t_index, t_spec in enumerate(spec.get("transforms", [])):
            try:
                transforms.append(bind(t_spec))
            except TransformError as exc:
                self.problem(f"{where}.transforms[{t_index}]", target, str(exc))
                ok = False
        read, source_paths = self._reader(spec, where, target)
        if read is None:
            return None
        for segments in source_paths:
            self._check(self.input_schema, in_prefix, segments, where, target)
        each = None
        if "each" in spec:
            item_in = [*in_prefix, *source_paths[0], "[]"] if source_paths and in_prefix is not None else None
            item_out = [*out_prefix, *target_path, "[]"] if out_prefix is not None else None
            each = self.rules(spec["fields"], f"{where}.fields", item_in, item_out, nested=True)
        if not ok:
            return None
        origin = spec.get("source") or spec.get("each") or spec.get("sources") or "const"
        if self.kind == "json":
            label = f"{'.'.join(target_path)} <- {origin}"
        else:  # a document's problem path already names the target: say where the value comes from
            label = ", ".join(origin) if isinstance(origin, list) else str(origin)
        required, append = bool(spec.get("required")), bool(spec.get("append"))
        simple = not transforms and not required and each is None
        return Rule(
            tuple(target_path[:-1]),
            target_path[-1],
            label,
            read,
            tuple(transforms),
            required,
            append,
            each,
            simple,
        )

    def _reader(self, spec: dict[str, Any], where: str, target: str):
        if "const" in spec:
            const = spec["const"]
            if isinstance(const, (dict, list)):  # a fresh copy: later rules may add to a subtree
                return (lambda _data, _meta: copy.deepcopy(const)), []
            return (lambda _data, _meta: const), []
        texts: list[str] = spec["sources"] if "sources" in spec else [spec.get("source") or spec["each"]]
        getters: list[Callable[[dict[str, Any], dict[str, Any]], Any]] = []
        payload_paths: list[list[str | int]] = []
        for text in texts:
            try:
                if text.startswith("$event."):
                    name = text[len("$event.") :]
                    if name not in EVENT_FIELDS:
                        raise ValueError(
                            f"$event has no field {name!r} (known: {', '.join(sorted(EVENT_FIELDS))})"
                        )
                    getters.append(event_reader(name))
                    continue
                segments = parse_path(text)
            except ValueError as exc:
                self.problem(where, target, f"source: {exc}")
                return None, []
            getters.append(payload_reader(segments))
            payload_paths.append(segments)
        if "sources" in spec:
            return (lambda data, meta: [g(data, meta) for g in getters]), payload_paths
        return getters[0], payload_paths


def load_file(
    file: Path,
    meta_schema: LoadedSchema,
    problems: list[str],
    resolve: Callable[[str], Path] | None = None,
) -> Mapping | None:
    """Compile one mapping file, or add its problems to ``problems`` and
    return None. ``resolve`` finds the schema files it names (default: next
    to the file; :meth:`~sync_agent.mapping.registry.MappingRegistry.load` passes its
    layered lookup, so that a configured mapping can use a packaged schema)."""
    resolve = resolve or (lambda name: file.parent / name)
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{file.name}: not readable YAML: {exc}")
        return None
    errors = meta_schema.errors(data, limit=20)
    if errors:
        problems.extend(f"{file.name}: {path}: {message}" for path, message in errors)
        return None
    schemas: dict[str, LoadedSchema | None] = {"input_schema": None, "output_schema": None}
    for key in ("input_schema", "output_schema"):
        if key in data:
            try:
                schemas[key] = load_schema(resolve(data[key]))
            except ValueError as exc:
                problems.append(f"{file.name}: {key}: {exc}")
                return None
    if "document" in data:
        if "answers" in data:
            problems.append(f"{file.name}: answers: a document mapping has none (regulators do not answer)")
        return _load_document_mapping(file, data, schemas["input_schema"], problems, resolve)
    output = schemas["output_schema"]
    assert output is not None  # required by the mapping schema
    compiler = _Compiler(file, schemas["input_schema"], output)
    rules = compiler.rules(data["fields"], "fields", [], [])
    answers = _load_answers(file, data, output, compiler, resolve)
    if compiler.problems:
        problems.extend(compiler.problems)
        return None
    request = data["request"]
    return PortalMapping(
        name=data["name"],
        file=file,
        target=data["target"],
        event_types=tuple(data["event_types"]),
        payload_versions=tuple(data["payload_versions"]),
        input_schema=schemas["input_schema"],
        rules=rules,
        method=request.get("method", "POST"),
        path=request["path"],
        output_schema=output,
        limits=_limits(data, "portal"),
        answers=answers,
    )


def _load_answers(
    file: Path,
    data: dict[str, Any],
    document_schema: LoadedSchema,
    compiler: _Compiler,
    resolve: Callable[[str], Path],
) -> AnswerMapping | None:
    """The ``answers:`` block: rules from the partner's document (the mapping's
    output schema) to our answer structure; problems go to ``compiler``."""
    block = data.get("answers")
    if block is None:
        return None
    try:
        ours = load_schema(resolve(block["output_schema"]))
    except ValueError as exc:
        compiler.problems.append(f"{file.name}: answers.output_schema: {exc}")
        return None
    back = _Compiler(file, document_schema, ours)
    rules = back.rules(block["fields"], "answers.fields", [], [])
    compiler.problems.extend(back.problems)
    return AnswerMapping(data["name"], ours, rules)


def _load_document_mapping(
    file: Path,
    data: dict[str, Any],
    input_schema: LoadedSchema | None,
    problems: list[str],
    resolve: Callable[[str], Path],
) -> DocumentMapping | None:
    """A mapping with a ``document:`` block: its rules fill a file, not a JSON document."""
    count = len(problems)
    for key in ("output_schema", "request"):
        if key in data:
            problems.append(
                f"{file.name}: {key}: a document mapping has none (the document block says it all)"
            )
    spec, spec_problems = load_document_spec(file, data["document"], input_schema, resolve)
    problems.extend(spec_problems)
    if spec is None:
        return None
    compiler = _Compiler(file, input_schema, None, spec.format, frozenset(spec.form_keys))
    rules = compiler.rules(data["fields"], "fields", [], None)
    problems.extend(compiler.problems)
    if len(problems) > count:
        return None
    return DocumentMapping(
        name=data["name"],
        file=file,
        target=data["target"],
        event_types=tuple(data["event_types"]),
        payload_versions=tuple(data["payload_versions"]),
        input_schema=input_schema,
        rules=rules,
        document=replace(spec, origins=_origins(spec, data["fields"], compiler)),
        limits=_limits(data, "document"),
    )


def _limits(data: dict[str, Any], kind: str) -> DocumentLimits:
    """The mapping's ``limits:`` over the defaults of its kind (checked by the mapping schema)."""
    return DocumentLimits(**{**DEFAULT_LIMITS[kind], **data.get("limits", {})})


def _origins(spec: DocumentSpec, rules: list[dict[str, Any]], compiler: _Compiler) -> dict[str, str]:
    """Path filled -> the payload field(s) it comes from, for the top-level
    rules that read the payload (messages then say which datum to fix)."""
    origins: dict[str, str] = {}
    for rule in rules:
        source = rule.get("source") or ", ".join(rule.get("sources", []))
        if not source or "each" in rule:
            continue
        path = origin_key(spec.field_path(compiler.target_path(rule["target"], nested=False)))
        origins[path] = f"{origins[path]}, {source}" if path in origins else source
    return origins
