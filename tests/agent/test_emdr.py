"""FDA eMDR (Form 3500A as HL7 ICSR) rendered by mappings/us_emdr_3500a.yaml.

The documented regulatory report example, moved to the US market, is
rendered for every report type and checked against FDA's Con061019.xsd with
lxml directly (not through the agent's own validator); the values FDA reads
are looked up at the XPaths of FDA's HL7Medwatch workbook and compared with
the payload. The codes named below are FDA's vocabulary (VOCAB sheet).
"""

from __future__ import annotations

import copy
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sync_agent import (
    AgentSettings,
    DocumentInvalid,
    MappingRegistry,
    OutboxEvent,
    RenderedDocument,
    StateStore,
    SubmissionFolder,
    Worker,
)
from sync_agent.testing import FakeOdooGateway

from agent_helpers import MAPPINGS, regulatory_event

TARGET = "us_emdr_3500a"
XSD = MAPPINGS / "schemas" / "fda-emdr" / "coreschemas" / "Con061019.xsd"
NS = {"h": "urn:hl7-org:v3"}
ROOT = "/h:PORR_IN040001UV01"
CAP = f"{ROOT}/h:message/h:controlActProcess"
REPORT = f"{CAP}/h:subject/h:investigationEvent"
REACTION = f"{REPORT}/h:trigger/h:reaction"
PATIENT = f"{REACTION}/h:subject/h:investigativeSubject"
DEVICE = f"{REPORT}/h:pertainsTo/h:procedureEvent/h:device/h:identifiedDevice"
MANUFACTURER = f"{DEVICE}/h:identifiedDevice/h:asManufacturedProduct/h:manufacturerOrReprocessor"
MODEL = f"{DEVICE}/h:identifiedDevice/h:inventoryItem/h:manufacturedDeviceModel"
EVALUATION = f"{MANUFACTURER}/h:asRole/h:performance/h:investigationEvent"

# FDA vocabulary (NCI Thesaurus concept codes, HL7Medwatch workbook, VOCAB sheet)
TYPE_OF_REPORT, INITIAL_30_DAY, FIVE_DAY, FOLLOW_UP = "C53571", "C53577", "C53573", "C53579"
TYPE_OF_FOLLOW_UP, ADDITIONAL_INFORMATION, CORRECTION = "C53584", "C53586", "C53585"
REPORT_SOURCE, FOREIGN = "C53566", "C25512"
TYPE_OF_REPORTABLE_EVENT, SERIOUS_INJURY = "C53570", "C53569"
AGE, WEIGHT, FEMALE = "C25150", "C25208", "C16576"
PATIENT_PROBLEM, DEVICE_PROBLEM = "C53983", "C53982"
OUTCOMES = {"hospitalization": "C25179", "intervention": "C52668", "death": "C28554", "other": "C17649"}

REPORT_TYPES = ["initial", "followup", "final", "initial_final", "final_non_reportable"]


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def us_event(**report: Any) -> dict[str, Any]:
    """The documented example as a US report (target us_emdr_3500a)."""
    event = regulatory_event(market="us", form=TARGET, **report)
    event["target"] = TARGET
    return event


def render(registry: MappingRegistry, event: dict[str, Any]) -> RenderedDocument:
    parsed = OutboxEvent.model_validate(event)
    return registry.for_event(parsed).render_document(parsed)


def parse(document: RenderedDocument) -> etree._Element:
    return etree.fromstring(document.content)


def values(root: etree._Element, xpath: str) -> list[str]:
    return [str(v) for v in root.xpath(xpath, namespaces=NS)]


def value(root: etree._Element, xpath: str) -> str | None:
    found = values(root, xpath)
    assert len(found) <= 1, f"{xpath}: {found}"
    return found[0] if found else None


def reason(root: etree._Element, code: str, what: str = "h:value/@code") -> list[str]:
    """Values of the controlActProcess reasonOf blocks (G3, G7, H1, H2) with this code."""
    return values(root, f"{CAP}/h:reasonOf/h:detectedIssueEvent[h:code/@code='{code}']/{what}")


def compact(iso: str) -> str:
    return iso.replace("-", "")


def assert_valid(xsd: etree.XMLSchema, root: etree._Element) -> None:
    assert xsd.validate(root), "\n".join(str(e) for e in xsd.error_log)


