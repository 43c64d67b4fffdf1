"""Mapping files: loading, start-up checks with clear errors, rendering, validation."""

from __future__ import annotations

import copy
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sync_agent import (
    DocumentInvalid,
    MappingError,
    MappingFileError,
    MappingRegistry,
    OutboxEvent,
    PayloadInvalid,
    packaged_mappings_dir,
)
from sync_agent.mapping.schemas import load_schema
from sync_agent.mapping.transforms import TRANSFORMS

from agent_helpers import MAPPINGS, example_event

REPORT8D_SCHEMA = MAPPINGS / "schemas" / "io.catenax.report_8d_1.0.0_gen_Report8D-schema.json"

MINIMAL = """\
name: mini
target: supplier_portal
event_types: [scar.created]
payload_versions: [1]
input_schema: schemas/scar_payload_v1.schema.json
output_schema: schemas/io.catenax.report_8d_1.0.0_gen_Report8D-schema.json
request: {path: /api/v1/report8d}
fields:
"""


def mapping_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    """A mappings directory with the real schemas and the given YAML files."""
    shutil.copytree(MAPPINGS / "schemas", tmp_path / "schemas")
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def load_problems(tmp_path: Path, fields: str, header: str = MINIMAL) -> list[str]:
    directory = mapping_dir(tmp_path, {"mini.yaml": header + textwrap.dedent(fields)})
    with pytest.raises(MappingFileError) as info:
        MappingRegistry.load_dir(directory)
    return info.value.problems


def event(**changes: Any) -> OutboxEvent:
    data = example_event()
    data.update(changes)
    return OutboxEvent.model_validate(data)


# -- the shipped mappings ----------------------------------------------------------
def test_repository_mappings_load(registry: MappingRegistry) -> None:
    portal = {m.name for m in registry.mappings if not m.is_document}
    assert portal == {"supplier_portal_report8d", "supplier_portal_status"}
    assert "eu_mir_7_2_1" in {m.name for m in registry.mappings if m.is_document}
    assert "supplier_portal" in registry.targets and "supplier_portal" not in registry.document_targets
    assert set(registry.document_targets) <= set(registry.targets)


def test_example_renders_to_a_valid_report8d(registry: MappingRegistry) -> None:
    document = registry.for_event(event()).render(event())
    # Checked again with the reference validator, independent of the agent's own check.
    jsonschema.Draft4Validator(json.loads(REPORT8D_SCHEMA.read_text())).validate(document)
    header = document["header"]
    assert header["customerComplaintId"] == "SCAR-2025-0042"
    assert header["complaintDate"] == "2025-01-02"
    assert header["customerContact"]["phoneNumber"] == "+49 30 1234 567"
    assert header["parts"] == [
        {
            "customerPartNumber": "HSG-100",
            "supplierPartNumber": "C-7781",
            "partName": "Cast housing",
            "orderNumber": "P00017",
            "batchNumber": "L2024-12-118",
        }
    ]
    info = {item["key"]: item["value"] for item in header["additionalInformationList"]}
    assert info["requestedSteps"] == "D3,D4,D5,D6,D7,D8"
    assert info["dueDate.D3"] == "2025-01-03"
    assert info["customerComplaintNumber"] == "202501-0007"
    w5h2 = {item["key"]: item["value"] for item in document["stepD2"]["additionalInformationList"]}
    assert w5h2["5W2H.how_many"] == "37 of 500 (7.4 %)"
    assert document["stepD0"]["defineEmergencyResponseAction"][0]["status"] == "closed"
    assert [cause["typeOfCauses"] for cause in document["stepD4"]["causes"]] == ["TUA", "SUN"]
    assert "stepD8" not in document  # empty sections are omitted


