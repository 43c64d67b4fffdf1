"""The rule engine shared by every kind of mapping: rules fill a tree.

A compiled rule (:class:`Rule`) reads a payload path or an event field,
runs its transforms and sets one target; :func:`render_tree` runs a
mapping's rules over a payload into a nested dict, which a portal mapping
sends as JSON and a document mapping lays into XML or a form (see
:mod:`sync_agent.mapping.kinds`). The engine is the agent's hot path, so the
common rule (read and set) takes a fast path, and every failure is a
:class:`~sync_agent.errors.RuleError` naming the target it would have filled.

:class:`DocumentLimits` bounds what the tree may hold, because a portal or
a regulator's gateway refuses a too large document only after the upload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..errors import MappingError, Problem, RuleError, TransformError
from ..outbox.models import OutboxEvent
from .transforms import BoundTransform, short_repr

__all__ = ["DEFAULT_LIMITS", "EVENT_FIELDS", "DocumentLimits", "Rule", "json_path", "render_tree"]

#: Envelope fields a rule can read as ``$event.<name>``.
EVENT_FIELDS: Final = frozenset(OutboxEvent.model_fields) - {"payload"}

#: Default limits of a rendered document, per kind of target (a mapping's ``limits:`` overrides them).
#: Portal JSON: 512 KiB, half the request body nginx and most API gateways accept by default
#: (1 MiB); regulator files: 10 MiB, far above any real report (an eMDR or MIR is tens of KiB)
#: and below what the regulators' gateways take. Strings: 20,000 characters, the longest
#: free text (a narrative, a root cause) our payload schemas allow.
DEFAULT_LIMITS: Final = {
    "portal": {"max_document_bytes": 512 * 1024, "max_string_length": 20_000},
    "document": {"max_document_bytes": 10 * 1024 * 1024, "max_string_length": 20_000},
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled ``target <- source`` line of a mapping file."""

    parents: tuple[str, ...]  # target path without its last name
    last: str
    label: str  # "target <- source", for error messages
    read: Callable[[dict[str, Any], dict[str, Any]], Any]  # (payload or item, event fields)
    transforms: tuple[BoundTransform, ...]
    required: bool
    append: bool
    each: tuple[Rule, ...] | None
    simple: bool = False  # only read and set: the common case, kept on a fast path


def render_tree(
    rules: Sequence[Rule], data: dict[str, Any], meta: dict[str, Any], where: str
) -> dict[str, Any]:
    """Run ``rules`` over ``data`` (a payload, or a list item) into a new tree;
    ``meta`` holds the event fields, ``where`` prefixes error messages."""
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
                items.append(render_tree(rule.each, item, meta, ""))
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


def json_path(segments: Sequence[str]) -> str:
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
