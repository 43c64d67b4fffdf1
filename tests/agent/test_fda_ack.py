"""FDA eMDR acknowledgements (ACK2 receipts, ACK3 verdicts) read by sync_agent.answers.fda_ack.

The expectations for FDA's own example files are read from the files
themselves (with the standard library's parser and plain text search), so
the tests check that every report, status and failure detail the file holds
comes out, not a copy of the parser's output.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sync_agent import cli
from sync_agent import AckFormatError, Acknowledgement, GatewayCallError, GatewayUnavailable, parse_ack
from sync_agent.testing import FakeOdooGateway

ACK_DIR = Path(__file__).parent / "data" / "fda_ack"
ACK_FILES = sorted(p for p in ACK_DIR.iterdir() if p.suffix in (".xml", ".txt"))
ACK3_FILES = [p for p in ACK_FILES if p.suffix == ".xml"]
ACK2_FILE = ACK_DIR / "ACK2_SUCCESS.txt"
REPORT_NUMBER = re.compile(r"^\d+-\d{4}-\d+$")
#: The acknowledgement dict of the regulatory contract (sync_apply_acknowledgement).
CONTRACT_KEYS = (
    "kind",
    "report_number",
    "batch_id",
    "core_id",
    "message_id",
    "status",
    "received_at",
    "errors",
)


def parse(path: Path) -> list[Acknowledgement]:
    return parse_ack(path.read_bytes(), path.name)


def oracle(path: Path) -> ET.Element:
    """The file as the standard library reads it (no namespaces in FDA's ACK3)."""
    return ET.fromstring(path.read_bytes())


def clean(text: str | None) -> str | None:
    value = " ".join((text or "").split())
    return value or None


def test_the_examples_are_all_there() -> None:
    assert ACK2_FILE in ACK_FILES and len(ACK3_FILES) == 5


@pytest.mark.parametrize("path", ACK_FILES, ids=lambda p: p.name)
def test_every_example_parses_into_valid_acknowledgements(path: Path) -> None:
    acks = parse(path)
    assert acks
    for ack in acks:
        dumped = ack.model_dump(mode="json")
        assert tuple(dumped) == CONTRACT_KEYS
        assert "" not in dumped.values()  # unknown values are None, never ""
        assert Acknowledgement.model_validate(dumped) == ack


@pytest.mark.parametrize("path", ACK3_FILES, ids=lambda p: p.name)
def test_ack3_gives_one_acknowledgement_per_report_with_its_status(path: Path) -> None:
    root = oracle(path)
    expected = {
        report.get("id"): {"passed": "accepted", "failed": "rejected"}[report.findtext("status", "").strip()]
        for report in root.iter("report")
    }
    acks = parse(path)
    assert len(acks) == len(expected)
    for ack, (raw_id, status) in zip(acks, expected.items()):
        assert ack.kind == "ACK3"
        assert ack.status == status
        # A real report number is passed on; FDA's "Unable to retrieve report ID" is none.
        assert ack.report_number == (raw_id if REPORT_NUMBER.match(raw_id) else None)
        assert ack.core_id == clean(root.findtext("coreId"))
        assert ack.batch_id == clean(root.findtext("batchId"))
    passed = sum(ack.status == "accepted" for ack in acks)
    assert passed == int(root.findtext("numReportPassed", "0"))
    assert len(acks) - passed == int(root.findtext("numReportFailed", "0"))


@pytest.mark.parametrize("path", ACK3_FILES, ids=lambda p: p.name)
def test_ack3_failure_details_land_on_their_report(path: Path) -> None:
    root = oracle(path)
    by_id = {
        failure.findtext("reportId"): [
            {
                "section": clean(detail.findtext("section")),
                "message": clean(detail.findtext("errorMessage")),
                "value": clean(detail.findtext("messageValue")),
                "xpath": clean(detail.findtext("xPath")),
            }
            for detail in failure.iter("detail")
        ]
        for failure in root.iter("failure")
    }
    raw_ids = [report.get("id") for report in root.iter("report")]
    for raw_id, ack in zip(raw_ids, parse(path)):
        errors = [error.model_dump() for error in ack.errors]
        assert errors == by_id.get(raw_id, [])
        assert (ack.status == "rejected") == bool(errors)


@pytest.mark.parametrize("path", ACK3_FILES, ids=lambda p: p.name)
def test_ack3_date_entered_becomes_utc(path: Path) -> None:
    # "Tue Jun 09 09:14:47 EDT 2015": EDT is UTC-4.
    match = re.search(r"(\d{2}):(\d{2}):(\d{2}) EDT (\d{4})", oracle(path).findtext("dateEntered", ""))
    assert match
    hour, minute, second, year = (int(g) for g in match.groups())
    for ack in parse(path):
        assert ack.received_at is not None and ack.received_at.endswith("Z")
        assert ack.received_at.startswith(str(year))
        assert ack.received_at[11:19] == f"{(hour + 4) % 24:02d}:{minute:02d}:{second:02d}"


def test_ack2_is_a_receipt_with_the_gateway_ids() -> None:
    text = ACK2_FILE.read_text(encoding="utf-8")
    (ack,) = parse(ACK2_FILE)
    assert ack.kind == "ACK2" and ack.status == "received"
    assert ack.report_number is None and ack.errors == []
    assert ack.core_id == re.search(r"^CoreId:\s*(\S+)", text, re.M).group(1)
    message_id = re.search(r"^MessageId:\s*<(\S+)>", text, re.M).group(1)
    assert ack.message_id == message_id  # the mail-style angle brackets are dropped
    # "DateTime Receipt Generated: 06-10-2015, 16:36:44" (month first), US Eastern summer time
    assert ack.received_at == "2015-06-10T20:36:44Z"


# -- lenient reading -------------------------------------------------------------
def test_bom_crlf_and_stray_white_space_are_tolerated() -> None:
    path = ACK3_FILES[0]
    plain = parse(path)
    noisy = codecs.BOM_UTF8 + b"\r\n  \n" + path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n  "
    assert parse_ack(noisy, path.name) == plain
    utf16 = ("\n " + path.read_bytes().decode("utf-8")).encode("utf-16")
    assert parse_ack(utf16, path.name) == plain
    ack2 = codecs.BOM_UTF8 + b"\n\n" + ACK2_FILE.read_bytes().replace(b"\n", b"\r\n")
    assert parse_ack(ack2, ACK2_FILE.name) == parse(ACK2_FILE)


def test_element_order_unknown_elements_and_namespaces_do_not_matter() -> None:
    reordered = b"""<?xml version="1.0" encoding="UTF-8"?>
<ack:submission xmlns:ack="urn:example:fda-ack">
  <ack:failure>
    <ack:detail>
      <ack:xPath>//message[1]/x</ack:xPath>
      <ack:futureField>ignored</ack:futureField>
      <ack:messageValue>ABC</ack:messageValue>
      <ack:errorMessage>  Lot number too long.  </ack:errorMessage>
      <ack:section>D4</ack:section>
    </ack:detail>
    <ack:reportId>3012345678-2026-00007</ack:reportId>
  </ack:failure>
  <ack:report id="3012345678-2026-00008"><ack:note>new</ack:note><ack:status>PASSED</ack:status></ack:report>
  <ack:report id="3012345678-2026-00007"><ack:status>failed</ack:status></ack:report>
  <ack:numReportPassed>1</ack:numReportPassed>
  <ack:dateEntered>Mon Jan 05 10:00:00 EST 2026</ack:dateEntered>
  <ack:batchId> 3012345678-20260105100000 </ack:batchId>
  <ack:coreId>ci1</ack:coreId>
</ack:submission>"""
    acks = parse_ack(reordered, "reply.xml")
    assert [(a.report_number, a.status) for a in acks] == [
        ("3012345678-2026-00008", "accepted"),
        ("3012345678-2026-00007", "rejected"),
    ]
    assert acks[0].errors == []
    assert [e.model_dump() for e in acks[1].errors] == [
        {"section": "D4", "message": "Lot number too long.", "value": "ABC", "xpath": "//message[1]/x"}
    ]
    assert {(a.batch_id, a.core_id, a.received_at) for a in acks} == {
        ("3012345678-20260105100000", "ci1", "2026-01-05T15:00:00Z")
    }


def test_a_failure_for_an_unlisted_report_is_still_reported() -> None:
    data = b"""<submission><coreId>c</coreId><batchId>b</batchId>
      <failure><reportId>1234567-2026-00001</reportId>
        <detail><errorMessage>Duplicate report.</errorMessage></detail></failure>
    </submission>"""
    (ack,) = parse_ack(data, "x.xml")
    assert ack.report_number == "1234567-2026-00001" and ack.status == "rejected"
    assert [e.message for e in ack.errors] == ["Duplicate report."]
    assert ack.received_at is None  # no dateEntered: unknown, not an error


def test_a_verdict_naming_no_report_is_one_batch_acknowledgement() -> None:
    data = b"<submission><batchId>1234567-20260101000000</batchId><numReportFailed>2</numReportFailed></submission>"
    (ack,) = parse_ack(data, "batch.xml")
    assert (ack.report_number, ack.batch_id, ack.status) == (None, "1234567-20260101000000", "rejected")


def test_the_kind_follows_fdas_file_name_when_it_says_one() -> None:
    data = ACK3_FILES[0].read_bytes()
    assert {a.kind for a in parse_ack(data, "answer.xml")} == {"ACK3"}
    assert {a.kind for a in parse_ack(data, "MFR_REPORT_ACK4.xml")} == {"ACK4"}
    assert {a.kind for a in parse_ack(data, "FEEDBACK1.xml")} == {"ACK3"}  # "BACK1" names no ACK


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    data = f"""<?xml version="1.0"?>
<!DOCTYPE submission [<!ENTITY leak SYSTEM "{secret.as_uri()}"><!ENTITY big "BIGBIGBIG">]>
<submission><coreId>&leak;</coreId><batchId>&big;&big;</batchId>
<report id="1234567-2026-00001"><status>passed</status></report></submission>""".encode()
    (ack,) = parse_ack(data, "evil.xml")
    assert ack.status == "accepted"
    assert "TOP-SECRET-MARKER" not in ack.model_dump_json()
    assert "BIGBIGBIG" not in ack.model_dump_json()


# -- what is no acknowledgement ---------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b" \r\n\t", "empty file"),
        (b"Dear submitter,\nthank you.\n", "not an FDA acknowledgement"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an FDA acknowledgement"),
        (b'<?xml version="1.0"?><PORR_IN040001UV01 xmlns="urn:hl7-org:v3"/>', "<PORR_IN040001UV01>"),
        (b"<html><body>Submission Result</body></html>", "HTML copy of an ACK3"),
        (b"<submission><report id='1'>", "not well-formed XML"),
    ],
)
def test_something_else_is_refused_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(AckFormatError) as info:
        parse_ack(data, "inbox/odd-file.bin")
    assert str(info.value).startswith("inbox/odd-file.bin: ")
    assert message in str(info.value)


