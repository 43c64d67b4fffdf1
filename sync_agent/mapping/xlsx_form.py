"""Lay a flat dict of form values out as a printable one-sheet ``.xlsx`` form.

Some regulators publish no machine-readable format at all: China's NMPA
suspected adverse-event report (可疑医疗器械不良事件报告表) is typed into the
national monitoring system by hand. What the agent can produce for such a form
is a workbook that reads like the official paper form (title, sections, one
``label | value`` row per field in the official order) and that the person
entering the report can print or copy from, next to a value dict that a JSON
Schema has already checked.

The workbook is also a file Odoo stores with a SHA-256 and that the tests
compare byte for byte with golden files, so the same input must give the
same bytes, on every run and every machine. openpyxl stamps the current time
into ``docProps/core.xml`` and into every zip entry, writes different (but
equivalent) XML depending on whether lxml is installed, and ``zlib`` builds
(e.g. zlib-ng) may deflate the same data differently. :func:`render_form_xlsx`
therefore fixes the document properties and rewrites the package: every XML
part in its canonical form (C14N 2.0, so the XML backend does not show), zip
entries in openpyxl's order with fixed timestamps and attributes, *stored*
(uncompressed). The bytes then depend only on the input and on the openpyxl
version (an openpyxl upgrade may change its XML and so needs the golden files
regenerated on purpose).

Cell values:

* text stays text, always: a value starting with ``=`` is never a formula and
  ``#N/A`` never an error value (data from users must not become formulas);
* dates (ISO ``YYYY-MM-DD`` text from the payload, or :class:`datetime.date`
  objects) are written as ISO **text**, not as Excel date serials: the cell
  shows exactly the value the schema validated, whatever the locale of the
  spreadsheet program, with no 1900/1904 epoch to get wrong, and the golden
  files stay readable; :class:`datetime.datetime` becomes
  ``YYYY-MM-DDTHH:MM:SS`` (with its offset, if it has one);
* ``True`` / ``False`` become ``是 / Yes`` / ``否 / No``;
* numbers stay numbers (``int``, finite ``float``);
* lists become one item per line (``\\n``) in a wrapped cell;
* ``None`` or a key without a value leaves the value cell empty, so the
  printout still shows the field;
* control characters that XML 1.0 cannot carry are removed; text longer than
  Excel's 32,767 characters per cell is refused (openpyxl would truncate it
  silently).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final
from xml.etree.ElementTree import canonicalize

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FIXED_TIMESTAMP",
    "MAX_CELL_CHARS",
    "MEDIA_TYPE",
    "NO",
    "YES",
    "render_form_xlsx",
]

#: The media type of the result (for ``RenderedDocument.media_type``).
MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Creation/modification time written into the workbook and every zip entry.
#: 1980-01-01 is the earliest time a zip entry can carry.
FIXED_TIMESTAMP: Final = datetime(1980, 1, 1, 0, 0, 0)
#: Excel's limit of characters in one cell.
MAX_CELL_CHARS: Final = 32767
#: How booleans read on the form.
YES: Final = "是 / Yes"
NO: Final = "否 / No"
#: Who made the workbook (``docProps/core.xml`` creator).
CREATOR: Final = "complaints-sync"

_LABEL_WIDTH: Final = 42.0  # column A, in widths of the character "0"
_VALUE_WIDTH: Final = 72.0  # column B
_LINE_HEIGHT: Final = 15.0  # points, one line of the default 11 pt font
_MAX_ROW_HEIGHT: Final = 409.0  # Excel's maximum row height in points
_ZIP_DATE_TIME: Final = FIXED_TIMESTAMP.timetuple()[:6]
_ZIP_FILE_MODE: Final = 0o100644 << 16  # a regular file, rw-r--r--
_ZIP_UNIX: Final = 3  # "made by" system: the same on every platform
# Characters XML 1.0 cannot carry (openpyxl refuses them); TAB, LF, CR stay.
_ILLEGAL_CHARS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_THIN: Final = Side(style="thin", color="FF808080")
_BOX: Final = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT: Final = Font(bold=True, size=14)
_SECTION_FONT: Final = Font(bold=True)
_SECTION_FILL: Final = PatternFill(fill_type="solid", fgColor="FFD9E1F2")
_LABEL_FILL: Final = PatternFill(fill_type="solid", fgColor="FFF2F2F2")
_TITLE_ALIGN: Final = Alignment(horizontal="center", vertical="center", wrap_text=True)
_CELL_ALIGN: Final = Alignment(horizontal="left", vertical="top", wrap_text=True)


def render_form_xlsx(
    form: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    sheet: str,
    *,
    title: str | None = None,
) -> bytes:
    """The ``.xlsx`` bytes of ``values`` laid out as ``form`` on one sheet.

    ``form`` is the mapping file's layout, in the official field order:
    ``[{"section": "A 患者资料 / Patient", "fields": [{"key": ..., "label": ...}, ...]}, ...]``.
    ``values`` maps form keys to values (already validated against the
    form's JSON Schema); a key missing from ``values`` is an empty field, but
    a key of ``values`` that the form does not show is an error (it would be
    lost silently). ``sheet`` names the worksheet and, unless ``title`` is
    given, is the title in the first row.

    Raises :class:`ValueError` for a malformed form, an invalid sheet name, a
    value the form cannot show (an object, a non-finite number, text over
    :data:`MAX_CELL_CHARS`), naming the form key.
    """
    sections = _check_form(form)
    shown = {key for _, fields in sections for key, _ in fields}
    unknown = sorted(set(values) - shown)
    if unknown:
        raise ValueError(f"values for keys the form does not show: {', '.join(unknown)}")

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None  # a new Workbook always has one sheet
    try:
        worksheet.title = sheet
    except ValueError as exc:
        raise ValueError(f"invalid sheet name {sheet!r}: {exc}") from None
    _layout(worksheet, sections, values, title if title is not None else sheet)

    props = workbook.properties
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.title = title if title is not None else sheet
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP

    buffer = io.BytesIO()
    workbook.save(buffer)  # stamps props.modified and the zip entries with "now"...
    return _deterministic_zip(buffer.getvalue(), _core_xml(workbook))  # ...undone here


# -- form structure --------------------------------------------------------
def _check_form(form: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    if not isinstance(form, Sequence) or isinstance(form, str) or not form:
        raise ValueError("form must be a non-empty list of sections")
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    seen: set[str] = set()
    for i, section in enumerate(form):
        if not isinstance(section, Mapping):
            raise ValueError(f"form[{i}] must be a mapping with 'section' and 'fields'")
        name, fields = section.get("section"), section.get("fields")
        if not isinstance(name, str) or not name:
            raise ValueError(f"form[{i}].section must be non-empty text")
        if not isinstance(fields, Sequence) or isinstance(fields, str) or not fields:
            raise ValueError(f"form[{i}].fields must be a non-empty list")
        rows: list[tuple[str, str]] = []
        for j, field in enumerate(fields):
            key = field.get("key") if isinstance(field, Mapping) else None
            label = field.get("label") if isinstance(field, Mapping) else None
            if not isinstance(key, str) or not key or not isinstance(label, str) or not label:
                raise ValueError(f"form[{i}].fields[{j}] needs a text 'key' and 'label'")
            if key in seen:
                raise ValueError(f"form[{i}].fields[{j}]: key {key!r} appears twice in the form")
            seen.add(key)
            rows.append((key, label))
        sections.append((name, rows))
    return sections


# -- layout ----------------------------------------------------------------
def _layout(
    worksheet: Worksheet,
    sections: list[tuple[str, list[tuple[str, str]]]],
    values: Mapping[str, Any],
    title: str,
) -> None:
    worksheet.column_dimensions["A"].width = _LABEL_WIDTH
    worksheet.column_dimensions["B"].width = _VALUE_WIDTH

    row = 1
    _banner(worksheet, row, _clean("title", title), _TITLE_FONT, None, _TITLE_ALIGN, 2 * _LINE_HEIGHT)
    for name, fields in sections:
        row += 1
        _banner(worksheet, row, _clean("section", name), _SECTION_FONT, _SECTION_FILL, _CELL_ALIGN, None)
        for key, label in fields:
            row += 1
            text = _cell_value(key, values.get(key))
            label_cell = worksheet.cell(row=row, column=1)
            _set_text(label_cell, _clean(key, label))
            label_cell.fill = _LABEL_FILL
            value_cell = worksheet.cell(row=row, column=2)
            if isinstance(text, str):
                _set_text(value_cell, text)
            elif text is not None:
                value_cell.value = text
            for cell in (label_cell, value_cell):
                cell.alignment = _CELL_ALIGN
                cell.border = _BOX
            lines = max(
                _lines(label, _LABEL_WIDTH),
                _lines(text if isinstance(text, str) else "", _VALUE_WIDTH),
            )
            if lines > 1:
                worksheet.row_dimensions[row].height = min(lines * _LINE_HEIGHT, _MAX_ROW_HEIGHT)

    # Print on A4, one page wide, as many pages tall as needed; repeat the title.
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.orientation = "portrait"
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_title_rows = "1:1"
    worksheet.print_area = f"A1:B{row}"


def _banner(
    worksheet: Worksheet,
    row: int,
    text: str,
    font: Font,
    fill: PatternFill | None,
    alignment: Alignment,
    height: float | None,
) -> None:
    """A title or section row: one text across both columns."""
    cell = worksheet.cell(row=row, column=1)
    _set_text(cell, text)
    cell.font = font
    cell.alignment = alignment
    for column in (1, 2):
        part = worksheet.cell(row=row, column=column)
        part.border = _BOX
        if fill is not None:
            part.fill = fill
    worksheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    if height is not None:
        worksheet.row_dimensions[row].height = height


def _set_text(cell: Any, text: str) -> None:
    cell.value = text
    cell.data_type = "s"  # never a formula ("=...") or an error value ("#N/A")


def _cell_value(key: str, value: Any) -> str | int | float | None:
    """The cell content for one form value (see the module docstring)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        items = [_scalar_text(key, item) for item in value if item is not None and item != ""]
        return _clean(key, "\n".join(items)) if items else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _clean(key, _scalar_text(key, value))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"form field {key!r}: {value!r} is not a number a form can show")
    return value