def test_full_8d_payload_renders_every_step(registry: MappingRegistry) -> None:
    data = example_event()
    measure = {
        "action": "Camera inspection",
        "owner": "Li Wei",
        "introduced_on": "2025-02-01",
        "proof": "Daily check",
        "effectiveness": 80,
        "cause": "Root cause 1",
        "status": "in_progress",
    }
    data["payload"]["containment"] = [
        {
            "action": "Sort stock",
            "owner": "Li Wei",
            "introduced_on": "2025-01-03",
            "proof": "Sorting record",
            "method": "100 %",
            "risk": None,
            "effectiveness": 100,
        }
    ]
    data["payload"]["eight_d"] = {
        "causes": [
            {
                "kind": "occurrence",
                "level": "technical",
                "hypothesis": "Worn die",
                "verified_by": "Lab",
                "clarified_on": "2025-01-20",
                "result": "Confirmed",
                "method": "5why",
                "report": None,
                "category": None,
            }
        ],
        "corrective_actions": [measure],
        "implemented_actions": [measure],
        "preventive_actions": [measure],
        "closed_on": "2025-03-01",
        "closing_assessment": "Effective",
    }
    ev = OutboxEvent.model_validate(data)
    document = registry.for_event(ev).render(ev)
    assert document["stepD3"]["additionalInformationList"] == [
        {"key": "containmentAction", "value": "Sort stock"}
    ]
    assert document["stepD4"]["causes"][0]["typeOfCauses"] == "TUA"
    assert document["stepD5"]["definePermanentCorrectiveActions"][0]["status"] == "in progress"
    assert document["stepD8"] == {"closingDate": "2025-03-01", "resultAssesment": "Effective"}


@pytest.mark.parametrize(
    ("level", "kind", "code"),
    [
        ("technical", "occurrence", "TUA"),
        ("technical", "non_detection", "TUN"),
        ("systemic", "occurrence", "SUA"),
        ("systemic", "non_detection", "SUN"),
    ],
)
def test_the_mapping_gives_the_catena_x_cause_codes(
    registry: MappingRegistry, level: str, kind: str, code: str
) -> None:
    """The payload carries our kind and level; the Report8D code is the mapping's business."""
    data = example_event()
    [cause, _second] = data["payload"]["eight_d"]["causes"]
    cause.update(level=level, kind=kind)
    ev = OutboxEvent.model_validate(data)
    document = registry.for_event(ev).render(ev)
    assert document["stepD4"]["causes"][0]["typeOfCauses"] == code
    assert "type" not in json.dumps(data["payload"]["eight_d"]), "no partner code in our payload"


def test_the_cause_codes_read_back_into_our_kind_and_level(registry: MappingRegistry) -> None:
    """Both ways: what the mapping writes as a code, it reads back as the same kind and level."""
    ev = OutboxEvent.model_validate(example_event())
    document = registry.for_event(ev).render(ev)
    answers = registry.answers_for("supplier_portal")
    assert answers is not None
    back = answers.read({"stepD4": document["stepD4"]})
    sent = ev.payload["eight_d"]["causes"]
    assert [(c["kind"], c["level"], c["description"]) for c in back["causes"]] == [
        (c["kind"], c["level"], c["hypothesis"]) for c in sent
    ]


def test_supplier_actions_read_back_with_our_status(registry: MappingRegistry) -> None:
    answers = registry.answers_for("supplier_portal")
    assert answers is not None
    measure = {
        "measure": "Replace gripper pads every 20,000 cycles",
        "responsiblePerson": "Chen Jing",
        "introductionDate": "2025-01-20",
        "proofOfEffectiveness": "No scratches in 3 lots",
        "effectivenessResult": 100,
        "status": "in progress",
    }
    assert answers.read({"stepD6": {"implementedCorrectiveMeasures": [measure]}}) == {
        "actions": [
            {
                "action": "Replace gripper pads every 20,000 cycles",
                "responsible": "Chen Jing",
                "date": "2025-01-20",
                "proof": "No scratches in 3 lots",
                "effectiveness": 100,
                "status": "in_progress",
            }
        ]
    }
    assert answers.read({"stepD3": {"descriptionOfInterimContainmentActions": []}}) == {"containment": []}


