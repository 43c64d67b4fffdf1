"""The acknowledgement inbox: FDA's ACK files applied by run/once, never lost.

Uses FDA's own example files (tests/agent/data/fda_ack) and the
FakeOdooGateway; the files are copied into a temporary inbox with a
modification time in the past, as if the ESG client had dropped them
a while ago.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sync_agent import cli
from sync_agent import AckInbox, ConfigError, GatewayCallError, GatewayUnavailable, load_config, parse_ack
from sync_agent.answers.ack_inbox import PROCESSED_DIR, REFUSED_DIR, AckInboxReport
from sync_agent.testing import FakeOdooGateway

from agent_helpers import SECRET

ACK_DIR = Path(__file__).parent / "data" / "fda_ack"
ACK_FILES = sorted(p for p in ACK_DIR.iterdir() if p.suffix in (".xml", ".txt"))
ACK2_FILE = ACK_DIR / "ACK2_SUCCESS.txt"
MULTI_FILE = ACK_DIR / "ACK3_PARTIAL_FAILURE_PARTIAL_PASS.xml"

BASE_ENV = {
    "COMPLAINTS_ODOO_URL": "https://odoo.example.com",
    "COMPLAINTS_ODOO_DB": "prod",
    "COMPLAINTS_ODOO_USER": "sync-bot",
    "COMPLAINTS_ODOO_API_KEY": SECRET,
}


def acks_of(path: Path) -> list[dict[str, Any]]:
    """What the gateway must be sent for one file (the parser's own output)."""
    return [ack.model_dump(mode="json") for ack in parse_ack(path.read_bytes(), path.name)]


def drop(inbox: Path, source: Path, name: str | None = None, *, age: float = 60.0) -> Path:
    """Copy ``source`` into the inbox, last modified ``age`` seconds ago."""
    target = inbox / (name or source.name)
    target.write_bytes(source.read_bytes())
    past = time.time() - age
    os.utime(target, (past, past))
    return target


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def odoo() -> FakeOdooGateway:
    return FakeOdooGateway()


# -- applying --------------------------------------------------------------------------
def test_every_file_is_applied_and_moved_to_processed(
    inbox: Path, odoo: FakeOdooGateway, caplog: pytest.LogCaptureFixture
) -> None:
    known = acks_of(MULTI_FILE)[0]["report_number"]
    assert known is not None
    odoo.report_numbers[known] = "RR-2026-0042"
    for age, path in enumerate(ACK_FILES):  # dropped in file name order, the first one oldest
        drop(inbox, path, age=100.0 - age)
    expected = [ack for path in ACK_FILES for ack in acks_of(path)]

    with caplog.at_level(logging.INFO, logger="sync_agent.answers.ack_inbox"):
        report = AckInbox(inbox, odoo).poll()

    assert odoo.acknowledgements == expected  # every report of every file, oldest file first
    assert report == AckInboxReport(
        files_applied=len(ACK_FILES),
        files_refused=0,
        acknowledgements_matched=1,
        acknowledgements_unmatched=len(expected) - 1,
    )
    assert files_in(inbox) == []
    assert names(inbox / PROCESSED_DIR) == sorted(p.name for p in ACK_FILES)
    for path in ACK_FILES:  # moved, not rewritten
        assert (inbox / PROCESSED_DIR / path.name).read_bytes() == path.read_bytes()
    assert not (inbox / REFUSED_DIR).exists()
    unmatched = [r for r in caplog.records if r.msg == "acknowledgement matches no report in odoo"]
    assert all(r.levelno == logging.WARNING for r in unmatched)
    assert len(unmatched) == len(expected) - 1
    logged_numbers = {r.report_number for r in unmatched}  # type: ignore[attr-defined]
    assert logged_numbers == {a["report_number"] for a in expected} - {known}
    assert known not in logged_numbers


def test_a_second_poll_finds_nothing_to_do(inbox: Path, odoo: FakeOdooGateway) -> None:
    drop(inbox, ACK2_FILE)
    inbox_ = AckInbox(inbox, odoo)
    assert inbox_.poll().files_applied == 1
    assert inbox_.poll() == AckInboxReport()
    assert len(odoo.acknowledgements) == 1


def test_other_files_are_left_alone(inbox: Path, odoo: FakeOdooGateway) -> None:
    left = [
        drop(inbox, ACK2_FILE, ".ACK2_SUCCESS.txt"),  # hidden: a transfer in progress
        drop(inbox, ACK2_FILE, "~$ACK2_SUCCESS.txt"),  # an office lock file
        drop(inbox, ACK2_FILE, "ACK2_SUCCESS.txt.part"),  # still downloading
        drop(inbox, ACK2_FILE, "ACK3_SUCCESS_Single_Report.html"),  # FDA's copy for people
    ]
    (inbox / "subfolder.xml").mkdir()  # only regular files are read
    assert AckInbox(inbox, odoo).poll() == AckInboxReport()
    assert odoo.acknowledgements == []
    assert all(path.exists() for path in left)
    assert not (inbox / PROCESSED_DIR).exists() and not (inbox / REFUSED_DIR).exists()


def test_upper_case_suffixes_count(inbox: Path, odoo: FakeOdooGateway) -> None:
    drop(inbox, ACK2_FILE, "ACK2_SUCCESS.TXT")
    assert AckInbox(inbox, odoo).poll().files_applied == 1
    assert names(inbox / PROCESSED_DIR) == ["ACK2_SUCCESS.TXT"]


# -- refusing --------------------------------------------------------------------------
def test_a_file_that_is_no_acknowledgement_moves_to_refused(
    inbox: Path, odoo: FakeOdooGateway, caplog: pytest.LogCaptureFixture
) -> None:
    notes = inbox / "notes.txt"
    notes.write_text("call FDA on Monday\n", encoding="utf-8")
    truncated = inbox / "ACK3_cut.xml"
    truncated.write_bytes(MULTI_FILE.read_bytes()[:200])
    for path in (notes, truncated):
        os.utime(path, (time.time() - 60, time.time() - 60))
    drop(inbox, ACK2_FILE)

    with caplog.at_level(logging.INFO, logger="sync_agent.answers.ack_inbox"):
        report = AckInbox(inbox, odoo).poll()

    assert (report.files_applied, report.files_refused) == (1, 2)
    assert names(inbox / REFUSED_DIR) == ["ACK3_cut.xml", "notes.txt"]
    assert (inbox / REFUSED_DIR / "notes.txt").read_text(encoding="utf-8") == "call FDA on Monday\n"
    assert names(inbox / PROCESSED_DIR) == ["ACK2_SUCCESS.txt"]
    assert [a["kind"] for a in odoo.acknowledgements] == ["ACK2"]  # the good file still counts
    refused = {r.file: r for r in caplog.records if r.msg == "ack file refused"}  # type: ignore[attr-defined]
    assert set(refused) == {str(notes), str(truncated)}
    assert refused[str(notes)].levelno == logging.ERROR
    assert "notes.txt: not an FDA acknowledgement" in refused[str(notes)].reason  # type: ignore[attr-defined]
    assert "not well-formed XML" in refused[str(truncated)].reason  # type: ignore[attr-defined]


def test_an_unreadable_file_moves_to_refused(
    inbox: Path, odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    locked = drop(inbox, ACK2_FILE, "locked.txt")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with caplog.at_level(logging.ERROR, logger="sync_agent.answers.ack_inbox"):
        assert AckInbox(inbox, odoo).poll().files_refused == 1
    assert names(inbox / REFUSED_DIR) == ["locked.txt"] and not locked.exists()
    (record,) = [r for r in caplog.records if r.msg == "ack file refused"]
    assert record.file == str(locked) and "Permission denied" in record.reason  # type: ignore[attr-defined]
    assert odoo.acknowledgements == []


def test_a_file_odoo_refuses_moves_to_refused_after_the_others_of_it(
    inbox: Path, odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = acks_of(MULTI_FILE)
    assert len(expected) >= 2
    refused_number = expected[0]["report_number"]
    real_apply = odoo.apply_acknowledgement

    def apply(ack: dict[str, Any]) -> dict[str, Any]:
        if ack["report_number"] == refused_number:
            raise GatewayCallError("report is cancelled", "odoo.exceptions.UserError")
        return real_apply(ack)

    monkeypatch.setattr(odoo, "apply_acknowledgement", apply)
    drop(inbox, MULTI_FILE)
    report = AckInbox(inbox, odoo).poll()
    assert odoo.acknowledgements == expected[1:]  # the rest of the file still applied
    assert (report.files_applied, report.files_refused) == (0, 1)
    assert report.acknowledgements_unmatched == len(expected) - 1
    assert names(inbox / REFUSED_DIR) == [MULTI_FILE.name]


def test_a_large_file_is_refused_unread(
    inbox: Path, odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = inbox / "dump.xml"
    with big.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    os.utime(big, (time.time() - 60, time.time() - 60))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read"))
    assert AckInbox(inbox, odoo).poll().files_refused == 1
    assert names(inbox / REFUSED_DIR) == ["dump.xml"]


# -- never losing a file ---------------------------------------------------------------
def test_odoo_down_leaves_the_file_in_place_for_the_next_poll(inbox: Path, odoo: FakeOdooGateway) -> None:
    first, second = drop(inbox, ACK2_FILE, age=90), drop(inbox, MULTI_FILE, age=60)
    odoo.unavailable = True
    inbox_ = AckInbox(inbox, odoo)
    assert inbox_.poll() == AckInboxReport()
    assert first.read_bytes() == ACK2_FILE.read_bytes() and second.exists()
    assert names(inbox / PROCESSED_DIR) == [] and names(inbox / REFUSED_DIR) == []
    assert odoo.acknowledgements == []

    odoo.unavailable = False
    assert inbox_.poll().files_applied == 2
    assert files_in(inbox) == []
    assert odoo.acknowledgements == acks_of(ACK2_FILE) + acks_of(MULTI_FILE)


def test_odoo_lost_midway_through_a_file_keeps_the_file_and_applies_it_whole_later(
    inbox: Path, odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = acks_of(MULTI_FILE)
    real_apply = odoo.apply_acknowledgement
    calls: list[dict[str, Any]] = []

    def flaky(ack: dict[str, Any]) -> dict[str, Any]:
        calls.append(ack)
        if len(calls) == 2:
            raise GatewayUnavailable("connection reset")
        return real_apply(ack)

    monkeypatch.setattr(odoo, "apply_acknowledgement", flaky)
    path = drop(inbox, MULTI_FILE, age=90)
    later = drop(inbox, ACK2_FILE, age=30)
    inbox_ = AckInbox(inbox, odoo)
    assert inbox_.poll() == AckInboxReport()
    assert path.exists() and later.exists()  # the poll stopped: Odoo is gone
    assert calls == expected[:2]

    assert inbox_.poll().files_applied == 2
    assert odoo.acknowledgements == expected[:1] + expected + acks_of(ACK2_FILE)
    assert names(inbox / PROCESSED_DIR) == sorted([MULTI_FILE.name, ACK2_FILE.name])


def test_an_odoo_crash_on_one_file_does_not_hold_up_the_others(
    inbox: Path, odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_apply = odoo.apply_acknowledgement

    def apply(ack: dict[str, Any]) -> dict[str, Any]:
        if ack["kind"] == "ACK2":
            raise GatewayCallError("KeyError: 'core_id'", "builtins.KeyError")
        return real_apply(ack)

    monkeypatch.setattr(odoo, "apply_acknowledgement", apply)
    stuck = drop(inbox, ACK2_FILE, age=90)
    drop(inbox, MULTI_FILE, age=60)
    report = AckInbox(inbox, odoo).poll()
    assert report.files_applied == 1 and report.files_refused == 0
    assert stuck.exists()  # not a refusal of the data: tried again next poll
    assert names(inbox / PROCESSED_DIR) == [MULTI_FILE.name]


def test_a_fresh_file_waits_until_it_is_older(inbox: Path, odoo: FakeOdooGateway) -> None:
    path = drop(inbox, ACK2_FILE, age=0)  # the ESG client may still be writing it
    inbox_ = AckInbox(inbox, odoo)
    assert inbox_.poll() == AckInboxReport()
    assert path.exists() and odoo.acknowledgements == []
    assert not (inbox / PROCESSED_DIR).exists()

    past = time.time() - 3
    os.utime(path, (past, past))
    assert inbox_.poll().files_applied == 1
    assert not path.exists() and names(inbox / PROCESSED_DIR) == [ACK2_FILE.name]


def test_a_file_rewritten_while_it_is_applied_waits_for_the_next_poll(
    inbox: Path, odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(inbox, ACK2_FILE, age=60)
    real_apply = odoo.apply_acknowledgement

    def apply_while_writing(ack: dict[str, Any]) -> dict[str, Any]:
        with path.open("ab") as handle:  # the writer was not done after all
            handle.write(b"\n")
        past = time.time() - 30
        os.utime(path, (past, past))
        return real_apply(ack)

    monkeypatch.setattr(odoo, "apply_acknowledgement", apply_while_writing)
    assert AckInbox(inbox, odoo).poll() == AckInboxReport()
    assert path.exists() and not (inbox / PROCESSED_DIR).exists()


def test_a_name_clash_gets_a_numeric_suffix_and_overwrites_nothing(
    inbox: Path, odoo: FakeOdooGateway
) -> None:
    processed = inbox / PROCESSED_DIR
    processed.mkdir()
    (processed / "ACK2_SUCCESS.txt").write_bytes(b"yesterday's receipt")
    inbox_ = AckInbox(inbox, odoo)
    drop(inbox, ACK2_FILE)
    assert inbox_.poll().files_applied == 1
    drop(inbox, ACK2_FILE)  # FDA's next receipt under the same name
    assert inbox_.poll().files_applied == 1
    assert names(processed) == ["ACK2_SUCCESS.1.txt", "ACK2_SUCCESS.2.txt", "ACK2_SUCCESS.txt"]
    assert (processed / "ACK2_SUCCESS.txt").read_bytes() == b"yesterday's receipt"
    assert (processed / "ACK2_SUCCESS.1.txt").read_bytes() == ACK2_FILE.read_bytes()
    assert (processed / "ACK2_SUCCESS.2.txt").read_bytes() == ACK2_FILE.read_bytes()

    refused = inbox / REFUSED_DIR
    refused.mkdir()
    (refused / "notes.txt").write_bytes(b"older")
    (inbox / "notes.txt").write_bytes(b"newer")
    os.utime(inbox / "notes.txt", (time.time() - 60, time.time() - 60))
    assert inbox_.poll().files_refused == 1
    assert (refused / "notes.txt").read_bytes() == b"older"
    assert (refused / "notes.1.txt").read_bytes() == b"newer"


def test_a_failed_move_leaves_the_file_in_the_inbox(
    inbox: Path, odoo: FakeOdooGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(inbox, ACK2_FILE)

    def refuse(_src: object, _dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert AckInbox(inbox, odoo).poll() == AckInboxReport()
    assert path.read_bytes() == ACK2_FILE.read_bytes()
    assert names(inbox / PROCESSED_DIR) == []  # the reserved name was given back


def test_a_missing_inbox_folder_is_reported_not_created(
    tmp_path: Path, odoo: FakeOdooGateway, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "not-mounted"
    with caplog.at_level(logging.WARNING, logger="sync_agent.answers.ack_inbox"):
        assert AckInbox(missing, odoo).poll() == AckInboxReport()
    assert not missing.exists()
    assert any(r.msg == "ack inbox folder does not exist; nothing read" for r in caplog.records)


def test_a_stop_request_ends_the_poll_before_the_next_file(inbox: Path, odoo: FakeOdooGateway) -> None:
    stop = threading.Event()
    stop.set()
    path = drop(inbox, ACK2_FILE)
    assert AckInbox(inbox, odoo, stop_event=stop).poll() == AckInboxReport()
    assert path.exists() and odoo.acknowledgements == []


# -- settings --------------------------------------------------------------------------
def test_the_inbox_is_off_by_default() -> None:
    agent = load_config(environ=BASE_ENV).agent
    assert agent.ack_inbox_dir is None and agent.ack_poll_seconds == 300


def test_inbox_settings_from_environment_and_file(tmp_path: Path) -> None:
    env = {
        **BASE_ENV,
        "COMPLAINTS_ACK_INBOX_DIR": str(tmp_path / "acks"),
        "COMPLAINTS_ACK_POLL_SECONDS": "45",
    }
    config = load_config(environ=env)
    assert config.agent.ack_inbox_dir == tmp_path / "acks" and config.agent.ack_poll_seconds == 45.0
    assert config.redacted()["agent"]["ack_inbox_dir"] == str(tmp_path / "acks")

    config_file = tmp_path / "agent.toml"
    config_file.write_text(f'[agent]\nack_inbox_dir = "{tmp_path / "from-file"}"\n', encoding="utf-8")
    assert (
        load_config(environ=BASE_ENV, config_file=config_file).agent.ack_inbox_dir == tmp_path / "from-file"
    )
    assert load_config(environ=env, config_file=config_file).agent.ack_inbox_dir == tmp_path / "acks"


def test_an_empty_inbox_variable_switches_it_off() -> None:
    for value in ("", "  "):
        assert (
            load_config(environ={**BASE_ENV, "COMPLAINTS_ACK_INBOX_DIR": value}).agent.ack_inbox_dir is None
        )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "agent.ack_poll_seconds is invalid: Input should be greater than 0"),
        ("soon", "agent.ack_poll_seconds is invalid: Input should be a valid number"),
    ],
)
def test_a_bad_poll_interval_is_named(value: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ={**BASE_ENV, "COMPLAINTS_ACK_POLL_SECONDS": value})
    assert any(problem.startswith(message) for problem in info.value.problems)


def test_the_inbox_cannot_be_the_submission_folder(tmp_path: Path) -> None:
    env = {
        **BASE_ENV,
        "COMPLAINTS_SUBMISSION_DIR": str(tmp_path / "files"),
        "COMPLAINTS_ACK_INBOX_DIR": str(tmp_path / "files" / "." / ""),
    }
    with pytest.raises(ConfigError) as info:
        load_config(environ=env)
    (problem,) = info.value.problems
    assert problem.startswith("agent is invalid: ack_inbox_dir must not be the submission folder")
    assert SECRET not in str(info.value)


# -- run and once ----------------------------------------------------------------------
@pytest.fixture
def odoo_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, full_env: dict[str, str]) -> FakeOdooGateway:
    """An agent without a portal (regulator targets only); Odoo is a FakeOdooGateway."""
    monkeypatch.setenv("COMPLAINTS_SYNC_STATE_FILE", str(tmp_path / "state.sqlite3"))
    monkeypatch.setenv("COMPLAINTS_SUBMISSION_DIR", str(tmp_path / "submissions"))
    gateway = FakeOdooGateway()
    monkeypatch.setattr(cli, "make_gateway", lambda _settings: gateway)
    return gateway


def test_once_applies_the_inbox_and_prints_its_report(
    odoo_only: FakeOdooGateway,
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMPLAINTS_ACK_INBOX_DIR", str(inbox))
    drop(inbox, ACK2_FILE)
    (inbox / "notes.txt").write_text("not an ack", encoding="utf-8")
    os.utime(inbox / "notes.txt", (time.time() - 60, time.time() - 60))
    assert cli.main(["once"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["acks"] == {
        "files_applied": 1,
        "files_refused": 1,
        "acknowledgements_matched": 0,
        "acknowledgements_unmatched": 1,
    }
    assert odoo_only.acknowledgements == acks_of(ACK2_FILE)
    assert names(inbox / PROCESSED_DIR) == [ACK2_FILE.name] and names(inbox / REFUSED_DIR) == ["notes.txt"]


def test_once_without_an_inbox_prints_null_acks(
    odoo_only: FakeOdooGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["once"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "acks" in result and result["acks"] is None
    assert odoo_only.acknowledgements == []


def test_run_polls_the_inbox(
    odoo_only: FakeOdooGateway, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLAINTS_ACK_INBOX_DIR", str(inbox))
    drop(inbox, MULTI_FILE)
    timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        assert cli.main(["run"]) == 0
    finally:
        timer.cancel()
    assert odoo_only.acknowledgements == acks_of(MULTI_FILE)
    assert names(inbox / PROCESSED_DIR) == [MULTI_FILE.name]


def test_the_ack_command_still_reads_the_inbox_folder_by_hand(
    odoo_only: FakeOdooGateway, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop(inbox, ACK2_FILE)
    assert cli.main(["ack", str(inbox)]) == 0
    assert odoo_only.acknowledgements == acks_of(ACK2_FILE)
    assert (inbox / ACK2_FILE.name).exists()  # the command applies, it does not move