# -- every report type -----------------------------------------------------------------------
@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_every_report_type_renders_a_valid_3500a(
    registry: MappingRegistry, xsd: etree.XMLSchema, report_type: str
) -> None:
    initial = report_type.startswith("initial")
    number = 0 if initial else 3
    event = us_event(report_type=report_type, follow_up_number=number, remedial_action=False)
    document = render(registry, event)
    root = parse(document)
    assert_valid(xsd, root)
    assert document.media_type == "application/xml"
    stem, suffix = document.file_name.rsplit(".", 1)
    assert suffix == "xml" and "." not in stem  # FDA reads all after the first dot as the extension
    assert event["payload"]["report"]["mfr_report_number"] in stem
    # G7: initial (30-day) or follow-up with its number, which tells FDA it is no duplicate
    assert reason(root, TYPE_OF_REPORT) == [INITIAL_30_DAY if initial else FOLLOW_UP]
    assert reason(root, TYPE_OF_REPORT, "h:text/text()") == ([] if initial else [str(number)])
    # H2 only for follow-ups
    expected_h2 = (
        [] if initial else [CORRECTION if report_type == "final_non_reportable" else ADDITIONAL_INFORMATION]
    )
    assert reason(root, TYPE_OF_FOLLOW_UP) == expected_h2


def test_each_report_type_and_follow_up_gets_its_own_file(registry: MappingRegistry) -> None:
    names = {
        render(registry, us_event(report_type=kind, follow_up_number=number)).file_name
        for kind, number in [("initial", 0), ("followup", 1), ("followup", 2), ("final", 3)]
    }
    assert len(names) == 4


@pytest.mark.parametrize(("report_type", "expected"), [("initial", FIVE_DAY), ("followup", FOLLOW_UP)])
def test_remedial_action_makes_an_initial_report_a_5_day_report(
    registry: MappingRegistry, xsd: etree.XMLSchema, report_type: str, expected: str
) -> None:
    root = parse(
        render(registry, us_event(report_type=report_type, follow_up_number=1, remedial_action=True))
    )
    assert_valid(xsd, root)
    assert reason(root, TYPE_OF_REPORT) == [expected]


# -- the values FDA reads ---------------------------------------------------------------------
def test_key_values_land_at_the_3500a_xpaths(registry: MappingRegistry) -> None:
    event = us_event()
    p = event["payload"]
    root = parse(render(registry, event))
    created = datetime.fromisoformat(p["report"]["created_at"].replace("Z", "+00:00"))
    # batch ID: CFN/FEI number and yyyymmddhh24miss
    batch = f"{p['manufacturer']['fda_registration_number']}-{created.strftime('%Y%m%d%H%M%S')}"
    assert value(root, f"{ROOT}/h:id[@assigningAuthorityName='MessageSender']/@extension") == batch
    # G9, B4, B3, B5, G4
    assert value(root, f"{REPORT}/h:id/@extension") == p["report"]["mfr_report_number"]
    assert value(root, f"{CAP}/h:effectiveTime/@value") == compact(p["report"]["report_date"])
    assert value(root, f"{REACTION}/h:effectiveTime/@value") == compact(p["event"]["date_from"])
    assert value(root, f"{REACTION}/h:text/text()") == p["event"]["narrative"]
    high = f"{REPORT}/h:pertinentInformation1/h:secondaryCaseNotification/h:receiver/h:time/h:high/@value"
    assert value(root, high) == compact(p["event"]["awareness_date"])
    # A1-A4
    patient = p["event"]["patient"]
    assert value(root, f"{PATIENT}/h:subjectAffectedPerson/h:name/text()") == patient["code"]
    assert value(root, f"{PATIENT}/h:subjectAffectedPerson/h:administrativeGenderCode/@code") == FEMALE
    age = f"{PATIENT}/h:subjectOf/h:observation[h:code/@code='{AGE}']/h:value"
    assert (value(root, f"{age}/@value"), value(root, f"{age}/@unit")) == (str(patient["age"]), "YR")
    weight = f"{PATIENT}/h:subjectOf/h:observation[h:code/@code='{WEIGHT}']/h:value/@value"
    assert float(value(root, weight) or "nan") == patient["weight_kg"]
    # B2 outcomes, H1
    outcomes = values(root, f"{REPORT}/h:pertinentInformation2/h:caseSeriousness/h:value/@code")
    assert outcomes == [OUTCOMES[o] for o in p["event"]["outcome"] if o != "none"]
    assert reason(root, TYPE_OF_REPORTABLE_EVENT) == [SERIOUS_INJURY]
    # F10/H6 problem codes: the FDA codes of the IMDRF codes
    imdrf = p["event"]["imdrf"]
    device_codes = values(
        root, f"{DEVICE}/h:subjectOf/h:deviceObservation[h:code/@code='{DEVICE_PROBLEM}']/h:value/@code"
    )
    assert device_codes == [c["fda_code"] for c in imdrf["device_problem"]]
    patient_codes = values(
        root, f"{PATIENT}/h:subjectOf/h:observation[h:code/@code='{PATIENT_PROBLEM}']/h:value/@code"
    )
    assert patient_codes == [
        c["fda_code"] for c in imdrf["health_effect_clinical"] + imdrf["health_effect_impact"]
    ]
    for element, annex in [
        ("h:component3/h:evaluationMethod", "investigation_type"),
        ("h:component1/h:evaluationResult", "investigation_finding"),
        ("h:component2/h:evaluationConclusion", "investigation_conclusion"),
    ]:
        assert values(root, f"{EVALUATION}/{element}/h:value/@code") == [c["fda_code"] for c in imdrf[annex]]
    # D1, D2, D3, D4
    device = p["device"]
    assert value(root, f"{MODEL}/h:manufacturerModelName/text()") == device["trade_name"]
    assert value(root, f"{MODEL}/h:code/@code") == device["fda_product_code"]
    assert value(root, f"{MODEL}/h:code/h:originalText/text()") == device["name"]
    assert value(root, f"{MODEL}/h:id/@extension") == device["model"]
    assert value(root, f"{DEVICE}/h:identifiedDevice/h:id/@extension") == device["serial"]
    assert value(root, f"{DEVICE}/h:identifiedDevice/h:lotNumberText/text()") == device["lot"]
    assert (
        value(root, f"{DEVICE}/h:identifiedDevice/h:asManufacturedProduct/h:id/@extension")
        == device["catalogue_number"]
    )
    udi = value(root, f"{DEVICE}/h:identifiedDevice/h:asManufacturedProduct/h:code/@code") or ""
    assert udi == f"(01){device['udi_di']}{device['udi_pi']}"
    assert value(root, f"{DEVICE}/h:identifiedDevice/h:existenceTime/@value") == compact(
        device["manufacture_date"]
    )
    assert value(root, f"{MANUFACTURER}/h:name/text()") == p["manufacturer"]["name"]
    # G1: the MDR contact
    contact = f"{MANUFACTURER}/h:contactParty/h:contactManufacturerContact/h:name"
    manufacturer = p["manufacturer"]
    assert value(root, f"{contact}/h:given/text()") == manufacturer["contact_first_name"]
    assert value(root, f"{contact}/h:family/text()") == manufacturer["contact_last_name"]
    assert f"mailto:{manufacturer['email']}" in values(
        root, f"{MANUFACTURER}/h:contactParty/h:telecom/@value"
    )
    # H10: the investigation so far
    narrative = value(root, f"{REPORT}/h:text/text()") or ""
    assert p["investigation"]["preliminary_analysis"] in narrative


