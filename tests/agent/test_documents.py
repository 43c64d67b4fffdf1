"""Document mappings (the ``document:`` block): XML and XLSX files for regulators.

Every test builds its own small mappings directory (schemas written here), so
what is tested is the engine, not one regulator's form.
"""

from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sync_agent import (
    DocumentInvalid,
    DocumentMapping,
    MappingError,
    MappingFileError,
    MappingRegistry,
    OutboxEvent,
    PortalMapping,
    Problem,
)
from sync_agent.mapping.documents import MAX_FILE_NAME_BYTES, MEDIA_TYPES, safe_file_name

from agent_helpers import MAPPINGS

UID = "0b7a4c52-3c3e-4d1e-9a57-6c3f5e1f2a10"

INPUT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["kind", "name"],
    "properties": {
        "kind": {"enum": ["strict", "free"]},
        "name": {"type": "string", "minLength": 1},
        "title": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]},
        "ref": {"type": ["string", "null"]},
        "count": {"type": ["integer", "null"]},
        "items": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "label": {"type": ["string", "null"]}},
            },
        },
        "patient": {
            "type": "object",
            "required": ["city"],
            "properties": {"city": {"type": "string"}},
        },
    },
}

# Any content in any order: the structure tests see exactly what the rules built.
FREE_XSD = """\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="doc">
    <xs:complexType>
      <xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:anyAttribute processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

STRICT_XSD = """\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="doc">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="head" type="headT"/>
        <xs:element name="count" type="xs:integer" minOccurs="0"/>
      </xs:sequence>
      <xs:attribute name="version" type="xs:string" use="required"/>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="headT">
    <xs:sequence>
      <xs:element name="ref" type="xs:string" minOccurs="0"/>
      <xs:element name="title" type="xs:string"/>
      <xs:element name="name" type="xs:string"/>
    </xs:sequence>
  </xs:complexType>
</xs:schema>
"""

NAMESPACED_XSD = """\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:example:doc"
           xmlns="urn:example:doc" elementFormDefault="qualified">
  <xs:element name="doc">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="part" maxOccurs="2">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="title" type="xs:string"/>
              <xs:element name="name" type="xs:string"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

FORM_VALUES_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "city"],
    "properties": {
        "name": {"type": "string"},
        "city": {"type": "string", "maxLength": 20},
        "count": {"type": "integer"},
    },
    "additionalProperties": False,
}

HEADER = """\
name: doc_test
target: regulator_x
event_types: [report.render]
payload_versions: [1]
input_schema: schemas/input.schema.json
"""


def mappings(tmp_path: Path, body: str, name: str = "doc.yaml") -> Path:
    """A mappings directory with the test schemas and one mapping file."""
    schemas = tmp_path / "schemas"
    schemas.mkdir(parents=True, exist_ok=True)
    (schemas / "mapping.schema.json").write_text((MAPPINGS / "schemas" / "mapping.schema.json").read_text())
    (schemas / "input.schema.json").write_text(json.dumps(INPUT_SCHEMA))
    (schemas / "form.schema.json").write_text(json.dumps(FORM_VALUES_SCHEMA))
    for file, text in (("free.xsd", FREE_XSD), ("strict.xsd", STRICT_XSD), ("ns.xsd", NAMESPACED_XSD)):
        (schemas / file).write_text(text)
    (tmp_path / name).write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def load(tmp_path: Path, body: str) -> DocumentMapping:
    registry = MappingRegistry.load_dir(mappings(tmp_path, body))
    (mapping,) = registry.mappings
    return mapping


def load_problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(MappingFileError) as info:
        MappingRegistry.load_dir(mappings(tmp_path, body))
    return info.value.problems


def event(**payload: Any) -> OutboxEvent:
    data: dict[str, Any] = {"kind": "free", "name": "N-1", "patient": {"city": "Ulm"}}
    data.update(payload)
    return OutboxEvent(
        event_uid=UID,
        target="regulator_x",
        event_type="report.render",
        res_model="x.report",
        res_id=3,
        payload_version=1,
        payload=data,
    )


def invalid(mapping: DocumentMapping, ev: OutboxEvent) -> list[Problem]:
    with pytest.raises(DocumentInvalid) as info:
        mapping.render_document(ev)
    assert info.value.problems, "DocumentInvalid without problems"
    for problem in info.value.problems:  # str() names every problem
        assert problem.path in str(info.value) and problem.message in str(info.value)
    return info.value.problems


