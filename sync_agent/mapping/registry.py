"""The loaded mappings, routed by (target, event type).

:meth:`MappingRegistry.load` lays a configured directory over the packaged
standard mappings (:func:`sync_agent.packaged_mappings_dir`), compiles every
file with :mod:`sync_agent.mapping.loader` and reports every problem of every
file at once; :meth:`MappingRegistry.for_event` then finds the mapping of a
claimed event, or says permanently that there is none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from .._resources import packaged_mappings_dir
from ..errors import MappingError, MappingFileError
from ..outbox.models import OutboxEvent
from .kinds import AnswerMapping, Mapping, PortalMapping
from .loader import load_file
from .schemas import load_schema

__all__ = ["MAPPING_SCHEMA", "MappingRegistry"]

#: Where the schema of mapping files lives, relative to the mappings directory.
MAPPING_SCHEMA: Final = "schemas/mapping.schema.json"

_log = logging.getLogger("sync_agent.mapping.registry")


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


class MappingRegistry:
    """All loaded mappings, routed by (target, event type). Where two mappings
    serve the same route, the later one in ``mappings`` has it (a configured
    mapping over a packaged one, see :meth:`load`)."""

    def __init__(self, mappings: Sequence[Mapping], layers: Sequence[Path] = ()) -> None:
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
        portals = (m for m in self._routes.values() if isinstance(m, PortalMapping) and m.target == target)
        return next((m.answers for m in portals if m.answers), None)

    @property
    def document_targets(self) -> list[str]:
        """Targets served by a file for a regulator (written to the submission folder)."""
        return sorted({m.target for m in self.mappings if m.is_document})

    def for_event(self, event: OutboxEvent) -> Mapping:
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
        mappings: list[Mapping] = []
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


def _routes_of(mapping: Mapping) -> set[tuple[str, str]]:
    return {(mapping.target, event_type) for event_type in mapping.event_types}


def _clashes(mappings: Sequence[Mapping]) -> list[str]:
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