def test_report_source_is_foreign_only_outside_the_us(registry: MappingRegistry) -> None:
    event = us_event()
    abroad = reason(parse(render(registry, event)), REPORT_SOURCE)
    event["payload"]["event"]["country"] = "US"
    at_home = reason(parse(render(registry, event)), REPORT_SOURCE)
    assert event["payload"]["event"]["reporter"]["role"] == "healthcare_professional"
    assert FOREIGN in abroad and FOREIGN not in at_home
    assert len(abroad) == len(at_home) + 1


def test_unknown_values_get_null_flavors_and_stay_valid(
    registry: MappingRegistry, xsd: etree.XMLSchema
) -> None:
    event = us_event()
    p = event["payload"]
    for section in ("device", "manufacturer", "investigation"):
        keep = {"name", "fda_product_code", "fda_registration_number", "city", "country"}
        p[section] = {k: (v if k in keep else None) for k, v in p[section].items()}
    p["event"]["patient"] = {k: None for k in p["event"]["patient"]}
    p["event"].update(reporter=None, outcome=[], date_from=None, device_location=None, country=None)
    for annex in p["event"]["imdrf"]:
        if annex != "device_problem":
            p["event"]["imdrf"][annex] = []
    root = parse(render(registry, event))
    assert_valid(xsd, root)
    assert root.xpath("//@*[. = '']") == []  # nothing blank: a value or a nullFlavor
    for element in (
        f"{DEVICE}/h:identifiedDevice/h:expirationTime",
        f"{PATIENT}/h:subjectAffectedPerson/h:name",
        f"{PATIENT}/h:subjectAffectedPerson/h:administrativeGenderCode",
        f"{PATIENT}/h:subjectOf/h:observation[h:code/@code='{AGE}']/h:value",
        f"{MANUFACTURER}/h:telecom",
    ):
        assert value(root, f"{element}/@nullFlavor") in ("NI", "ASKU"), element
    assert root.xpath(f"{REPORT}/h:pertinentInformation2", namespaces=NS) == []  # no outcome ticked
    assert root.xpath(f"{REPORT}/h:text", namespaces=NS) == []  # no H10 without investigation text


