"""Compiled mappings, one kind per kind of output.

A mapping file either feeds a supplier portal (a ``request:`` block and an
``output_schema``: the agent posts JSON) or a regulator (a ``document:``
block: the agent writes a file). The two share the rule language and the
routing, and nothing else: a portal mapping has a method, a path and a JSON
Schema to check what is sent; a document mapping has a file format, a file
name and the regulator's XSD or form schema. So each is a type of its own,
:class:`PortalMapping` and :class:`DocumentMapping`, with only the fields it
uses, rather than one type whose unused fields are left empty; the loader
(:mod:`sync_agent.mapping.loader`) builds the one the file's blocks ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import DocumentInvalid, MappingError, PayloadInvalid, Problem, RuleError
from ..outbox.models import OutboxEvent, encode_json
from .documents import DocumentSpec, RenderedDocument
from .rules import DEFAULT_LIMITS, EVENT_FIELDS, DocumentLimits, Rule, json_path, render_tree
from .schemas import LoadedSchema

__all__ = ["AnswerMapping", "DocumentMapping", "Mapping", "PortalMapping"]


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
        result = render_tree(self.rules, document, {}, f"mapping {self.name}, answers field ")
        problems = self.output_schema.errors(result)
        if problems:
            raise MappingError(
                f"mapping {self.name}: the answer does not give {self.output_schema.title}: "
                + "; ".join(f"{path}: {message}" for path, message in problems)
            )
        return result


@dataclass(frozen=True)
class _MappingBase:
    """What every compiled mapping file has: its routes and its rules."""

    #: True if the mapping renders a file (:class:`DocumentMapping`), False for JSON to a portal.
    is_document: ClassVar[bool]

    name: str
    file: Path
    target: str
    event_types: tuple[str, ...]
    payload_versions: tuple[int, ...]
    input_schema: LoadedSchema | None
    rules: tuple[Rule, ...]

    def _check_version(self, event: OutboxEvent) -> None:
        if event.payload_version not in self.payload_versions:
            supported = ", ".join(map(str, self.payload_versions))
            raise MappingError(
                f"mapping {self.name}: payload_version {event.payload_version} is not supported ({supported})"
            )

    def _meta(self, event: OutboxEvent) -> dict[str, Any]:
        """The event's envelope fields, as rules read them (``$event.<name>``)."""
        return {name: getattr(event, name) for name in EVENT_FIELDS}


@dataclass(frozen=True)
class PortalMapping(_MappingBase):
    """A JSON document for a supplier portal: sent with ``method`` to ``path``
    after it passed ``output_schema`` (e.g. Catena-X Report8D)."""

    is_document: ClassVar[bool] = False

    method: str
    path: str
    output_schema: LoadedSchema
    limits: DocumentLimits = DocumentLimits(**DEFAULT_LIMITS["portal"])
    answers: AnswerMapping | None = None  # how the partner's answers come back, if it answers

    def render(self, event: OutboxEvent) -> dict[str, Any]:
        """Map the payload and validate the document against the output schema.

        The payload is checked against the input schema only when something
        went wrong (it then names the root cause, e.g. ``$.payload.scar``);
        on the happy path the output check alone guards what is sent.
        """
        self._check_version(event)
        try:
            document = render_tree(
                self.rules, event.payload, self._meta(event), f"mapping {self.name}, field "
            )
            too_large = self.limits.problems(document, len(encode_json(document)), json_path)
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


@dataclass(frozen=True)
class DocumentMapping(_MappingBase):
    """A file for a regulator (EU MIR or FDA eMDR XML, China NMPA XLSX), as
    its ``document:`` block describes it (:class:`~sync_agent.mapping.documents.DocumentSpec`)."""

    is_document: ClassVar[bool] = True

    document: DocumentSpec
    limits: DocumentLimits = DocumentLimits(**DEFAULT_LIMITS["document"])

    def render_document(self, event: OutboxEvent) -> RenderedDocument:
        """Render the file, validated, with its file name.

        Unlike :meth:`PortalMapping.render`, the payload is checked against
        the input schema first: a report is rendered rarely, and a person in
        Odoo must be told which datum is missing (``$.payload.manufacturer.city``),
        not which element of the regulator's format ended up empty. Every
        failure is a :class:`DocumentInvalid` naming where, except an
        unsupported payload version (a plain :class:`MappingError`).
        """
        spec = self.document
        self._check_version(event)
        if self.input_schema is not None:
            found = self.input_schema.errors(event.payload, limit=20, name_missing=True)
            if found:
                raise DocumentInvalid.of(
                    f"mapping {self.name}: payload does not match {self.input_schema.path.name}",
                    [Problem(path.replace("$", "$.payload", 1), message) for path, message in found],
                )
        try:  # no prefix: the problem's path names the field
            tree = render_tree(self.rules, event.payload, self._meta(event), "")
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


#: A compiled mapping file of either kind, as the registry routes them.
Mapping = PortalMapping | DocumentMapping
