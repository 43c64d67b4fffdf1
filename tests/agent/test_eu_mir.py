"""EU MIR 7.2.1: the real mapping (mappings/eu_mir_7_2_1.yaml) for every report type.

Each rendered file is checked again here with a validator of its own, against
the XSD of its report type, and its content is compared with the payload it
came from.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from lxml import etree

from sync_agent import (
    DocumentInvalid,
    DocumentMapping,
    MappingRegistry,
    OutboxEvent,
    Problem,
    RenderedDocument,
)

from agent_helpers import MAPPINGS, regulatory_event

XSD_DIR = MAPPINGS / "schemas" / "eu-mir-7.2.1"
XSD = {
    "initial": "incident-Initial-v7.2.1.xsd",
    "followup": "incident-Followup-v7.2.1.xsd",
    "initial_final": "incident-InitialFinal-v7.2.1.xsd",
    "final": "incident-FinalRep-v7.2.1.xsd",
    "final_non_reportable": "incident-FinalNonRep-v7.2.1.xsd",
}
REPORT_TYPE_TEXT = {
    "initial": "Initial",
    "followup": "Follow up",
    "initial_final": "Combined initial and final",
    "final": "Final (Reportable incident)",
    "final_non_reportable": "Final (Non-reportable incident)",
}
#: What each report type needs beyond the example (an initial report), as Odoo would send it.
COMPLETIONS: dict[str, dict[str, dict[str, Any]]] = {
    "initial": {},
    "followup": {"report": {"regulator_ref": "DE-BfArM-2026-0815", "follow_up_number": 1}},
    "initial_final": {
        "report": {"next_report_date": None},
        "investigation": {
            "root_cause": "Cracked solder joint on the alarm board.",
            "root_cause_confirmed": True,
            "risk_assessment_reviewed": True,
            "corrective_action": "Alarm board redesigned; field units reworked.",
        },
    },
    "final": {
        "report": {"regulator_ref": "DE-BfArM-2026-0815", "next_report_date": None},
        "investigation": {
            "root_cause": "Cracked solder joint on the alarm board.",
            "root_cause_confirmed": True,
            "risk_assessment_reviewed": True,
            "corrective_action": "Alarm board redesigned; field units reworked.",
            "conclusion": "Device failure confirmed.",
            "final_comments": "No further similar incidents.",
        },
    },
    "final_non_reportable": {
        "report": {
            "regulator_ref": "DE-BfArM-2026-0815",
            "next_report_date": None,
            "non_reportable_reason": "The alarm worked; the occlusion was caused by a kinked line.",
        },
    },
}


@pytest.fixture(scope="module")
def mir(registry: MappingRegistry) -> DocumentMapping:
    mapping = registry.for_event(OutboxEvent.model_validate(regulatory_event()))
    assert mapping.name == "eu_mir_7_2_1" and mapping.is_document
    return mapping


def mir_event(report_type: str, **sections: dict[str, Any]) -> OutboxEvent:
    data = regulatory_event(report_type=report_type)
    for name, changes in [*COMPLETIONS[report_type].items(), *sections.items()]:
        data["payload"][name] = {**(data["payload"][name] or {}), **changes}
    return OutboxEvent.model_validate(data)


def own_validation(report_type: str, content: bytes) -> etree._Element:
    """Parse and validate with a fresh validator, independent of the agent's."""
    root = etree.fromstring(content)
    schema = etree.XMLSchema(etree.parse(str(XSD_DIR / XSD[report_type])))
    assert schema.validate(root), [f"{e.path}: {e.message}" for e in schema.error_log]
    return root


def problems_of(mapping: DocumentMapping, event: OutboxEvent) -> list[Problem]:
    with pytest.raises(DocumentInvalid) as info:
        mapping.render_document(event)
    return info.value.problems


@pytest.mark.parametrize("report_type", list(XSD))
def test_every_report_type_renders_a_valid_mir(mir: DocumentMapping, report_type: str) -> None:
    event = mir_event(report_type)
    payload = event.payload
    rendered = mir.render_document(event)
    assert isinstance(rendered, RenderedDocument) and rendered.media_type == "application/xml"
    assert rendered.file_name == (
        f"{payload['report']['name']}_MIR_{report_type}_{payload['report']['follow_up_number']}.xml"
    )
    root = own_validation(report_type, rendered.content)
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}"
    assert root.tag == "incident" and root.get("version") == "V5.0 2018-05-30"
    assert root.get(f"{xsi}noNamespaceSchemaLocation") == XSD[report_type]
    assert root.get("sCreateTimeStamp") == payload["report"]["created_at"].removesuffix("Z")
    assert root.get("sFormLanguage") == payload["report"]["language"]
    admin = root.find("admin_info")
    assert admin.findtext("reportType") == REPORT_TYPE_TEXT[report_type]
    assert admin.findtext("ncaName") == payload["report"]["regulator"]
    assert admin.findtext("ncaReportNo") == payload["report"]["regulator_ref"]  # None when not sent
    assert admin.findtext("reportDate") == payload["report"]["report_date"]
    assert admin.findtext("mfrAwarenessDate") == payload["event"]["awareness_date"]
    assert admin.findtext("reportNextDate") == payload["report"]["next_report_date"]
    mfr = admin.find("contact_info/reporterMfr/mfrDetails")
    assert mfr.findtext("mfrName") == payload["manufacturer"]["name"]
    assert mfr.findtext("mfrCity") == payload["manufacturer"]["city"]
    assert mfr.findtext("mfrSRN") == payload["manufacturer"]["srn"]