def test_supplier_containment_reads_back_as_rows_proven_by_the_supplier(registry: MappingRegistry) -> None:
    answers = registry.answers_for("supplier_portal")
    assert answers is not None
    interim = {
        "responsiblePerson": "Chen Jing",
        "introductionDate": "2025-01-04",
        "proofOfEffectiveness": "100 % leak test of stock: 12 of 480 parts leaked and were scrapped",
        "methodForEffectivenessCheck": "Leak test at 2 bar",
        "riskOfImmediateMeasure": "Delivery one day late",
        "effectivenessResult": 100,
    }
    assert answers.read({"stepD3": {"descriptionOfInterimContainmentActions": [interim]}}) == {
        "containment": [
            {
                "responsible": "Chen Jing",
                "date": "2025-01-04",
                "proof": "100 % leak test of stock: 12 of 480 parts leaked and were scrapped",
                "method": "Leak test at 2 bar",
                "risk": "Delivery one day late",
                "effectiveness": 100,
            }
        ]
    }


def test_the_end_customer_travels_only_when_the_scar_shares_it(registry: MappingRegistry) -> None:
    ev = OutboxEvent.model_validate(example_event())
    info = registry.for_event(ev).render(ev)["header"]["additionalInformationList"]
    assert not [item for item in info if item["key"].startswith("endCustomer")]
    data = example_event()
    data["payload"]["end_customer"] = {
        "name": "Riverside General Hospital",
        "contact": "Dr. Anna Miller",
        "reference": "RGH-PO-4471",
        "orders": ["S00012", "S00015"],
    }
    ev = OutboxEvent.model_validate(data)
    info = registry.for_event(ev).render(ev)["header"]["additionalInformationList"]
    assert [item for item in info if item["key"].startswith("endCustomer")] == [
        {"key": "endCustomer", "value": "Riverside General Hospital"},
        {"key": "endCustomerContact", "value": "Dr. Anna Miller"},
        {"key": "endCustomerReference", "value": "RGH-PO-4471"},
        {"key": "endCustomerOrders", "value": "S00012,S00015"},
    ]


def test_an_answers_block_is_checked_at_start_up(tmp_path: Path) -> None:
    answers = """    answers:
      output_schema: schemas/scar_answer_v1.schema.json
      fields:
        - target: causes
          each: stepD4.causes
          fields:
            - {target: kind, source: typeOfCause}
            - {target: levels, source: typeOfCauses}
    """
    problems = load_problems(
        tmp_path, "  - {target: header.title, source: scar.title}\n" + textwrap.dedent(answers)
    )
    assert any("answers.fields[0].fields[0]" in p and "typeOfCause" in p for p in problems), problems
    assert any("answers.fields[0].fields[1]" in p and "levels" in p for p in problems), problems


def test_status_mapping_of_the_addons_payload(registry: MappingRegistry) -> None:
    data = json.loads((MAPPINGS / "examples" / "complaint.status.v1.json").read_text())
    ev = OutboxEvent.model_validate(data)
    mapping = registry.for_event(ev)
    assert mapping.path == "/api/v1/complaints/status"
    assert mapping.render(ev) == {
        "complaintId": "202501-0007",
        "subject": "Scratches on cast housings, lot L2024-12-118",
        "status": "in progress",
        "stage": "Investigating",
        "validity": "valid",
        "receivedAt": "2025-01-02T08:12:00Z",
        "changedAt": "2025-01-03T14:30:00Z",
    }  # customer_ref is not passed on to suppliers
    minimal = event(
        event_type="complaint.status",
        payload={
            "complaint": "202501-0008",
            "status": "done",
            "changed_at": "2025-02-01 08:00:00",
            "validity": "not_responsible",
            "disposition": "exchange",
        },
    )
    assert registry.for_event(minimal).render(minimal) == {
        "complaintId": "202501-0008",
        "status": "closed",
        "validity": "not our responsibility",
        "disposition": "exchange",
        "changedAt": "2025-02-01T08:00:00Z",
    }