XML_FREE = """\
document:
  format: xml
  file_name: "{name}_{kind}.xml"
  root: doc
  schema: {path: schemas/free.xsd}
fields:
"""


# -- XML: what the rules build ------------------------------------------------------------
def test_attributes_text_indexed_siblings_lists_and_const_subtrees(tmp_path: Path) -> None:
    mapping = load(
        tmp_path,
        XML_FREE
        + """\
  - {target: "@version", const: "V1"}
  - {target: "@xsi:noNamespaceSchemaLocation", const: free.xsd}
  - {target: head.title, source: title}
  - {target: head.@lang, const: en}
  - {target: head.note, source: note}
  - {target: "entry[1].#text", source: name}
  - {target: "entry[1].@n", const: 2}
  - {target: "entry[0].#text", source: kind}
  - target: items.item
    each: items
    fields:
      - {target: "@code", source: code}
      - {target: "#text", source: label}
  - target: fixed
    const: {"@a": "1", part: [x, y], empty: {}, gone: null}
  - {target: count, source: count}
""",
    )
    items = [{"code": "A1", "label": "first"}, {"code": "A2", "label": None}]
    ev = event(title="Pump", note=None, items=items, count=0)
    rendered = mapping.render_document(ev)
    assert rendered.media_type == MEDIA_TYPES["xml"] == "application/xml"
    root = etree.fromstring(rendered.content)
    assert root.tag == "doc" and root.get("version") == "V1"
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation") == "free.xsd"
    assert [child.tag for child in root] == ["head", "entry", "entry", "items", "fixed", "count"]
    head = root.find("head")
    assert head.get("lang") == "en" and head.findtext("title") == ev.payload["title"]
    assert head.find("note") is None  # a null value creates nothing
    entries = root.findall("entry")  # entry[0] before entry[1], whatever the rule order
    assert [e.text for e in entries] == [ev.payload["kind"], ev.payload["name"]]
    assert [e.get("n") for e in entries] == [None, "2"]
    item_elements = root.find("items").findall("item")
    assert [(i.get("code"), i.text) for i in item_elements] == [(x["code"], x["label"]) for x in items]
    fixed = root.find("fixed")
    assert fixed.get("a") == "1" and [p.text for p in fixed.findall("part")] == ["x", "y"]
    assert fixed.find("empty") is not None and len(fixed.find("empty")) == 0 and fixed.find("gone") is None
    assert root.findtext("count") == "0"  # 0 is a value, not an empty field
    assert rendered.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')


def test_elements_appear_in_the_order_rules_first_create_them(tmp_path: Path) -> None:
    mapping = load(
        tmp_path,
        XML_FREE
        + """\
  - {target: b.x, source: name}
  - {target: a.y, source: kind}
  - {target: b.z, const: last}
""",
    )
    root = etree.fromstring(mapping.render_document(event()).content)
    assert [child.tag for child in root] == ["b", "a"]
    assert [child.tag for child in root.find("b")] == ["x", "z"]


def test_const_subtrees_are_not_shared_between_renders(tmp_path: Path) -> None:
    mapping = load(
        tmp_path,
        XML_FREE
        + """\
  - {target: box, const: {kind: fixed}}
  - {target: box.title, source: title}
""",
    )
    first = etree.fromstring(mapping.render_document(event(title="one")).content)
    second = etree.fromstring(mapping.render_document(event(title=None)).content)
    assert first.find("box").findtext("title") == "one"
    assert second.find("box").find("title") is None  # the first render did not change the const


def test_rendering_is_deterministic_and_names_the_file_from_the_payload(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_FREE + "  - {target: head.title, source: title}\n")
    ev = event(title="Pump")
    first, second = mapping.render_document(ev), mapping.render_document(ev)
    assert first == second
    assert first.file_name == f"{ev.payload['name']}_{ev.payload['kind']}.xml"


def test_text_xml_cannot_carry_is_a_problem_at_its_path(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_FREE + "  - {target: head.title, source: title}\n")
    (problem,) = invalid(mapping, event(title="bell \x07"))
    assert problem.path == "/doc/head/title"
    assert "[mapped from title]" in problem.message


def test_a_transform_failure_names_the_element(tmp_path: Path) -> None:
    mapping = load(
        tmp_path,
        XML_FREE + "  - {target: head.kind, source: kind, transforms: [{map_values: {strict: S}}]}\n",
    )
    (problem,) = invalid(mapping, event(kind="free"))
    assert problem.path == "/doc/head/kind"
    assert "map_values has no entry for 'free'" in problem.message