def _scalar_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    raise ValueError(f"form field {key!r}: cannot show {type(value).__name__} value {value!r:.60}")


def _clean(key: str, text: str) -> str:
    text = _ILLEGAL_CHARS.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(
            f"form field {key!r}: {len(text)} characters, more than a spreadsheet cell holds ({MAX_CELL_CHARS})"
        )
    return text


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped cell ``width`` characters wide (an
    estimate: Chinese characters are two columns wide, the rest one)."""
    usable = max(width - 2.0, 1.0)
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# -- deterministic package -------------------------------------------------
def _core_xml(workbook: Workbook) -> bytes:
    from openpyxl.xml.functions import tostring

    props = workbook.properties
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP
    return tostring(props.to_tree())


def _deterministic_zip(package: bytes, core_xml: bytes) -> bytes:
    """Rewrite openpyxl's zip: same entries in the same order, fixed core
    properties, canonical XML, fixed timestamps and attributes, stored uncompressed."""
    from openpyxl.xml.constants import ARC_CORE

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for name, data in _entries(source):
            if name == ARC_CORE:
                data = core_xml
            if name.endswith((".xml", ".rels")):
                # Same document, one spelling: lxml and ElementTree differ in
                # where they declare namespaces, "/>" vs " />" and &#NNNN; escapes.
                data = canonicalize(xml_data=data.decode("utf-8")).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = _ZIP_UNIX
            info.external_attr = _ZIP_FILE_MODE
            target.writestr(info, data)
    return out.getvalue()


def _entries(source: zipfile.ZipFile) -> Iterable[tuple[str, bytes]]:
    for info in source.infolist():
        yield info.filename, source.read(info)