# -- run-time failures are permanent and precise ----------------------------------------
def test_invalid_document_names_the_json_path(registry: MappingRegistry) -> None:
    data = example_event()
    data["payload"]["customer"]["bpn"] = "not-a-bpn"
    ev = OutboxEvent.model_validate(data)
    with pytest.raises(DocumentInvalid) as info:
        registry.for_event(ev).render(ev)
    assert info.value.json_path == "$.header.customerContact.bpnlProperty"
    assert "$.header.customerContact.bpnlProperty: 'NOT-A-BPN' does not match" in str(info.value)


def test_missing_required_output_field_is_named(registry: MappingRegistry) -> None:
    data = example_event()
    data["payload"]["parts"][0]["purchase_order"] = None
    ev = OutboxEvent.model_validate(data)
    with pytest.raises(
        DocumentInvalid, match=r"\$\.header\.parts\[0\]: 'orderNumber' is a required property"
    ):
        registry.for_event(ev).render(ev)


def test_invalid_payload_is_blamed_on_the_payload(registry: MappingRegistry) -> None:
    data = example_event()
    data["payload"]["scar"]["issued_on"] = "02.01.2025"
    ev = OutboxEvent.model_validate(data)
    with pytest.raises(PayloadInvalid) as info:
        registry.for_event(ev).render(ev)
    assert "$.payload.scar.issued_on" in str(info.value)
    assert "iso_date expects an ISO date" in str(info.value)  # the mapping's own complaint is kept


def test_transform_failure_names_mapping_and_field(registry: MappingRegistry) -> None:
    ev = event(
        event_type="complaint.status",
        payload={"complaint": "202501-0008", "status": "done", "changed_at": "yesterday"},
    )
    with pytest.raises(MappingError) as info:
        registry.for_event(ev).render(ev)
    assert "changedAt <- changed_at: iso_datetime expects" in str(info.value)
    assert "$.payload.changed_at: 'yesterday' does not match" in str(info.value)


def test_unsupported_payload_version_and_unknown_route(registry: MappingRegistry) -> None:
    with pytest.raises(MappingError, match=r"payload_version 2 is not supported \(1\)"):
        registry.for_event(event(payload_version=2)).render(event(payload_version=2))
    with pytest.raises(
        MappingError, match="no mapping for target 'supplier_portal' and event type 'scar.deleted'"
    ):
        registry.for_event(event(event_type="scar.deleted"))


def test_each_over_a_non_list_is_an_error(registry: MappingRegistry) -> None:
    data = example_event()
    data["payload"]["parts"] = {"product_code": "X"}
    ev = OutboxEvent.model_validate(data)
    with pytest.raises(PayloadInvalid, match=r"\$\.payload\.parts: .* is not of type 'array'"):
        registry.for_event(ev).render(ev)


def test_rendering_is_deterministic(registry: MappingRegistry) -> None:
    first = json.dumps(registry.for_event(event()).render(event()))
    assert json.dumps(registry.for_event(event()).render(event())) == first


def test_fast_and_reference_validators_agree(registry: MappingRegistry) -> None:
    schema = load_schema(REPORT8D_SCHEMA)
    valid = registry.for_event(event()).render(event())
    sample = json.loads((MAPPINGS / "schemas" / "io.catenax.report_8d_1.0.0_gen_Report8D.json").read_text())
    broken = []
    for path, value in [
        (("header", "complaintDate"), "2025-02-30"),
        (("header", "supplierId"), 5),
        (("header", "customerContact", "email"), "a@b@c"),
        (("stepD4",), {"causes": [{}]}),
        (("stepD8",), {"closingDate": "null"}),
        (("header", "qualityTaskId"), "nope"),
    ]:
        doc = copy.deepcopy(valid)
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        broken.append(doc)
    for doc in [valid, sample, *broken]:
        assert schema.fast.is_valid(doc) == schema.validator.is_valid(doc), doc