# -- XML: validation and its problems -------------------------------------------------------
XML_BY_KIND = """\
document:
  format: xml
  file_name: "{name}.xml"
  root: doc
  schema:
    by: kind
    cases: {strict: schemas/strict.xsd, free: schemas/free.xsd}
fields:
  - {target: "@version", const: "1"}
  - {target: head.ref, source: ref}
  - {target: head.title, source: title}
  - {target: head.name, source: name}
  - {target: count, source: count}
"""


def test_the_schema_is_chosen_by_a_payload_value(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_BY_KIND)
    assert mapping.render_document(event(kind="free", title=None)).file_name == "N-1.xml"
    problems = invalid(mapping, event(kind="strict", title=None))
    assert [p.path for p in problems] == ["/doc/head/title"]


def test_a_missing_required_element_is_named_by_its_xpath_and_source(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_BY_KIND)
    # libxml2 complains at <name> and lists both <ref> (optional) and <title>: the required one is named
    (problem,) = invalid(mapping, event(kind="strict", title=None))
    assert problem.path == "/doc/head/title"
    assert "Expected is one of ( ref, title )" in problem.message
    assert problem.message.endswith("[mapped from title]")
    valid = mapping.render_document(event(kind="strict", title="T", ref="R", count=2))
    assert [e.tag for e in etree.fromstring(valid.content).find("head")] == ["ref", "title", "name"]


def test_a_wrong_value_is_named_at_its_element(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_BY_KIND.replace("source: count", "const: many"))
    (problem,) = invalid(mapping, event(kind="strict", title="T"))
    assert problem.path == "/doc/count"
    assert "'many' is not a valid value" in problem.message


def test_a_missing_required_attribute_is_named(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_BY_KIND.replace('  - {target: "@version", const: "1"}\n', ""))
    (problem,) = invalid(mapping, event(kind="strict", title="T"))
    assert problem.path == "/doc/@version"


def test_namespaced_documents_are_named_by_local_names(tmp_path: Path) -> None:
    mapping = load(
        tmp_path,
        """\
document:
  format: xml
  file_name: "{name}.xml"
  root: doc
  namespace: "urn:example:doc"
  schema: {path: schemas/ns.xsd}
fields:
  - {target: "part.title", source: title}
  - {target: "part.name", source: name}
  - {target: "part[1].title", source: note}
  - {target: "part[1].name", source: name}
""",
    )
    problems = invalid(mapping, event(title="T", note=None))
    assert [p.path for p in problems] == ["/doc/part[2]/title"]
    assert "{urn:example:doc}" not in problems[0].message
    assert problems[0].message.endswith("[mapped from note]")  # the rule for part[1].title
    root = etree.fromstring(mapping.render_document(event(title="T", note="U")).content)
    parts = root.findall("{urn:example:doc}part")
    assert root.tag == "{urn:example:doc}doc" and root.nsmap == {None: "urn:example:doc"}
    assert [p.findtext("{urn:example:doc}title") for p in parts] == ["T", "U"]


def test_the_payload_is_checked_first_and_named_precisely(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_BY_KIND)
    problems = invalid(mapping, event(kind="strict", title="T", patient={}))
    assert [p.path for p in problems] == ["$.payload.patient.city"]
    problems = invalid(mapping, event(kind="strict", title="T", patient={"city": None}))
    assert [p.path for p in problems] == ["$.payload.patient.city"]


def test_an_unsupported_payload_version_is_a_mapping_error(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_BY_KIND)
    with pytest.raises(MappingError, match=r"payload_version 2 is not supported \(1\)") as info:
        mapping.render_document(event().model_copy(update={"payload_version": 2}))
    assert not isinstance(info.value, DocumentInvalid)


def test_each_kind_of_output_has_its_own_kind_of_mapping(tmp_path: Path, registry: MappingRegistry) -> None:
    """The loader builds the kind the file's blocks ask for, and each kind has
    only the fields and the render of its own output (no empty fields)."""
    document = load(tmp_path, XML_BY_KIND)
    assert isinstance(document, DocumentMapping) and document.is_document
    assert not hasattr(document, "output_schema") and not hasattr(document, "render")
    portal = next(m for m in registry.mappings if not m.is_document)
    assert isinstance(portal, PortalMapping)
    assert portal.method == "POST" and portal.path and portal.output_schema is not None
    assert not hasattr(portal, "document") and not hasattr(portal, "render_document")