def test_rendering_is_deterministic_and_reports_do_not_leak_into_each_other(
    registry: MappingRegistry,
) -> None:
    with_expiry = us_event()
    with_expiry["payload"]["device"]["expiry_date"] = "2027-12-31"
    without = copy.deepcopy(with_expiry)
    without["payload"]["device"]["expiry_date"] = None
    first = render(registry, with_expiry)
    other = parse(render(registry, without))
    assert render(registry, with_expiry).content == first.content
    expiry = f"{DEVICE}/h:identifiedDevice/h:expirationTime"
    assert value(parse(first), f"{expiry}/@value") == "20271231"
    assert (value(other, f"{expiry}/@value"), value(other, f"{expiry}/@nullFlavor")) == (None, "NI")


# -- what FDA would refuse is refused here, naming the datum ----------------------------------------
@pytest.mark.parametrize(
    ("section", "key", "clear", "where"),
    [
        ("report", "mfr_report_number", None, "/investigationEvent/id/@extension"),
        ("manufacturer", "fda_registration_number", None, "/PORR_IN040001UV01/id/@extension"),
        ("device", "fda_product_code", None, "/manufacturedDeviceModel/code/@code"),
        ("event", "imdrf", {"device_problem": []}, "/identifiedDevice/subjectOf"),
    ],
)
def test_a_missing_required_datum_is_named(
    registry: MappingRegistry, section: str, key: str, clear: Any, where: str
) -> None:
    event = us_event()
    event["payload"][section][key] = clear
    with pytest.raises(DocumentInvalid) as info:
        render(registry, event)
    (problem,) = info.value.problems
    assert problem.path.startswith("/PORR_IN040001UV01/") and where in problem.path
    assert key in problem.message
    assert problem.path in str(info.value)


def test_a_device_problem_without_fda_code_is_refused(registry: MappingRegistry) -> None:
    event = us_event()
    event["payload"]["event"]["imdrf"]["device_problem"].append(
        {"code": "A0101", "fda_code": None, "term": "x"}
    )
    with pytest.raises(DocumentInvalid) as info:
        render(registry, event)
    (problem,) = info.value.problems
    position = len(event["payload"]["event"]["imdrf"]["device_problem"])  # the new, last one
    assert problem.path.endswith(f"/identifiedDevice/subjectOf[{position}]/deviceObservation/value/@code")
    assert "fda_code" in problem.message


def test_an_age_in_weeks_is_refused_naming_the_unit(registry: MappingRegistry) -> None:
    event = us_event()
    event["payload"]["event"]["patient"].update(age=6, age_unit="week")
    with pytest.raises(DocumentInvalid) as info:
        render(registry, event)
    (problem,) = info.value.problems
    assert problem.path.endswith("/observation/value/@unit") and "'week'" in problem.message


def test_the_worker_writes_a_valid_report_and_nothing_for_an_invalid_one(
    tmp_path: Path, registry: MappingRegistry, xsd: etree.XMLSchema
) -> None:
    gateway = FakeOdooGateway()
    good = us_event()
    bad = us_event(mfr_report_number=None)
    bad["res_id"] = good["res_id"] + 1
    uids = [
        gateway.add_event(
            e["payload"],
            target=TARGET,
            event_type=e["event_type"],
            res_model=e["res_model"],
            res_id=e["res_id"],
        )
        for e in (good, bad)
    ]
    folder = SubmissionFolder(tmp_path / "submissions")
    state = StateStore(tmp_path / "state.sqlite3")
    try:
        settings = AgentSettings(agent_id="emdr", batch_size=10, lease_seconds=60, mappings_dir=MAPPINGS)
        worker = Worker(
            gateway=gateway,
            portal=None,
            registry=registry,
            state=state,
            settings=settings,
            submissions=folder,
        )
        report = worker.run_once()
    finally:
        state.close()
    assert (report.delivered, report.failed_permanent) == (1, 1)
    (written,) = os.listdir(folder.path)
    assert good["payload"]["report"]["mfr_report_number"] in written
    assert_valid(xsd, etree.parse(str(folder.path / written)).getroot())
    assert gateway.event(uids[0]).state == "done" and gateway.event(uids[1]).state == "dead"
    (invalid,) = gateway.invalid
    assert invalid["report_id"] == bad["res_id"]
    assert [p["path"] for p in invalid["problems"]] == [
        "/PORR_IN040001UV01/message/controlActProcess/subject/investigationEvent/id/@extension"
    ]


def test_a_patient_problem_without_fda_code_is_refused_naming_its_element(registry: MappingRegistry) -> None:
    event = us_event()
    event["payload"]["event"]["imdrf"]["health_effect_impact"].append(
        {"code": "F26", "fda_code": None, "term": "x"}
    )
    with pytest.raises(DocumentInvalid) as info:
        render(registry, event)
    (problem,) = info.value.problems
    assert problem.message.startswith("event.imdrf.health_effect_impact[2] / fda_code")
    assert problem.path.startswith("/PORR_IN040001UV01/") and problem.path.endswith(
        "/observation/value/@code"
    )
