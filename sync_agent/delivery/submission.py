"""The submission folder: where regulator files land, whole or not at all.

Regulator files are picked up from this folder (by a person uploading to the
authority's portal, or by a gateway that forwards them), possibly while the
agent is writing. So a file is written under a temporary name in the same
folder, flushed to disk (``fsync``) and then renamed over its final name
(``os.replace``, atomic on POSIX and Windows): a reader sees the previous
version or the new one, never half a file, and a crash leaves at most a
hidden ``.*.tmp`` file, never a truncated report. The directory is synced
too, so the rename itself survives a power cut.

Names are deterministic (from the mapping's ``file_name`` template), so a
report rendered again replaces its previous file instead of piling up
copies. Files are created readable by owner and group only (0640, less the
umask): they hold health data about a patient.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Final

__all__ = ["FILE_MODE", "SubmissionFolder"]

#: Permissions of a written file (before the umask).
FILE_MODE: Final = 0o640

_log = logging.getLogger("sync_agent.delivery.submission")


class SubmissionFolder:
    """Writes files atomically into one directory (created on first write)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def path_for(self, file_name: str) -> Path:
        """The final path of ``file_name``; :class:`ValueError` unless it is one
        plain file name (the mapping sanitises names; this is the last guard)."""
        if (
            not file_name
            or file_name in (".", "..")
            or Path(file_name).name != file_name
            or "\\" in file_name
        ):
            raise ValueError(f"not a plain file name: {file_name!r}")
        if file_name.startswith("."):
            raise ValueError(f"hidden file names are reserved for temporary files: {file_name!r}")
        return self.path / file_name

    def write(self, file_name: str, content: bytes) -> Path:
        """Write ``content`` as ``file_name`` (replacing an older version) and
        return its path; :class:`OSError` if the disk refuses (then nothing changed)."""
        final = self.path_for(file_name)
        self.path.mkdir(parents=True, exist_ok=True)
        temporary = self.path / f".{file_name}.{secrets.token_hex(6)}.tmp"
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE
        )
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self._sync_directory()
        _log.info("file written", extra={"file": str(final), "bytes": len(content)})
        return final

    def _sync_directory(self) -> None:
        """Make the rename durable (POSIX; Windows has no directory handles)."""
        if os.name != "posix":
            return
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
