"""Declarative mappings: outbox payload -> document a portal or regulator expects.

A mapping file (YAML, ``mappings/*.yaml``) lists ``target <- source`` field
rules with named transforms from the closed registry in
:mod:`sync_agent.mapping.transforms`. Formats change (a new Report8D or MIR version),
so a new format must be a new mapping file plus its schema, never new code;
and since mapping files are data, nothing in them is evaluated.

Everything that can be checked before the first event is checked at start-up
(:mod:`sync_agent.mapping.loader`), and every problem is reported with its
file and field: the file's structure, transform names and arguments, source
paths against the mapping's ``input_schema`` (the payload Odoo sends), target
paths against its ``output_schema`` (e.g. Report8D), and that no two
mappings claim the same (target, event type).

The standard mappings ship inside the package (:func:`sync_agent.packaged_mappings_dir`);
a configured directory is laid over them (:meth:`~sync_agent.mapping.registry.MappingRegistry.load`).

At run time, :meth:`~sync_agent.mapping.kinds.PortalMapping.render` builds the document and validates
it against the output schema; when that fails, the payload is checked against
the input schema to name the root cause. A failure names the JSON path and is
permanent for that event.

A mapping with a ``document:`` block renders a file for a regulator instead
(an XML report checked against the regulator's XSD, or an XLSX form whose
values are checked against a JSON Schema): :meth:`~sync_agent.mapping.kinds.DocumentMapping.render_document`
returns a :class:`~sync_agent.mapping.documents.RenderedDocument`, or raises :class:`~sync_agent.errors.DocumentInvalid` whose
``problems`` say where (XPath, JSON path or form key) and what, so that Odoo
can show them on the report (see :mod:`sync_agent.mapping.documents`).

Modules, in the order a mapping is used: :mod:`~sync_agent.mapping.loader`
compiles a file into :mod:`~sync_agent.mapping.rules` (reading payload paths
with :mod:`~sync_agent.mapping.fieldpath`, converting values with
:mod:`~sync_agent.mapping.transforms`, checking paths and documents with
:mod:`~sync_agent.mapping.schemas`) into one of the :mod:`~sync_agent.mapping.kinds`;
a document mapping's file is described by :mod:`~sync_agent.mapping.documents`
and written by :mod:`~sync_agent.mapping.xmldoc` or :mod:`~sync_agent.mapping.xlsx_form`;
:mod:`~sync_agent.mapping.registry` routes events to mappings.
"""
