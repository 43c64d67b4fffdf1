"""The local journal: deliveries, replay data, answers and cursors survive a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync_agent import OutboxEvent, StateStore

from agent_helpers import example_event


def test_delivery_journal_survives_reopen(tmp_path: Path) -> None:
    event = OutboxEvent.model_validate(example_event())
    path = tmp_path / "sub" / "state.sqlite3"
    store = StateStore(path)
    assert store.get(event.event_uid) is None
    store.record_delivered(event, "R-17")
    store.close()
    store = StateStore(path)
    record = store.get(event.event_uid)
    assert record is not None and record.delivered and record.status == "delivered"
    assert record.remote_ref == "R-17" and record.target == "supplier_portal"
    store.record_acked([event.event_uid])
    assert store.get(event.event_uid).status == "acked"  # type: ignore[union-attr]
    assert store.summary()["deliveries"] == {"acked": 1}
    store.close()


def test_failed_events_are_kept_for_replay(tmp_path: Path) -> None:
    event = OutboxEvent.model_validate(example_event())
    store = StateStore(tmp_path / "s.sqlite3")
    store.record_failed(event, "portal answered 400")
    record = store.get(event.event_uid)
    assert record is not None and not record.delivered and record.error == "portal answered 400"
    assert store.stored_event(event.event_uid) == event
    store.record_delivered(event, "R-1")  # replay succeeded later: the event stays stored
    assert store.get(event.event_uid).delivered  # type: ignore[union-attr]
    assert store.stored_event(event.event_uid) == event
    summary = store.summary()
    assert summary["deliveries"] == {"delivered": 1} and summary["recent_failures"] == []
    store.close()


def test_answers_and_cursors(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3")
    assert store.cursor("answers:supplier_portal") is None
    store.set_cursor("answers:supplier_portal", "12")
    store.set_cursor("answers:supplier_portal", "20")
    assert store.cursor("answers:supplier_portal") == "20"
    assert store.answer_status("a1") is None
    store.record_answer("a1", "SCAR-1", "error", "odoo raised")
    store.record_answer("a1", "SCAR-1", "applied", None)
    assert store.answer_status("a1") == ("applied", 2)
    assert store.summary()["answers"] == {"applied": 1}
    store.close()


def test_record_acked_with_nothing_is_a_no_op(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite3", synchronous="full")
    store.record_acked([])
    assert store.summary()["deliveries"] == {}
    store.close()


def test_prune_forgets_old_rows_only(tmp_path: Path, monkeypatch: Any) -> None:
    import sync_agent.delivery.journal as state_module

    event = OutboxEvent.model_validate(example_event())
    store = StateStore(tmp_path / "s.sqlite3")
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(state_module.time, "time", lambda: clock["now"])
    store.record_delivered(event, "R-1")
    store.record_answer("a1", "SCAR-1", "applied", None)
    clock["now"] += 10 * 86400
    assert store.prune(30) == 0 and store.get(event.event_uid) is not None
    clock["now"] += 25 * 86400
    assert store.prune(30) == 2
    assert store.get(event.event_uid) is None and store.answer_status("a1") is None
    store.close()