# -- file names -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RR-2026-0007_MIR_initial.xml", "RR-2026-0007_MIR_initial.xml"),
        ("../../etc/passwd", "etc_passwd"),
        (".hidden.xml", "hidden.xml"),
        ("a b/c\\d:e*f?.xml", "a_b_c_d_e_f_.xml"),
        ("报告 2026.xlsx", "报告_2026.xlsx"),
        ("-rf.xml", "rf.xml"),
        ("trailing.", "trailing"),
        ("...", ""),
    ],
)
def test_safe_file_name(text: str, expected: str) -> None:
    assert safe_file_name(text) == expected


def test_long_file_names_are_cut_keeping_the_extension() -> None:
    name = safe_file_name("报" * 200 + ".xml")
    assert name.endswith(".xml") and len(name.encode("utf-8")) <= MAX_FILE_NAME_BYTES
    assert name.startswith("报")


def test_payload_values_cannot_escape_the_folder(tmp_path: Path) -> None:
    mapping = load(tmp_path, XML_FREE + "  - {target: head.title, source: title}\n")
    rendered = mapping.render_document(event(name="../../etc/cron.d/x y"))
    assert "/" not in rendered.file_name and not rendered.file_name.startswith(".")
    assert rendered.file_name == safe_file_name(rendered.file_name)
    assert rendered.file_name.endswith("_free.xml")


def test_an_empty_file_name_placeholder_is_a_problem(tmp_path: Path) -> None:
    mapping = load(
        tmp_path, XML_FREE.replace("{name}_{kind}", "{title}_{kind}") + "  - {target: a, source: name}\n"
    )
    (problem,) = invalid(mapping, event(title=None))
    assert problem.path == "$.payload.title" and "file name" in problem.message


# -- XLSX forms -----------------------------------------------------------------------------------
XLSX = """\
document:
  format: xlsx
  file_name: "{name}_form.xlsx"
  schema: {path: schemas/form.schema.json}
  sheet: "Report form"
  form:
    - section: "A / Patient"
      fields:
        - {key: name, label: "Name"}
        - {key: city, label: "City"}
    - section: "B / Event"
      fields:
        - {key: count, label: "Count"}
fields:
  - {target: count, source: count}
  - {target: name, source: name}
  - {target: city, source: patient.city}
"""


