"""The printable one-sheet form workbook (sync_agent.mapping.xlsx_form)."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import canonicalize

import openpyxl
import pytest

from sync_agent.mapping.xlsx_form import FIXED_TIMESTAMP, MAX_CELL_CHARS, NO, YES, render_form_xlsx

SHEET = "可疑医疗器械不良事件报告表"
FORM: list[dict[str, Any]] = [
    {
        "section": "A 患者资料 / Patient",
        "fields": [
            {"key": "patient_code", "label": "患者代码 / Patient code"},
            {"key": "patient_age", "label": "年龄 / Age"},
        ],
    },
    {
        "section": "B 不良事件情况 / Event",
        "fields": [
            {"key": "outcome", "label": "事件后果 / Outcome"},
            {"key": "event_date", "label": "事件发生日期 / Event date"},
            {"key": "narrative", "label": "事件陈述 / Description"},
            {"key": "implanted", "label": "植入 / Implanted"},
        ],
    },
]
VALUES: dict[str, Any] = {
    "patient_code": "P-0012",
    "patient_age": 67,
    "outcome": ["危及生命", "需要内、外科治疗避免上述永久损伤"],
    "event_date": "2026-03-09",
    "narrative": "夜班期间输液泵停止输液，未发出堵塞报警。" * 20,
    "implanted": False,
}


def rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_layout_title_sections_and_one_row_per_field_in_form_order() -> None:
    assert rows(render_form_xlsx(FORM, VALUES, SHEET)) == [
        (SHEET, None),
        ("A 患者资料 / Patient", None),
        ("患者代码 / Patient code", "P-0012"),
        ("年龄 / Age", 67),
        ("B 不良事件情况 / Event", None),
        ("事件后果 / Outcome", "危及生命\n需要内、外科治疗避免上述永久损伤"),
        ("事件发生日期 / Event date", "2026-03-09"),
        ("事件陈述 / Description", VALUES["narrative"]),
        ("植入 / Implanted", NO),
    ]


def test_sheet_and_print_setup() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render_form_xlsx(FORM, VALUES, SHEET, title="Title")))
    sheet = workbook.active
    assert sheet is not None
    assert workbook.sheetnames == [SHEET]
    assert sheet["A1"].value == "Title"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:B1", "A2:B2", "A5:B5"}
    assert sheet.column_dimensions["A"].width > 30 and sheet.column_dimensions["B"].width > 60
    assert sheet["B8"].alignment.wrap_text
    assert sheet.row_dimensions[3].height is None  # one line: the default height
    assert sheet.row_dimensions[8].height >= 10 * 15  # the long narrative gets room for its lines
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # 9 = A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert workbook.properties.creator == "complaints-sync"
    assert workbook.properties.created == workbook.properties.modified == FIXED_TIMESTAMP


def test_same_input_gives_the_same_bytes_at_any_time() -> None:
    first = render_form_xlsx(FORM, VALUES, SHEET)
    time.sleep(1.1)  # zip timestamps have a two-second resolution; openpyxl stamps seconds
    assert render_form_xlsx(FORM, VALUES, SHEET) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert "[Content_Types].xml" in archive.namelist()
        assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
        assert b"1980-01-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_xml_parts_are_canonical_whatever_xml_library_openpyxl_uses() -> None:
    with zipfile.ZipFile(io.BytesIO(render_form_xlsx(FORM, VALUES, SHEET))) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            assert canonicalize(xml_data=text) == text, name
        # Chinese text is written as UTF-8, not as &#NNNNN; escapes.
        assert "可疑医疗器械不良事件报告表" in archive.read("xl/workbook.xml").decode("utf-8")


def test_different_values_give_different_bytes() -> None:
    assert render_form_xlsx(FORM, VALUES, SHEET) != render_form_xlsx(
        FORM, {**VALUES, "patient_age": 68}, SHEET
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, YES),
        (False, NO),
        (12.5, 12.5),
        (0, 0),
        (date(2026, 3, 9), "2026-03-09"),
        (datetime(2026, 3, 9, 8, 30), "2026-03-09T08:30:00"),
        (["a", None, "", 3, True], "a\n3\n" + YES),
        ([], None),
        (None, None),
        ("", None),
        ('=HYPERLINK("http://evil")', '=HYPERLINK("http://evil")'),
        ("#N/A", "#N/A"),
        ("bell\x07 and\ttab", "bell and\ttab"),
    ],
)
def test_cell_values(value: Any, shown: Any) -> None:
    content = render_form_xlsx(FORM, {"patient_code": value}, SHEET)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet["B3"].value == shown
    if isinstance(shown, str):
        assert sheet["B3"].data_type == "s"  # text, never a formula or an error value


def test_missing_values_leave_the_field_empty_but_shown() -> None:
    table = rows(render_form_xlsx(FORM, {}, SHEET))
    assert [label for label, _ in table[2:4]] == ["患者代码 / Patient code", "年龄 / Age"]
    assert all(value is None for _, value in table)


def test_values_the_form_does_not_show_are_refused() -> None:
    with pytest.raises(ValueError, match="keys the form does not show: lost, other"):
        render_form_xlsx(FORM, {**VALUES, "other": 1, "lost": "x"}, SHEET)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": 1}, "form field 'patient_code': cannot show dict"),
        (float("nan"), "form field 'patient_code': nan is not a number"),
        ("x" * (MAX_CELL_CHARS + 1), "more than a spreadsheet cell holds"),
    ],
)
def test_values_a_cell_cannot_hold_are_refused(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_form_xlsx(FORM, {"patient_code": value}, SHEET)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ([], "non-empty list of sections"),
        ([{"fields": [{"key": "a", "label": "A"}]}], r"form\[0\].section"),
        ([{"section": "S", "fields": []}], r"form\[0\].fields must be a non-empty list"),
        (
            [{"section": "S", "fields": [{"key": "a"}]}],
            r"form\[0\].fields\[0\] needs a text 'key' and 'label'",
        ),
        (
            [{"section": "S", "fields": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}],
            "key 'a' appears twice",
        ),
    ],
)
def test_malformed_forms_are_refused(form: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_form_xlsx(form, {}, SHEET)


def test_invalid_sheet_names_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid sheet name"):
        render_form_xlsx(FORM, VALUES, "a/b")
