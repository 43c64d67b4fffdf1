"""The acknowledgement inbox: FDA's answers applied to Odoo without a person.

FDA's acknowledgements (ACK2 receipts, ACK3 verdicts, see
:mod:`sync_agent.answers.fda_ack`) arrive as files, dropped into a folder by the ESG
client or a mail rule. ``complaints-sync ack`` applies such files by hand;
with ``agent.ack_inbox_dir`` set, ``run`` and ``once`` poll that folder and
do the same, so a rejected report shows in Odoo the day FDA rejects it.

What the inbox guarantees, because an acknowledgement is a regulatory
record that must not go missing:

* A file leaves the inbox only after every acknowledgement in it reached
  Odoo. If Odoo is unreachable, or the agent stops, the file stays where it
  is and the next poll applies it again, whole. Applying an acknowledgement
  twice is harmless: Odoo sets the report's state from it (and notes it in
  the chatter once more).
* Then it is moved (``os.replace``, a rename within one file system) into
  ``processed/``, also when Odoo knew no report for an acknowledgement
  (logged as a warning with the report number: a person has to look), or
  into ``refused/`` when it cannot be read, is no acknowledgement, or Odoo
  refused its data (the reason is logged, naming the file). The target name
  is reserved first (``O_EXCL``), so a file of the same name is never
  overwritten: the newcomer gets a numeric suffix (``ACK2.1.txt``).
* A file that may still be being written is left alone: hidden or
  temporary names, anything but ``*.xml``/``*.txt`` (``.part``, ``.tmp``),
  files modified in the last :data:`MIN_AGE_SECONDS`, and files that changed
  while they were read.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel

from ..errors import AckFormatError, GatewayCallError, GatewayError
from ..outbox.gateway import OdooGateway
from .fda_ack import Acknowledgement, parse_ack

__all__ = [
    "MIN_AGE_SECONDS",
    "PROCESSED_DIR",
    "REFUSED_DIR",
    "AckInbox",
    "AckInboxReport",
]

#: A file modified more recently than this may still be being written.
MIN_AGE_SECONDS: Final = 2.0
#: Subfolders of the inbox that applied and refused files are moved into.
PROCESSED_DIR: Final = "processed"
REFUSED_DIR: Final = "refused"

#: FDA's machine-readable acknowledgements (an ACK3's HTML twin is for people).
_SUFFIXES: Final = (".xml", ".txt")
#: Hidden files, editor and office lock or backup files (``~$ack.xml``, ``#ack.xml#``).
_TEMPORARY_PREFIXES: Final = (".", "~", "#")
#: ACK files are a few kilobytes; anything this big is something else dropped there.
_MAX_BYTES: Final = 10 * 1024 * 1024
#: Tries to find a free name in ``processed/`` or ``refused/`` before giving up.
_MAX_SUFFIX: Final = 10000

_log = logging.getLogger("sync_agent.answers.ack_inbox")

#: What became of one acknowledgement: sent (matched, unmatched or refused by
#: Odoo), ``skip`` (Odoo failed on it: this file waits, others go on) or
#: ``stop`` (Odoo unreachable: the poll ends).
_Outcome = Literal["sent", "skip", "stop"]


class AckInboxReport(BaseModel):
    """What one :meth:`AckInbox.poll` did. Acknowledgements are counted for
    the files that were moved; a file left for the next poll counts then."""

    files_applied: int = 0
    files_refused: int = 0
    acknowledgements_matched: int = 0
    acknowledgements_unmatched: int = 0


class _Tally:
    """Outcomes of one file's acknowledgements, added to the report once it moved."""

    def __init__(self) -> None:
        self.matched = 0
        self.unmatched = 0
        self.refusals: list[str] = []


