"""The agent's local journal (SQLite): deliveries, inbound answers, cursors.

Why a local journal when Odoo holds the outbox: the agent may crash, or lose
its connection to Odoo, *after* a portal accepted a document and *before*
Odoo recorded the ack. When the lease expires and the event is claimed again,
the journal says "delivered, portal ref R-17", so the agent acks it without
posting again. (If the crash came before the journal write, or the journal
is lost, the ``Idempotency-Key`` still makes the portal ignore the second
POST.) The worker always writes the journal *before* it sends the acks.

The same journal keeps the payload of failed events so ``complaints-sync
replay`` can deliver one again, the ids of supplier answers already written
back (never applied twice), and the answer-feed cursors. Rows older than the
retention are pruned daily.

The database runs in WAL mode. With ``synchronous=NORMAL`` (the default) a
commit survives a crash of the agent but not a power cut; ``full`` adds an
fsync per journal write for the rare host where that matters.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..logging_setup import redact
from ..outbox.models import OutboxEvent

__all__ = ["SCHEMA_VERSION", "DeliveryRecord", "StateStore"]

#: Version of the journal's tables (``PRAGMA user_version``), for future migrations.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    event_uid   TEXT PRIMARY KEY,
    target      TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    status      TEXT NOT NULL,          -- delivered | acked | failed
    remote_ref  TEXT,
    error       TEXT,
    event_json  TEXT,                   -- kept for failed events (replay)
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
) WITHOUT ROWID;                        -- one B-tree, no secondary index: one page write per delivery
CREATE TABLE IF NOT EXISTS answers (
    answer_id   TEXT PRIMARY KEY,
    scar_ref    TEXT,
    status      TEXT NOT NULL,          -- applied | rejected | refused | error | abandoned
    reason      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    updated_at  REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (
    name        TEXT PRIMARY KEY,
    cursor      TEXT,
    updated_at  REAL NOT NULL
);
"""


_RECORD_KEYS = (
    "event_uid",
    "target",
    "event_type",
    "status",
    "remote_ref",
    "error",
    "created_at",
    "updated_at",
)


class DeliveryRecord(BaseModel):
    """One row of the delivery journal."""

    model_config = ConfigDict(frozen=True)

    event_uid: str
    target: str
    event_type: str
    status: Literal["delivered", "acked", "failed"]
    remote_ref: str | None
    error: str | None
    created_at: float
    updated_at: float

    @property
    def delivered(self) -> bool:
        """The portal accepted the document (whether or not Odoo knows yet)."""
        return self.status in ("delivered", "acked")


