"""FDA eMDR acknowledgements: the files FDA sends back after a submission.

A submission through the FDA Electronic Submissions Gateway (ESG) earns up
to three acknowledgements: ACK1 (the gateway's receipt, MDN), ACK2 (a short
text: the file reached CDRH) and ACK3 (an XML ``<submission>`` from CDRH:
each report of the batch passed, i.e. was loaded into the adverse event
database, or failed, with the reasons). :func:`parse_ack` turns one such
file into one :class:`Acknowledgement` per report, in the shape Odoo's
``quality.regulatory.report.sync_apply_acknowledgement`` takes.

The parser is lenient on purpose: FDA's own ACK3 examples do not validate
against FDA's ACK3 schema (``<failure>`` lists ``reportId`` after its
details, counters come in another order), and files pass through mail
gateways and Windows tools that add a byte order mark, CRLF line ends and
white space. So elements are found by (local) name wherever they are, in
any order, unknown ones are ignored, and empty values become ``None``.
What is strict is the outcome: a file that is not an acknowledgement at all
raises :class:`AckFormatError` naming the file, so that it is not mistaken
for "no news". XML is read without network access or entity expansion.
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime, timedelta, timezone
from typing import Final, Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AckFormatError

__all__ = ["AckDetail", "AckStatus", "Acknowledgement", "parse_ack"]

AckStatus = Literal["accepted", "rejected", "received"]

#: ACK3 ``<report><status>`` values; anything else is only a receipt.
_STATUS: Final[dict[str, AckStatus]] = {
    "passed": "accepted",
    "pass": "accepted",
    "success": "accepted",
    "successful": "accepted",
    "loaded": "accepted",
    "accepted": "accepted",
    "failed": "rejected",
    "fail": "rejected",
    "failure": "rejected",
    "error": "rejected",
    "rejected": "rejected",
}

#: An FDA MDR report number: CFN (7 digits) or FEI (10 digits), year, sequence
#: (``1234567-2015-23762``). ACK3 puts a sentence in its place when it could
#: not read one (``Unable to retrieve report ID``): that is no number.
_REPORT_NUMBER: Final = re.compile(r"^[0-9]+-[0-9]{4}-[0-9]+$")

#: Time zones FDA writes in ACK3 dates (Java's ``Date.toString()``).
_ZONES: Final[dict[str, int]] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
_MONTHS: Final = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
#: ``Tue Jun 09 09:14:47 EDT 2015`` (the weekday and the zone may be missing).
_JAVA_DATE: Final = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(?:([A-Za-z]{1,5})\s+)?(\d{4})$"
)
#: ACK2's ``06-10-2015, 16:36:44`` (US order: month, day, year).
_US_DATE: Final = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
#: FDA names its files after the acknowledgement (``ACK3_SUCCESS_Single_Report.xml``).
_ACK_IN_NAME: Final = re.compile(r"(?<![A-Za-z])ACK[\s_-]?([1-9])(?![0-9])", re.IGNORECASE)
_XML_DECLARATION: Final = re.compile(r"^<\?xml[^>]*\?>")
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")


class AckDetail(BaseModel):
    """One reason FDA gives for a failed report (an ACK3 ``<detail>``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    section: str | None = None  # 3500A box (F10, H6) or FDA's section name (reportIdentifier)
    message: str | None = None
    value: str | None = None  # the value FDA objected to
    xpath: str | None = None


class Acknowledgement(BaseModel):
    """One report's acknowledgement, as ``sync_apply_acknowledgement`` takes it
    (``model_dump(mode="json")``). Unknown values are ``None``, never ``""``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(pattern=r"^ACK[1-9]$")
    report_number: str | None = None  # 3500A box G9, e.g. 1234567-2015-23762
    batch_id: str | None = None
    core_id: str | None = None  # the gateway's id of the transmission
    message_id: str | None = None
    status: AckStatus
    received_at: str | None = None  # ISO 8601; UTC (Z) when the file says its zone
    errors: list[AckDetail] = Field(default_factory=list)


def parse_ack(data: bytes, file_name: str) -> list[Acknowledgement]:
    """Parse one acknowledgement file into one :class:`Acknowledgement` per
    report it names (one for an ACK2, which names none).

    Raises :class:`AckFormatError` (its text names ``file_name``) when the
    file is empty, unreadable or no acknowledgement.
    """
    text = _decode(data).strip()
    if not text:
        raise AckFormatError(f"{file_name}: empty file, not an FDA acknowledgement")
    if text.startswith("<"):
        root = _parse_xml(text, file_name)
        name = _local(root).lower()
        if name == "submission":
            return _ack3(root, _kind_from_name(file_name, "ACK3"))
        if name == "html":
            raise AckFormatError(
                f"{file_name}: the HTML copy of an ACK3 is for people; read the .xml file FDA sent with it"
            )
        raise AckFormatError(
            f"{file_name}: XML root <{_local(root)}> is not an FDA acknowledgement (expected <submission>)"
        )
    fields = _colon_fields(text)
    if fields.keys() & {"coreid", "messageid"} or "has received your submission" in text.lower():
        return [_ack2(fields, _kind_from_name(file_name, "ACK2"))]
    raise AckFormatError(
        f"{file_name}: not an FDA acknowledgement (neither an ACK3 <submission> XML "
        "nor an ACK2 receipt with CoreId/MessageId)"
    )


# -- reading -----------------------------------------------------------------
def _decode(data: bytes) -> str:
    """Text of the file: a UTF-8/16 byte order mark wins, then UTF-8, then
    Windows-1252 (never fails: a wrong guess shows up as a format error)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse_xml(text: str, file_name: str) -> etree._Element:
    """Lenient about structure, not about syntax: a truncated or broken file
    is refused (and shown to a person) rather than half read."""
    # No DTD, no entity expansion, no network: an acknowledgement is data from outside.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    # The text is decoded already, and lxml refuses str input that declares an encoding.
    body = _XML_DECLARATION.sub("", text, count=1).strip()
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise AckFormatError(f"{file_name}: not well-formed XML ({exc})") from None


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """Descendants called ``name`` (any namespace, any case), in document order."""
    wanted = name.lower()
    return [e for e in element.iter() if e is not element and _local(e).lower() == wanted]


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    value = " ".join("".join(element.itertext()).split())
    return value or None


def _first_text(element: etree._Element, name: str) -> str | None:
    return next((t for t in map(_text, _children(element, name)) if t is not None), None)


def _colon_fields(text: str) -> dict[str, str]:
    """``Key Name: value`` lines -> ``{"keyname": "value"}`` (first one wins)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key = _NON_ALNUM.sub("", key.lower())
        if sep and key and value.strip():
            fields.setdefault(key, value.strip())
    return fields


def _kind_from_name(file_name: str, default: str) -> str:
    match = _ACK_IN_NAME.search(file_name)
    return f"ACK{match.group(1)}" if match else default


# -- ACK2: the text receipt ----------------------------------------------------
def _ack2(fields: dict[str, str], kind: str) -> Acknowledgement:
    message_id = fields.get("messageid")
    if message_id and message_id.startswith("<") and message_id.endswith(">"):
        message_id = message_id[1:-1] or None  # a mail Message-ID; the brackets only delimit it
    when = next((v for k, v in fields.items() if k.startswith("datetime") or k.startswith("date")), None)
    return Acknowledgement(
        kind=kind,
        core_id=fields.get("coreid"),
        message_id=message_id,
        batch_id=fields.get("batchid"),
        report_number=_report_number(fields.get("reportnumber") or fields.get("reportid")),
        status="received",
        received_at=_iso(when, assume_eastern=True),
    )


# -- ACK3: CDRH's verdict per report -------------------------------------------
def _ack3(root: etree._Element, kind: str) -> list[Acknowledgement]:
    common = {
        "kind": kind,
        "core_id": _first_text(root, "coreId"),
        "batch_id": _first_text(root, "batchId"),
        "message_id": _first_text(root, "messageId"),
        "received_at": _iso(_first_text(root, "dateEntered"), assume_eastern=True),
    }
    statuses: dict[str | None, AckStatus] = {}  # raw report id -> status, in document order
    for report in _children(root, "report"):
        raw_id = (
            (report.get("id") or "").strip() or _first_text(report, "reportId") or _first_text(report, "id")
        )
        status = _STATUS.get((_first_text(report, "status") or "").lower(), "received")
        if statuses.get(raw_id) != "rejected":  # a report listed twice: a failure wins
            statuses[raw_id] = status
    errors: dict[str | None, list[AckDetail]] = {}
    for failure in _children(root, "failure"):
        raw_id = _first_text(failure, "reportId")
        details = errors.setdefault(raw_id, [])
        details.extend(_detail(d) for d in _children(failure, "detail"))
        statuses.setdefault(raw_id, "rejected")  # a failure for a report not listed
    if not statuses:  # a batch-level answer that names no report
        failed = _count(root, "numReportFailed")
        statuses[None] = "rejected" if failed else "received"
    return [
        Acknowledgement(
            **common,
            report_number=_report_number(raw_id),
            status=status,
            errors=errors.get(raw_id, []),
        )
        for raw_id, status in statuses.items()
    ]


def _detail(element: etree._Element) -> AckDetail:
    return AckDetail(
        section=_first_text(element, "section"),
        message=_first_text(element, "errorMessage") or _first_text(element, "message"),
        value=_first_text(element, "messageValue") or _first_text(element, "value"),
        xpath=_first_text(element, "xPath"),
    )


def _count(root: etree._Element, name: str) -> int:
    text = _first_text(root, name)
    return int(text) if text and text.isdigit() else 0


def _report_number(raw: str | None) -> str | None:
    return raw if raw is not None and _REPORT_NUMBER.match(raw) else None


# -- dates -------------------------------------------------------------------
def _eastern(moment: datetime) -> datetime:
    """FDA stamps receipts in US Eastern time; without tz data, keep it naive."""
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    except ImportError:  # pragma: no cover - Python < 3.9
        return moment
    try:
        return moment.replace(tzinfo=ZoneInfo("America/New_York"))
    except ZoneInfoNotFoundError:  # pragma: no cover - no system tz database (Windows without tzdata)
        return moment


def _iso(text: str | None, *, assume_eastern: bool) -> str | None:
    """An FDA date as ISO 8601 (UTC ``Z`` when the zone is known); ``None``
    when absent or unreadable (the acknowledgement still counts)."""
    if not text:
        return None
    moment = _parse_date(" ".join(text.split()))
    if moment is None:
        return None
    if moment.tzinfo is None and assume_eastern:
        moment = _eastern(moment)
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_date(text: str) -> datetime | None:
    match = _JAVA_DATE.match(text)
    if match:
        month = _MONTHS.get(match.group(1).lower())
        zone = match.group(6)
        if month is None or (zone is not None and zone.upper() not in _ZONES):
            return None
        year, day, hour, minute, second = (int(match.group(i)) for i in (7, 2, 3, 4, 5))
        try:
            moment = datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
        if zone is None:
            return moment
        return moment.replace(tzinfo=timezone(timedelta(hours=_ZONES[zone.upper()])))
    match = _US_DATE.match(text)
    if match:
        month, day, year, hour, minute, second = (int(g or 0) for g in match.groups())
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