@pytest.fixture
def xlsx_writer(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """A stand-in for sync_agent.mapping.xlsx_form: records its calls, returns fixed bytes."""
    calls: list[tuple[Any, ...]] = []

    def render_form_xlsx(form: list[dict[str, Any]], values: dict[str, Any], sheet: str) -> bytes:
        calls.append((form, dict(values), sheet))
        for key, value in values.items():
            if isinstance(value, str) and len(value) > 30:
                raise ValueError(f"form field {key!r}: too long for a cell")
        return b"PK-stand-in:" + json.dumps(values, sort_keys=True).encode()

    module = types.ModuleType("sync_agent.mapping.xlsx_form")
    module.render_form_xlsx = render_form_xlsx  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sync_agent.mapping.xlsx_form", module)
    return calls


def test_xlsx_values_are_checked_then_laid_out_by_the_form_writer(
    tmp_path: Path, xlsx_writer: list[tuple[Any, ...]]
) -> None:
    mapping = load(tmp_path, XLSX)
    assert mapping.document is not None
    assert xlsx_writer == [(list(mapping.document.form), {}, "Report form")]  # the start-up check
    ev = event(count=4)
    rendered = mapping.render_document(ev)
    form, values, sheet = xlsx_writer[-1]
    assert values == {"count": 4, "name": ev.payload["name"], "city": ev.payload["patient"]["city"]}
    assert sheet == "Report form" and [s["section"] for s in form] == ["A / Patient", "B / Event"]
    assert rendered.content.startswith(b"PK-stand-in:") and rendered.file_name == "N-1_form.xlsx"
    assert rendered.media_type == MEDIA_TYPES["xlsx"]


def test_xlsx_problems_name_the_form_key(tmp_path: Path, xlsx_writer: list[tuple[Any, ...]]) -> None:
    mapping = load(tmp_path, XLSX)
    calls = len(xlsx_writer)
    problems = invalid(mapping, event(count=None, patient={"city": "A very long city name, really"}))
    assert [p.path for p in problems] == ["/city"]
    assert "[mapped from patient.city]" in problems[0].message
    assert len(xlsx_writer) == calls  # nothing laid out for an invalid form
    mapping_without_name = load(tmp_path / "b", XLSX.replace("  - {target: name, source: name}\n", ""))
    (problem,) = invalid(mapping_without_name, event())
    assert problem.path == "/name" and "'name' is a required property" in problem.message


def test_xlsx_writer_refusals_become_problems(tmp_path: Path, xlsx_writer: list[tuple[Any, ...]]) -> None:
    mapping = load(tmp_path, XLSX)
    (problem,) = invalid(mapping, event(name="N" * 40))  # the schema allows it, the writer does not
    assert problem.path == "/name" and "too long for a cell" in problem.message


# -- start-up checks --------------------------------------------------------------------------
def test_loader_names_file_and_field_for_every_document_problem(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
document:
  format: xml
  file_name: "{nam}_{kind}.xml"
  root: doc
  sheet: "not for xml"
  schema:
    by: knd
    cases: {strict: schemas/strict.xsd, free: schemas/missing.xsd}
fields:
  - {target: head.title, source: title}
""",
    )
    text = "\n".join(problems)
    assert all(p.startswith("doc.yaml: ") for p in problems), problems
    assert "doc.yaml: document.sheet: only a xlsx document has one" in problems
    assert (
        "document.file_name {nam}: 'nam' is not a field of $ in input.schema.json; did you mean 'name'?"
        in text
    )
    assert "document.schema.by: 'knd' is not a field of $ in input.schema.json; did you mean 'kind'?" in text
    assert "document.schema.cases.free: schema " in text and "missing.xsd does not exist" in text


def test_loader_checks_targets_cases_and_const_subtrees(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
document:
  format: xml
  file_name: "{name}.xml"
  root: doc
  schema:
    by: kind
    cases: {strict: schemas/strict.xsd, loose: schemas/free.xsd}
fields:
  - {target: "@foo:bar", const: x}
  - {target: box, const: {"bad key": 1, "@a": {nested: no}}}
""",
    )
    assert problems == ["doc.yaml: document.schema.cases.loose: not a value of kind (known: free, strict)"]
    problems = load_problems(
        tmp_path / "b",
        XML_FREE
        + """  - {target: "@foo:bar", const: x}
  - {target: box, const: {"bad key": 1, "@a": {nested: no}}}
""",
    )
    text = "\n".join(problems)
    assert "doc.yaml: fields[0] (target @foo:bar): unknown prefix 'foo'" in text
    assert "doc.yaml: fields[1] (target box): const: bad XML target 'bad key'" in text
    assert "doc.yaml: fields[1] (target box): const.@a: an attribute or text must be a single value" in text
    problems = load_problems(tmp_path / "c", XML_FREE + '  - {target: "a.#text.b", source: name}\n')
    assert problems[0].startswith("doc.yaml: $.fields[0].target: 'a.#text.b' does not match")


def test_loader_checks_xlsx_forms_and_schemas(tmp_path: Path, xlsx_writer: list[tuple[Any, ...]]) -> None:
    problems = load_problems(
        tmp_path,
        XLSX.replace("schemas/form.schema.json", "schemas/strict.xsd").replace(
            "  - {target: count, source: count}\n", "  - {target: counter, source: count}\n"
        ),
    )
    text = "\n".join(problems)
    assert (
        "doc.yaml: document.schema.path: 'schemas/strict.xsd': a xlsx document is checked against a .json"
        in text
    )
    problems = load_problems(
        tmp_path / "b",
        XLSX.replace("  - {target: count, source: count}\n", "  - {target: counter, source: count}\n"),
    )
    assert problems == ["doc.yaml: fields[0] (target counter): 'counter' is not a key of the document's form"]


def test_a_document_mapping_has_no_request_and_a_portal_mapping_needs_one(tmp_path: Path) -> None:
    problems = load_problems(tmp_path, "request: {path: /x}\n" + XML_FREE + "  - {target: a, source: name}\n")
    assert problems == ["doc.yaml: request: a document mapping has none (the document block says it all)"]
    problems = load_problems(tmp_path / "b", "fields:\n  - {target: a, source: name}\n")
    assert "doc.yaml: $: 'output_schema' is a required property" in problems
    assert "doc.yaml: $: 'request' is a required property" in problems


def test_an_invalid_xsd_stops_start_up(tmp_path: Path) -> None:
    directory = mappings(tmp_path, XML_FREE + "  - {target: a, source: name}\n")
    (directory / "schemas" / "free.xsd").write_text(
        "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><oops"
    )
    with pytest.raises(
        MappingFileError, match=r"doc.yaml: document.schema.path: schema .*free.xsd is not a valid XSD"
    ):
        MappingRegistry.load_dir(directory)