class StateStore:
    """Thread-safe access to the journal file (one connection, one lock)."""

    def __init__(self, path: str | Path, *, synchronous: Literal["normal", "full"] = "normal") -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=10.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(sql, params)  # autocommit: one statement, one transaction

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    # -- deliveries ----------------------------------------------------------
    def get(self, event_uid: str) -> DeliveryRecord | None:
        return self.get_many([event_uid]).get(event_uid)

    def get_many(self, event_uids: list[str]) -> dict[str, DeliveryRecord]:
        """Journal rows of these events (one query for a whole claimed batch)."""
        if not event_uids:
            return {}
        marks = ",".join("?" * len(event_uids))
        with self._lock:
            rows = self._db.execute(
                "SELECT event_uid, target, event_type, status, remote_ref, error, created_at, updated_at"
                f" FROM deliveries WHERE event_uid IN ({marks})",  # noqa: S608 - only placeholders
                tuple(event_uids),
            ).fetchall()
        return {row[0]: DeliveryRecord.model_validate(dict(zip(_RECORD_KEYS, row))) for row in rows}

    def _upsert(self, rows: list[tuple[OutboxEvent, str, str | None, str | None, str | None]]) -> None:
        """(event, status, remote_ref, error, event_json) rows, in one transaction."""
        now = time.time()
        params = [
            (event.event_uid, event.target, event.event_type, status, ref, error, event_json, now, now)
            for event, status, ref, error, event_json in rows
        ]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT INTO deliveries (event_uid, target, event_type, status, remote_ref, error,"
                    " event_json,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (event_uid) DO UPDATE SET status = excluded.status,"
                    " remote_ref = excluded.remote_ref, error = excluded.error,"
                    " event_json = COALESCE(excluded.event_json, deliveries.event_json),"
                    " updated_at = excluded.updated_at",
                    params,
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def record_delivered(self, event: OutboxEvent, remote_ref: str | None) -> None:
        """The portal accepted the document: written before the ack to Odoo."""
        self.record_delivered_many([(event, remote_ref)])

    def record_delivered_many(self, deliveries: list[tuple[OutboxEvent, str | None]]) -> None:
        """Several accepted documents in one transaction (the worker's per-flush write)."""
        if deliveries:
            self._upsert([(event, "delivered", ref, None, None) for event, ref in deliveries])

    def record_acked(self, event_uids: list[str]) -> None:
        """Odoo confirmed these deliveries (one transaction for a whole batch)."""
        if not event_uids:
            return
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "UPDATE deliveries SET status = 'acked', updated_at = ? WHERE event_uid = ?",
                    [(now, uid) for uid in event_uids],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def record_failed(self, event: OutboxEvent, error: str) -> None:
        """Keep the event itself, so that ``replay`` can deliver it again."""
        self._upsert([(event, "failed", None, redact(error), event.model_dump_json())])

    def stored_event(self, event_uid: str) -> OutboxEvent | None:
        row = self._one("SELECT event_json FROM deliveries WHERE event_uid = ?", (event_uid,))
        return OutboxEvent.model_validate_json(row[0]) if row and row[0] else None

    def summary(self) -> dict[str, Any]:
        """Counts per delivery status and per answer status, cursors, last failures."""
        with self._lock:
            deliveries = dict(self._db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
            answers = dict(self._db.execute("SELECT status, COUNT(*) FROM answers GROUP BY status"))
            cursors = dict(self._db.execute("SELECT name, cursor FROM cursors"))
            failures = [
                {"event_uid": uid, "event_type": kind, "error": error}
                for uid, kind, error in self._db.execute(
                    "SELECT event_uid, event_type, error FROM deliveries WHERE status = 'failed'"
                    " ORDER BY updated_at DESC LIMIT 10"
                )
            ]
        return {"deliveries": deliveries, "answers": answers, "cursors": cursors, "recent_failures": failures}

    def prune(self, retention_days: float) -> int:
        """Forget deliveries and answers untouched for ``retention_days``.

        By then every lease has long expired and every event was reclaimed, so
        the rows cannot prevent a duplicate any more; keeping them would only
        grow the file. Returns the number of rows removed."""
        cutoff = time.time() - retention_days * 86400
        with self._lock:
            removed = self._db.execute("DELETE FROM deliveries WHERE updated_at < ?", (cutoff,)).rowcount
            removed += self._db.execute("DELETE FROM answers WHERE updated_at < ?", (cutoff,)).rowcount
        return removed

    # -- inbound answers and cursors -------------------------------------------
    def answer_status(self, answer_id: str) -> tuple[str, int] | None:
        """(status, attempts) of an answer seen before, else None."""
        row = self._one("SELECT status, attempts FROM answers WHERE answer_id = ?", (answer_id,))
        return (row[0], int(row[1])) if row else None

    def record_answer(self, answer_id: str, scar_ref: str | None, status: str, reason: str | None) -> None:
        self._write(
            "INSERT INTO answers (answer_id, scar_ref, status, reason, attempts, updated_at)"
            " VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (answer_id) DO UPDATE SET status = excluded.status,"
            " reason = excluded.reason, attempts = answers.attempts + 1, updated_at = excluded.updated_at",
            (answer_id, scar_ref, status, redact(reason) if reason else reason, time.time()),
        )

    def cursor(self, name: str) -> str | None:
        row = self._one("SELECT cursor FROM cursors WHERE name = ?", (name,))
        return row[0] if row else None

    def set_cursor(self, name: str, value: str | None) -> None:
        self._write(
            "INSERT INTO cursors (name, cursor, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            (name, value, time.time()),
        )