class AckInbox:
    """Applies the acknowledgement files of one folder to Odoo."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        gateway: OdooGateway,
        *,
        stop_event: threading.Event | None = None,
        min_age: float = MIN_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.gateway = gateway
        self.min_age = min_age
        self._stop = stop_event or threading.Event()
        self._clock = clock  # wall clock: it is compared with file modification times

    def poll(self) -> AckInboxReport:
        """Apply and move every ready file, oldest first, until done, Odoo is
        unreachable or a stop is requested."""
        report = AckInboxReport()
        if not self.path.is_dir():
            # Not created here: a missing folder is more likely an unmounted
            # share or a typo than an empty inbox.
            _log.warning("ack inbox folder does not exist; nothing read", extra={"inbox": str(self.path)})
            return report
        for path in self._ready_files():
            if self._stop.is_set() or not self._handle(path, report):
                break
        return report

    # -- which files -------------------------------------------------------
    def _ready_files(self) -> list[Path]:
        """Regular ``*.xml``/``*.txt`` files old enough to be complete, oldest first."""
        try:
            entries = list(self.path.iterdir())
        except OSError as exc:
            _log.error("ack inbox cannot be listed", extra={"inbox": str(self.path), "error": str(exc)})
            return []
        now = self._clock()
        ready: list[tuple[int, str, Path]] = []
        for entry in entries:
            if entry.name.startswith(_TEMPORARY_PREFIXES) or entry.suffix.lower() not in _SUFFIXES:
                continue
            try:
                info = entry.stat()
            except OSError:  # gone meanwhile, or a dangling link
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if now - info.st_mtime < self.min_age:
                _log.debug("ack file too fresh; next poll", extra={"file": str(entry)})
                continue
            ready.append((info.st_mtime_ns, entry.name, entry))
        return [entry for _mtime, _name, entry in sorted(ready)]

    # -- one file ----------------------------------------------------------
    def _handle(self, path: Path, report: AckInboxReport) -> bool:
        """Apply and move one file; False when Odoo is unreachable (stop the poll)."""
        try:
            before = path.stat()
            if before.st_size > _MAX_BYTES:
                reason = f"{before.st_size} bytes, too large for an FDA acknowledgement"
                self._move(path, REFUSED_DIR, report, _Tally(), reason)
                return True
            data = path.read_bytes()
        except FileNotFoundError:
            return True  # moved by a person or another agent meanwhile
        except (PermissionError, IsADirectoryError) as exc:
            self._move(path, REFUSED_DIR, report, _Tally(), f"cannot read: {exc.strerror or exc}")
            return True
        except OSError as exc:  # an I/O error of a share may pass: try again next poll
            _log.error(
                "ack file cannot be read; retrying at the next poll",
                extra={"file": str(path), "error": str(exc)},
            )
            return True
        try:
            acks = parse_ack(data, path.name)
        except AckFormatError as exc:
            if not self._changed(path, before):
                self._move(path, REFUSED_DIR, report, _Tally(), str(exc))
            return True
        tally = _Tally()
        for ack in acks:
            outcome = self._apply(path, ack, tally)
            if outcome != "sent":
                return outcome == "skip"
        if self._changed(path, before):
            _log.info("ack file changed while it was applied; next poll", extra={"file": str(path)})
            return True
        if tally.refusals:
            self._move(path, REFUSED_DIR, report, tally, "refused by Odoo: " + "; ".join(tally.refusals))
        else:
            self._move(path, PROCESSED_DIR, report, tally)
        return True

    def _apply(self, path: Path, ack: Acknowledgement, tally: _Tally) -> _Outcome:
        """Send one acknowledgement to Odoo and log what Odoo made of it."""
        about = {
            "file": str(path),
            "kind": ack.kind,
            "report_number": ack.report_number,
            "ack_status": ack.status,
            "batch_id": ack.batch_id,
        }
        try:
            result = self.gateway.apply_acknowledgement(ack.model_dump(mode="json"))
        except GatewayCallError as exc:
            if not exc.is_refusal:
                # A crash or an access problem: maybe only this file's data
                # triggers it, so the other files are still tried.
                _log.error(
                    "odoo failed on an acknowledgement; the file stays for the next poll",
                    extra={**about, "error": str(exc)},
                )
                return "skip"
            # Odoo refused the data itself: sending it again cannot help.
            tally.refusals.append(f"{ack.report_number or '(no report number)'}: {exc}")
            _log.error("odoo refused an acknowledgement", extra={**about, "error": str(exc)})
            return "sent"
        except GatewayError as exc:
            _log.error(
                "odoo unreachable while applying acknowledgements; the file stays for the next poll",
                extra={**about, "error": str(exc)},
            )
            return "stop"
        if result.get("matched"):
            tally.matched += 1
            _log.info(
                "acknowledgement applied",
                extra={**about, "report": result.get("report"), "state": result.get("state")},
            )
        else:
            tally.unmatched += 1
            # Still processed (FDA will not send it again), but a person has to look.
            _log.warning("acknowledgement matches no report in odoo", extra=about)
        return "sent"

    @staticmethod
    def _changed(path: Path, before: os.stat_result) -> bool:
        """Whether the file was rewritten (or removed) since ``before``."""
        try:
            after = path.stat()
        except OSError:
            return True
        return (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)

    # -- moving --------------------------------------------------------------
    def _move(
        self, path: Path, folder: str, report: AckInboxReport, tally: _Tally, reason: str | None = None
    ) -> None:
        """Move ``path`` into ``folder`` under a free name and count it; on
        failure the file stays in the inbox (logged) and is tried again."""
        try:
            target = self._rename_into(path, self.path / folder)
        except FileNotFoundError:
            _log.info("ack file gone before it was moved", extra={"file": str(path)})
            return
        except OSError as exc:
            _log.error(
                "ack file could not be moved; it stays in the inbox",
                extra={"file": str(path), "folder": folder, "error": str(exc)},
            )
            return
        report.acknowledgements_matched += tally.matched
        report.acknowledgements_unmatched += tally.unmatched
        if folder == PROCESSED_DIR:
            report.files_applied += 1
            _log.info(
                "ack file applied",
                extra={
                    "file": str(path),
                    "moved_to": str(target),
                    "matched": tally.matched,
                    "unmatched": tally.unmatched,
                },
            )
        else:
            report.files_refused += 1
            _log.error(
                "ack file refused", extra={"file": str(path), "moved_to": str(target), "reason": reason}
            )

    @staticmethod
    def _rename_into(path: Path, folder: Path) -> Path:
        """Rename ``path`` into ``folder``, never over an existing file.

        A free name is reserved with ``O_EXCL`` (atomic, so no other process
        can take it) and then replaced by the file: a crash in between leaves
        an empty placeholder there and the file still in the inbox.
        """
        folder.mkdir(exist_ok=True)
        for number in range(_MAX_SUFFIX):
            name = path.name if number == 0 else f"{path.stem}.{number}{path.suffix}"
            target = folder / name
            try:
                descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            os.close(descriptor)
            try:
                os.replace(path, target)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
            _sync_directories(path.parent, folder)
            return target
        raise FileExistsError(f"no free name for {path.name} in {folder} after {_MAX_SUFFIX} tries")


def _sync_directories(*folders: Path) -> None:
    """Make the rename durable (POSIX; Windows has no directory handles).

    Best effort: the file is moved already, and should the rename be lost
    in a power cut, the file is back in the inbox and applied again.
    """
    if os.name != "posix":
        return
    for folder in folders:
        try:
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as exc:
            _log.warning("folder could not be synced", extra={"folder": str(folder), "error": str(exc)})