# -- start-up checks of mapping files ----------------------------------------------------
def test_unknown_transform_names_file_field_and_choices(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
        - target: header.customerComplaintId
          source: scar.number
          transforms: [uper]
    """,
    )
    assert problems == [
        "mini.yaml: fields[0].transforms[0] (target header.customerComplaintId): unknown transform 'uper' "
        f"(known: {', '.join(sorted(TRANSFORMS))})"
    ]


def test_unknown_target_field_suggests_the_right_one(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
        - target: header.customerComplaintID
          source: scar.number
    """,
    )
    assert len(problems) == 1
    assert problems[0].startswith("mini.yaml: fields[0] (target header.customerComplaintID): ")
    assert (
        "'customerComplaintID' is not a field of $.header in "
        "io.catenax.report_8d_1.0.0_gen_Report8D-schema.json" in problems[0]
    )
    assert "did you mean 'customerComplaintId'?" in problems[0]


def test_unknown_source_field_is_checked_against_the_payload_schema(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
        - target: header.parts
          each: parts
          fields:
            - target: orderNumber
              source: purchase_ordr
    """,
    )
    assert problems == [
        "mini.yaml: fields[0].fields[0] (target orderNumber): 'purchase_ordr' is not a field of $.parts[] in "
        "scar_payload_v1.schema.json; did you mean 'purchase_order'?"
    ]


def test_bad_path_syntax_and_unknown_event_field(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
        - target: header.title
          source: $event.secret
    """,
    )
    assert len(problems) == 1 and "$event has no field 'secret'" in problems[0]
    problems = load_problems(
        tmp_path / "b",
        """\
        - target: header..title
          source: scar.number
    """,
    )
    assert problems == [
        "mini.yaml: $.fields[0].target: 'header..title' does not match "
        "'^[A-Za-z_][A-Za-z0-9_]*(\\\\.[A-Za-z_][A-Za-z0-9_]*)*$'"
    ]


