"""The submission folder: atomic, deterministic, contained."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sync_agent.delivery import submission
from sync_agent import SubmissionFolder
from sync_agent.delivery.submission import FILE_MODE


def test_writes_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = SubmissionFolder(tmp_path / "out" / "eu")  # created on first write
    path = folder.write("RR-1_MIR_initial.xml", b"<incident/>")
    assert path == tmp_path / "out" / "eu" / "RR-1_MIR_initial.xml"
    assert path.read_bytes() == b"<incident/>"
    assert os.listdir(path.parent) == ["RR-1_MIR_initial.xml"]


def test_writing_again_replaces_the_file_under_the_same_name(tmp_path: Path) -> None:
    folder = SubmissionFolder(tmp_path)
    first = folder.write("RR-1.xml", b"version 1")
    second = folder.write("RR-1.xml", b"version 2, longer")
    assert first == second and second.read_bytes() == b"version 2, longer"
    assert os.listdir(tmp_path) == ["RR-1.xml"]


def test_files_are_not_world_readable(tmp_path: Path) -> None:
    path = SubmissionFolder(tmp_path).write("RR-1.xml", b"x")
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & ~FILE_MODE == 0 and not mode & stat.S_IROTH


@pytest.mark.parametrize("name", ["", ".", "..", "../x.xml", "a/b.xml", "a\\b.xml", ".hidden.xml"])
def test_only_plain_file_names_are_written(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        SubmissionFolder(tmp_path / "out").write(name, b"x")
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []


def test_a_failed_write_keeps_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = SubmissionFolder(tmp_path)
    folder.write("RR-1.xml", b"old")

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(submission.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        folder.write("RR-1.xml", b"new")
    assert os.listdir(tmp_path) == ["RR-1.xml"] and (tmp_path / "RR-1.xml").read_bytes() == b"old"


def test_the_content_is_on_disk_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(submission.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        submission.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1]
    )
    SubmissionFolder(tmp_path).write("RR-1.xml", b"x")
    assert events[:2] == ["fsync", "replace"]  # file data, then the rename (then the directory)