# -- complaints-sync ack ----------------------------------------------------------------------
@pytest.fixture
def odoo(monkeypatch: pytest.MonkeyPatch, full_env: dict[str, str]) -> FakeOdooGateway:
    """Odoo for the CLI: a FakeOdooGateway that knows one report by its 3500A number."""
    gateway = FakeOdooGateway()
    monkeypatch.setattr(cli, "make_gateway", lambda _settings: gateway)
    return gateway


def test_cli_applies_every_acknowledgement_of_a_folder(
    odoo: FakeOdooGateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    known = parse(ACK3_FILES[-1])[0].report_number  # one report Odoo has filed
    assert known is not None
    odoo.report_numbers[known] = "RR-2026-0042"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in ACK_FILES:
        (inbox / path.name).write_bytes(path.read_bytes())
    (inbox / "ACK3_SUCCESS_Single_Report.html").write_text("<html>for people</html>", encoding="utf-8")
    assert cli.main(["ack", str(inbox)]) == 0
    expected = [ack.model_dump(mode="json") for path in ACK_FILES for ack in parse(path)]
    assert odoo.acknowledgements == expected  # every report of every file, in file order; no HTML
    out = capsys.readouterr().out
    assert f"{known} " in out and "matched RR-2026-0042" in out
    assert out.count(": unmatched") == len(expected) - 1
    assert f"1 acknowledgement(s) matched, {len(expected) - 1} unmatched" in out


def test_cli_reports_a_file_that_is_no_acknowledgement_and_goes_on(
    odoo: FakeOdooGateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "notes.txt"
    stray.write_text("call FDA on Monday\n", encoding="utf-8")
    missing = tmp_path / "gone.xml"
    code = cli.main(["ack", str(stray), str(missing), str(ACK2_FILE)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{stray}: not an FDA acknowledgement" in err and f"{missing}: cannot read" in err
    assert [a["kind"] for a in odoo.acknowledgements] == ["ACK2"]  # the good file still counts


def test_cli_ack_exits_3_when_odoo_is_down(odoo: FakeOdooGateway, capsys: pytest.CaptureFixture[str]) -> None:
    odoo.unavailable = True
    assert cli.main(["ack", str(ACK2_FILE)]) == 3
    assert "down" in capsys.readouterr().err


def test_cli_ack_shows_a_refusal_and_exits_1(
    odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(_ack: dict[str, object]) -> dict[str, object]:
        raise GatewayCallError("report is cancelled", "odoo.exceptions.UserError")

    monkeypatch.setattr(odoo, "apply_acknowledgement", refuse)
    assert cli.main(["ack", str(ACK3_FILES[0])]) == 1
    assert "refused by Odoo: report is cancelled" in capsys.readouterr().out


def test_cli_ack_stops_on_an_odoo_crash(odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def crash(ack: dict[str, object]) -> dict[str, object]:
        calls.append(ack)
        raise GatewayUnavailable("connection reset")

    monkeypatch.setattr(odoo, "apply_acknowledgement", crash)
    assert cli.main(["ack", *map(str, ACK3_FILES)]) == 3
    assert len(calls) == 1  # not a refusal of the data: no point in going on
