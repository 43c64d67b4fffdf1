"""China NMPA suspected adverse-event report: the real mapping, byte for byte.

Each payload fixture in ``golden/nmpa/<case>.json`` (a complete claimed
event) is rendered through ``mappings/cn_nmpa_mdae.yaml`` exactly as the
agent does (``MappingRegistry.load_dir`` -> ``render_document``), and the
workbook must equal ``golden/nmpa/<case>.xlsx`` byte for byte. A mismatch
lists the cells that differ, so a failure reads as a form change.

Golden files are regenerated only on purpose, after reviewing the change
(e.g. a new field, a new label, an openpyxl upgrade)::

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/agent/test_nmpa.py
    git diff --stat tests/agent/golden/nmpa/   # then look at the cells that changed

Without ``UPDATE_GOLDEN=1`` a missing or different golden file is a failure,
never rewritten.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sync_agent import (
    AgentSettings,
    DocumentInvalid,
    DocumentMapping,
    MappingRegistry,
    OutboxEvent,
    RenderedDocument,
    StateStore,
    SubmissionFolder,
    Worker,
)
from sync_agent.testing import FakeOdooGateway
from sync_agent.mapping.xlsx_form import MEDIA_TYPE

from agent_helpers import MAPPINGS

GOLDEN = Path(__file__).parent / "golden" / "nmpa"
TARGET = "cn_nmpa_mdae"
CASES = {
    # case: (file name, report type on the form, harm)
    "initial_death": ("RR-2026-0021_NMPA_initial_0.xlsx", "首次报告", "死亡"),
    "followup_serious_injury": ("RR-2026-0022_NMPA_followup_1.xlsx", "跟踪报告", "严重伤害"),
    "final_serious_injury": ("RR-2026-0022_NMPA_final_2.xlsx", "最终报告", "严重伤害"),
}
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def mapping() -> DocumentMapping:
    registry = MappingRegistry.load_dir(MAPPINGS)
    event = OutboxEvent(**fixture("initial_death"))
    found = registry.for_event(event)
    assert found.target == TARGET and found.is_document
    return found


def fixture(case: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))


def render(mapping: DocumentMapping, event: dict[str, Any]) -> RenderedDocument:
    return mapping.render_document(OutboxEvent(**event))


def form_rows(mapping: DocumentMapping) -> list[tuple[str, str | None]]:
    """(text in column A, form key or None) per row, as the form lays them out."""
    assert mapping.document is not None
    rows: list[tuple[str, str | None]] = [(mapping.document.sheet, None)]
    for section in mapping.document.form:
        rows.append((section["section"], None))
        rows.extend((field["label"], field["key"]) for field in section["fields"])
    return rows


def cells(content: bytes) -> dict[str, Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    found: dict[str, Any] = {"@sheets": workbook.sheetnames}
    for sheet in workbook.worksheets:
        found[f"@{sheet.title}.merged"] = sorted(str(r) for r in sheet.merged_cells.ranges)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    found[f"{sheet.title}!{cell.coordinate}"] = cell.value
    return found


def explain_difference(mapping: DocumentMapping, expected: bytes, actual: bytes) -> str:
    """The differing cells (named by their form key), or else the differing zip parts."""
    keys = {f"B{row}": key for row, (_, key) in enumerate(form_rows(mapping), start=1) if key}
    want, got = cells(expected), cells(actual)
    lines = []
    for name in sorted(set(want) | set(got)):
        if want.get(name) != got.get(name):
            coordinate = name.rpartition("!")[2]
            key = f" ({keys[coordinate]})" if coordinate in keys else ""
            lines.append(f"  {name}{key}: golden {want.get(name)!r} != rendered {got.get(name)!r}")
    if not lines:
        with zipfile.ZipFile(io.BytesIO(expected)) as a, zipfile.ZipFile(io.BytesIO(actual)) as b:
            parts = sorted(
                n
                for n in set(a.namelist()) | set(b.namelist())
                if n not in a.namelist() or n not in b.namelist() or a.read(n) != b.read(n)
            )
        lines.append(f"  cell values are equal; the package differs in: {', '.join(parts) or 'zip headers'}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_form_equals_the_golden_file(mapping: DocumentMapping, case: str) -> None:
    document = render(mapping, fixture(case))
    assert document.file_name == CASES[case][0]
    assert document.media_type == MEDIA_TYPE
    golden = GOLDEN / f"{case}.xlsx"
    if UPDATE:
        golden.write_bytes(document.content)
        pytest.skip(f"UPDATE_GOLDEN=1: rewrote {golden.name}; review the change before committing")
    assert golden.exists(), f"no golden file {golden}; create it on purpose with UPDATE_GOLDEN=1"
    expected = golden.read_bytes()
    if document.content != expected:
        pytest.fail(
            f"{case}: rendered workbook differs from {golden.name}:\n"
            + explain_difference(mapping, expected, document.content)
            + "\nIf the change is intended, regenerate with UPDATE_GOLDEN=1 (see this module's docstring)."
        )


@pytest.mark.parametrize("case", sorted(CASES))
def test_cells_follow_the_form_order(mapping: DocumentMapping, case: str) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render(mapping, fixture(case)).content))
    assert workbook.sheetnames == ["可疑医疗器械不良事件报告表"]
    sheet = workbook.active
    assert sheet is not None
    labels = [row[0] for row in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    layout = form_rows(mapping)
    assert labels == [text for text, _ in layout]
    values = {key: sheet.cell(row=row, column=2).value for row, (_, key) in enumerate(layout, start=1) if key}
    _, report_type, harm = CASES[case]
    assert values["report_type"] == report_type
    assert values["harm"] == harm
    assert values["report_source"] == "注册人"
    assert values["registration_no"].startswith("国械注进")
    assert "输液泵" in values["narrative"] or "起搏器" in values["narrative"]
    assert values["signature"] is None  # signed on the printout


def test_the_form_shows_every_key_of_its_schema_once(mapping: DocumentMapping) -> None:
    assert mapping.document is not None
    keys = mapping.document.form_keys
    schema = json.loads((MAPPINGS / "schemas/nmpa/cn_nmpa_mdae_v1.schema.json").read_text(encoding="utf-8"))
    assert len(keys) == len(set(keys))
    assert keys == list(schema["properties"])  # the schema lists the keys in form order too
    assert set(schema["required"]) <= set(keys)


def test_death_case_values(mapping: DocumentMapping) -> None:
    values = values_of(mapping, fixture("initial_death"))
    assert values["outcome"] == "死亡"
    assert values["death_date"] == "2026-03-29"
    assert values["implant_date"] == "2024-05-14"
    assert values["device_class"] == "III类"
    assert values["patient_code"] == "CN-P-0031"  # the privacy code, never a name
    assert (
        values["patient_age"] == 78 and values["patient_age_unit"] == "岁" and values["patient_sex"] == "男"
    )
    assert values["place_of_use"] == "家庭"
    assert values["relatedness"] == "可能有关"
    assert values["injury_manifestation"] == "Syncope/Fainting\nDeath"


def test_serious_injury_outcomes_map_to_the_form_options(mapping: DocumentMapping) -> None:
    values = values_of(mapping, fixture("final_serious_injury"))
    assert values["outcome"] == "其它（在事件陈述中说明）\n需要内、外科治疗避免上述永久损伤"
    assert values["death_date"] is None
    assert values["relatedness"] == "很有可能"
    assert "焊点开裂" in values["cause_analysis"]
    assert values["evaluation"].startswith("事件与器械故障有关")


def values_of(mapping: DocumentMapping, event: dict[str, Any]) -> dict[str, Any]:
    sheet = openpyxl.load_workbook(io.BytesIO(render(mapping, event).content)).active
    assert sheet is not None
    layout = form_rows(mapping)
    return {key: sheet.cell(row=row, column=2).value for row, (_, key) in enumerate(layout, start=1) if key}


def test_rendering_twice_gives_the_same_bytes(mapping: DocumentMapping) -> None:
    first = render(mapping, fixture("followup_serious_injury"))
    second = render(mapping, fixture("followup_serious_injury"))
    assert first.content == second.content
    assert first.sha256 == second.sha256


def test_missing_registration_number_is_invalid_and_names_the_form_key(mapping: DocumentMapping) -> None:
    event = fixture("initial_death")
    event["payload"]["device"]["registration_number"] = None
    with pytest.raises(DocumentInvalid) as info:
        render(mapping, event)
    paths = [problem.path for problem in info.value.problems]
    assert "/registration_no" in paths, info.value.problems
    assert "registration_no" in str(info.value)


def test_death_without_date_of_death_is_invalid(mapping: DocumentMapping) -> None:
    event = fixture("initial_death")
    event["payload"]["event"]["death_date"] = None
    with pytest.raises(DocumentInvalid) as info:
        render(mapping, event)
    assert any(problem.path.endswith("death_date") for problem in info.value.problems), info.value.problems


@pytest.mark.parametrize("classification", ["group_event", "serious_public_health_threat"])
def test_events_without_an_individual_report_category_are_refused(
    mapping: DocumentMapping, classification: str
) -> None:
    event = fixture("followup_serious_injury")
    event["payload"]["event"]["classification"] = classification
    with pytest.raises(DocumentInvalid) as info:
        render(mapping, event)
    assert "/harm" in [problem.path for problem in info.value.problems], info.value.problems


def test_unknown_sex_and_missing_optional_data_leave_fields_blank(mapping: DocumentMapping) -> None:
    event = copy.deepcopy(fixture("followup_serious_injury"))
    event["payload"]["event"]["patient"]["sex"] = "unknown"
    event["payload"]["device"]["lot"] = None
    event["payload"]["event"]["imdrf"]["health_effect_impact"] = []
    values = values_of(mapping, event)
    assert values["patient_sex"] is None
    assert values["lot_no"] is None
    assert values["injury_manifestation"] is None


def test_the_worker_writes_valid_forms_and_nothing_for_invalid_ones(tmp_path: Path) -> None:
    """End to end: the golden file lands in the submission folder and on the
    report; a form without registration number writes no file and tells the
    report which form field is missing."""
    gateway = FakeOdooGateway()
    good = fixture("initial_death")
    bad = fixture("followup_serious_injury")
    bad["payload"]["device"]["registration_number"] = None
    for event in (good, bad):
        gateway.add_event(
            event["payload"],
            target=event["target"],
            event_type=event["event_type"],
            res_model=event["res_model"],
            res_id=event["res_id"],
            event_uid=event["event_uid"],
        )
    folder = tmp_path / "submissions"
    state = StateStore(tmp_path / "state.sqlite3")
    try:
        settings = AgentSettings(agent_id="agent-nmpa", state_file=state.path, mappings_dir=MAPPINGS)
        worker = Worker(
            gateway=gateway,
            portal=None,
            registry=MappingRegistry.load_dir(MAPPINGS),
            state=state,
            settings=settings,
            submissions=SubmissionFolder(folder),
        )
        assert TARGET in worker.targets
        report = worker.run_once()
    finally:
        state.close()
    assert sorted(path.name for path in folder.iterdir()) == ["RR-2026-0021_NMPA_initial_0.xlsx"]
    written = (folder / "RR-2026-0021_NMPA_initial_0.xlsx").read_bytes()
    if not UPDATE:
        assert written == (GOLDEN / "initial_death.xlsx").read_bytes()
    assert gateway.rendered[0]["sha256"] == hashlib.sha256(written).hexdigest()
    assert [(r["report_id"], r["file_name"]) for r in gateway.rendered] == [
        (21, "RR-2026-0021_NMPA_initial_0.xlsx")
    ]
    assert [(r["report_id"], r["event_uid"]) for r in gateway.invalid] == [(22, bad["event_uid"])]
    paths = [problem["path"] for problem in gateway.invalid[0]["problems"]]
    assert paths == ["/registration_no"]
    assert (report.delivered, report.failed_permanent) == (1, 1)
    assert gateway.event(good["event_uid"]).state == "done"
    assert gateway.event(bad["event_uid"]).state == "dead"  # not retryable: the data must be fixed