def test_rule_with_two_sources_is_refused_by_the_file_schema(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
        - target: header.title
          source: scar.title
          const: fixed
    """,
    )
    assert problems == [
        "mini.yaml: $.fields[0]: a rule needs exactly one of: source, sources, const, "
        "or each together with fields"
    ]


def test_target_set_twice_needs_append(tmp_path: Path) -> None:
    problems = load_problems(
        tmp_path,
        """\
        - target: header.title
          source: scar.title
        - target: header.title
          source: scar.number
    """,
    )
    assert problems == [
        "mini.yaml: fields[1] (target header.title): target set twice; "
        "add 'append: true' to concatenate lists"
    ]


def test_yaml_duplicate_keys_and_missing_keys(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("name: mini", "name: mini\nname: other")
        + "  - {target: header.title, source: scar.title}\n"
    )
    directory = mapping_dir(tmp_path, {"dup.yaml": text})
    with pytest.raises(MappingFileError, match="dup.yaml: not readable YAML: .*duplicate key 'name'"):
        MappingRegistry.load_dir(directory)
    (directory / "dup.yaml").write_text("name: x\n", encoding="utf-8")
    with pytest.raises(MappingFileError) as info:
        MappingRegistry.load_dir(directory)
    assert "dup.yaml: $: 'event_types' is a required property" in info.value.problems


def test_yaml_cannot_construct_python_objects(tmp_path: Path) -> None:
    directory = mapping_dir(tmp_path, {"evil.yaml": "name: !!python/object/apply:os.system ['true']\n"})
    with pytest.raises(MappingFileError, match="evil.yaml: not readable YAML"):
        MappingRegistry.load_dir(directory)


def test_two_mappings_for_one_route_are_refused(tmp_path: Path) -> None:
    body = MINIMAL + "  - {target: header.title, source: scar.title}\n"
    directory = mapping_dir(tmp_path, {"a.yaml": body, "b.yaml": body.replace("name: mini", "name: mini_b")})
    with pytest.raises(
        MappingFileError,
        match="b.yaml: target supplier_portal event type scar.created is already mapped by a.yaml",
    ):
        MappingRegistry.load_dir(directory)


def test_missing_schema_files_are_reported(tmp_path: Path) -> None:
    text = MINIMAL.replace("scar_payload_v1", "nope") + "  - {target: header.title, source: scar.title}\n"
    directory = mapping_dir(tmp_path, {"m.yaml": text})
    with pytest.raises(
        MappingFileError, match="m.yaml: input_schema: schema .*nope.schema.json does not exist"
    ):
        MappingRegistry.load_dir(directory)
    shutil.rmtree(directory / "schemas")
    with pytest.raises(MappingFileError, match="mapping.schema.json does not exist"):
        MappingRegistry.load_dir(directory)


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError, match="no mapping files"):
        MappingRegistry.load_dir(mapping_dir(tmp_path, {}))


def test_all_problems_of_all_files_are_reported_at_once(tmp_path: Path) -> None:
    bad = MINIMAL + "  - {target: header.nope, source: scar.title, transforms: [shout]}\n"
    directory = mapping_dir(tmp_path, {"a.yaml": bad, "b.yaml": bad.replace("name: mini", "name: mini_b")})
    with pytest.raises(MappingFileError) as info:
        MappingRegistry.load_dir(directory)
    assert len(info.value.problems) == 4
    assert {p.split(":")[0] for p in info.value.problems} == {"a.yaml", "b.yaml"}


def test_event_envelope_fields_can_be_mapped(tmp_path: Path) -> None:
    header = MINIMAL.replace(
        "output_schema: schemas/io.catenax.report_8d_1.0.0_gen_Report8D-schema.json",
        "output_schema: schemas/any.schema.json",
    )
    directory = mapping_dir(
        tmp_path,
        {
            "mini.yaml": header
            + textwrap.dedent("""\
        - target: doc.uid
          source: $event.event_uid
        - target: doc.info
          source: $event.res_id
          transforms: [{key_value: odooRecord}]
    """)
        },
    )
    (directory / "schemas" / "any.schema.json").write_text('{"type": "object"}')
    ev = event()
    document = MappingRegistry.load_dir(directory).for_event(ev).render(ev)
    assert document == {"doc": {"uid": ev.event_uid, "info": [{"key": "odooRecord", "value": "42"}]}}


# -- the packaged mappings and a configured directory laid over them -------------------
STATUS_EXAMPLE = MAPPINGS / "examples" / "complaint.status.v1.json"


def overlay(tmp_path: Path, files: dict[str, str]) -> Path:
    """A configured mappings directory holding only ``files`` (no schemas of its own)."""
    directory = tmp_path / "site-mappings"
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def status_event() -> OutboxEvent:
    return OutboxEvent.model_validate(json.loads(STATUS_EXAMPLE.read_text(encoding="utf-8")))


def test_in_a_source_checkout_the_packaged_mappings_are_the_repositorys() -> None:
    assert packaged_mappings_dir().resolve() == MAPPINGS.resolve()
    registry = MappingRegistry.load()
    assert {m.file.name for m in registry.mappings} == {f.name for f in MAPPINGS.glob("*.yaml")}
    assert registry.layers == (packaged_mappings_dir(),)


def test_a_configured_file_of_the_same_name_replaces_the_packaged_one(tmp_path: Path) -> None:
    text = (MAPPINGS / "supplier_portal_status.yaml").read_text(encoding="utf-8")
    site = overlay(tmp_path, {"supplier_portal_status.yaml": text.replace("/api/v1/complaints/status", "/s")})
    registry = MappingRegistry.load(site)
    mapping = registry.for_event(status_event())
    assert mapping.file == site / "supplier_portal_status.yaml" and mapping.path == "/s"
    # Its schemas (not in the configured directory) come from the packaged ones.
    assert mapping.output_schema is not None and mapping.output_schema.path.parent == MAPPINGS / "schemas"
    assert [m.name for m in registry.mappings].count("supplier_portal_status") == 1
    assert registry.layers == (packaged_mappings_dir(), site)


def test_a_configured_mapping_takes_over_the_routes_it_maps(tmp_path: Path) -> None:
    site = overlay(
        tmp_path, {"acme_report8d.yaml": MINIMAL + "  - {target: header.title, source: scar.title}\n"}
    )
    registry = MappingRegistry.load(site)
    assert registry.for_event(event()).name == "mini"  # scar.created: the configured one
    updated = registry.for_event(event(event_type="scar.updated"))
    assert updated.name == "supplier_portal_report8d"  # the routes nobody took stay packaged
    assert registry.for_event(status_event()).name == "supplier_portal_status"
    assert "eu_mir_7_2_1" in registry.document_targets


def test_a_packaged_mapping_without_routes_left_drops_out(tmp_path: Path) -> None:
    text = (MAPPINGS / "supplier_portal_status.yaml").read_text(encoding="utf-8")
    site = overlay(
        tmp_path, {"my_status.yaml": text.replace("name: supplier_portal_status", "name: my_status")}
    )
    registry = MappingRegistry.load(site)
    names = [m.name for m in registry.mappings]
    assert "my_status" in names and "supplier_portal_status" not in names
    assert registry.for_event(status_event()).name == "my_status"


def test_a_configured_mapping_adds_a_target(tmp_path: Path) -> None:
    site = overlay(
        tmp_path,
        {
            "acme.yaml": MINIMAL.replace("target: supplier_portal", "target: acme_portal")
            + "  - {target: header.title, source: scar.title}\n"
        },
    )
    registry = MappingRegistry.load(site)
    assert {"acme_portal", "supplier_portal", "eu_mir_7_2_1"} <= set(registry.targets)
    assert registry.for_event(event(target="acme_portal")).file == site / "acme.yaml"
    assert registry.for_event(event()).name == "supplier_portal_report8d"


def test_a_configured_schema_overrides_the_packaged_one(tmp_path: Path) -> None:
    site = overlay(tmp_path, {})
    (site / "schemas").mkdir()
    strict = json.loads(
        (MAPPINGS / "schemas" / "complaint_status_v1.schema.json").read_text(encoding="utf-8")
    )
    strict["properties"]["subject"] = {"type": "string", "maxLength": 5}
    (site / "schemas" / "complaint_status_v1.schema.json").write_text(json.dumps(strict), encoding="utf-8")
    registry = MappingRegistry.load(site)
    assert registry.resolve("schemas/complaint_status_v1.schema.json").parent == site / "schemas"
    assert registry.resolve("schemas/scar_payload_v1.schema.json").parent == MAPPINGS / "schemas"
    with pytest.raises(DocumentInvalid, match=r"\$\.subject"):  # the packaged mapping uses the site's schema
        registry.for_event(status_event()).render(status_event())


def test_two_configured_files_for_one_route_are_still_refused(tmp_path: Path) -> None:
    body = MINIMAL + "  - {target: header.title, source: scar.title}\n"
    site = overlay(tmp_path, {"a.yaml": body, "b.yaml": body.replace("name: mini", "name: mini_b")})
    with pytest.raises(MappingFileError, match="b.yaml: target supplier_portal event type scar.created"):
        MappingRegistry.load(site)


def test_problems_of_a_configured_file_name_it(tmp_path: Path) -> None:
    site = overlay(tmp_path, {"bad.yaml": MINIMAL + "  - {target: header.nope, source: scar.title}\n"})
    with pytest.raises(MappingFileError) as info:
        MappingRegistry.load(site)
    assert [p.split(":")[0] for p in info.value.problems] == ["bad.yaml"]


def test_without_the_packaged_mappings_only_the_directory_is_loaded(tmp_path: Path) -> None:
    site = mapping_dir(tmp_path, {"mini.yaml": MINIMAL + "  - {target: header.title, source: scar.title}\n"})
    registry = MappingRegistry.load(site, packaged=False)
    assert [m.name for m in registry.mappings] == ["mini"] and registry.layers == (site,)
    with pytest.raises(MappingFileError, match="no mappings to load"):
        MappingRegistry.load(None, packaged=False)


def test_the_packaged_directory_configured_again_is_loaded_once() -> None:
    registry = MappingRegistry.load(MAPPINGS)
    assert registry.layers == (packaged_mappings_dir(),)
    assert len(registry.mappings) == len(list(MAPPINGS.glob("*.yaml")))


def test_a_configured_directory_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError, match="mappings directory .*nope does not exist"):
        MappingRegistry.load(tmp_path / "nope")