def test_imdrf_codes_fill_the_numbered_code_choices(mir: DocumentMapping) -> None:
    event = mir_event("final")
    imdrf = event.payload["event"]["imdrf"]
    root = own_validation("final", mir.render_document(event).content)
    for element, annex in [
        ("incident_info/clinical_event_info/imdrfCodeChoice", "device_problem"),
        ("incident_info/patient_info/imdrfClinicalCodeChoice", "health_effect_clinical"),
        ("incident_info/patient_info/imdrfHealthCodeChoice", "health_effect_impact"),
        ("mfr_invest/imdrfTypeInvestigationCodeChoice", "investigation_type"),
        ("mfr_invest/imdrfInvestigationFindingsCodeChoice", "investigation_finding"),
        ("mfr_invest/imdrfInvestigationConclusionCodeChoice", "investigation_conclusion"),
        ("mfr_invest/imdrfComponentCodeChoice", "component"),
    ]:
        written = [root.findtext(f"{element}{n}") for n in range(1, 9)]
        codes = [item["code"] for item in imdrf[annex]]
        assert [code for code in written if code is not None] == codes, annex


def test_enumerations_are_mapped_to_the_forms_values(mir: DocumentMapping) -> None:
    root = own_validation("initial", mir.render_document(mir_event("initial")).content)
    assert root.findtext("admin_info/eventClassification") == (
        "Unanticipated serious deterioration in state of health"  # serious_injury
    )
    assert root.findtext("device_info/deviceClassMDR") == "class IIb"  # eu_iib
    assert root.findtext("incident_info/clinical_event_info/currentDeviceLocation") == "Manufacturer"
    assert (
        root.findtext("incident_info/initial_reporter_info/initialReporterRole") == "Healthcare professional"
    )
    assert root.findtext("incident_info/patient_info/Gender") == "Female"
    assert root.findtext("mfr_invest/rootCauseConfirmed") == "No"  # false


def test_countries_ages_and_class_subtypes(mir: DocumentMapping) -> None:
    event = mir_event(
        "initial",
        device={"distribution_countries": ["DE", "US", "NO", "CN"], "risk_class": "eu_is"},
        event={
            **regulatory_event()["payload"]["event"],
            "patient": {"age": 5, "age_unit": "month", "sex": "male"},
        },
    )
    root = own_validation("initial", mir.render_document(event).content)
    distribution = root.find("device_info/distribution")
    assert [e.text for e in distribution.findall("distributionEEA")] == ["DE", "NO"]  # EEA + CH, TR, UK only
    assert [e.text for e in distribution.findall("otherCountriesLI")] == ["US", "CN"]
    assert root.findtext("device_info/deviceClassMDR") == "class I"
    assert root.findtext("device_info/deviceClassMDRType/sterileconditions") == "Yes"
    age = root.find("incident_info/patient_info/patientAgeAtEvent")
    assert [(e.tag, e.text) for e in age] == [("numMonths", "5")]


def test_a_followup_without_the_authoritys_reference_names_ncaReportNo(mir: DocumentMapping) -> None:
    event = mir_event("followup", report={"regulator_ref": None})
    (problem,) = problems_of(mir, event)
    assert problem.path == "/incident/admin_info/ncaReportNo"
    assert "[mapped from report.regulator_ref]" in problem.message


def test_a_final_report_names_every_missing_section(mir: DocumentMapping) -> None:
    event = mir_event("final", report={"regulator_ref": None}, investigation={"root_cause": None})
    paths = [p.path for p in problems_of(mir, event)]
    assert paths == ["/incident/admin_info/ncaReportNo", "/incident/mfr_invest/rootCauses"]
    event = mir_event("final_non_reportable", report={"non_reportable_reason": None})
    assert [p.path for p in problems_of(mir, event)] == ["/incident/mfr_invest/manufacturersWhyNotReportable"]


def test_a_missing_manufacturer_city_is_named_in_the_payload(mir: DocumentMapping) -> None:
    (problem,) = problems_of(mir, mir_event("initial", manufacturer={"city": None}))
    assert problem.path == "$.payload.manufacturer.city"
    data = regulatory_event()
    del data["payload"]["manufacturer"]["city"]
    (problem,) = problems_of(mir, OutboxEvent.model_validate(data))
    assert problem.path == "$.payload.manufacturer.city" and "required property" in problem.message


def test_values_the_eu_form_has_no_place_for_are_refused_by_element(mir: DocumentMapping) -> None:
    (problem,) = problems_of(mir, mir_event("initial", report={"event_class": "group_event"}))
    assert problem.path == "/incident/admin_info/eventClassification"
    assert "no entry for 'group_event'" in problem.message
    (problem,) = problems_of(mir, mir_event("initial", device={"risk_class": "us_2"}))
    assert problem.path == "/incident/device_info/deviceClassMDR"
    event = mir_event("initial", event={**regulatory_event()["payload"]["event"], "imdrf": None})
    (problem,) = problems_of(mir, event)
    assert problem.path == "/incident/incident_info/clinical_event_info/imdrfCodeChoice1"


def test_the_example_payload_validates_as_it_is(mir: DocumentMapping) -> None:
    data = regulatory_event()
    rendered = mir.render_document(OutboxEvent.model_validate(copy.deepcopy(data)))
    own_validation(data["payload"]["report"]["report_type"], rendered.content)
