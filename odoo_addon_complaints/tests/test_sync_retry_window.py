# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_sync_outbox import SyncOutboxCase


class Clock:
    """The outbox's clock, moved by the test: days pass in no time."""

    def __init__(self):
        self.now = datetime(2026, 3, 6, 17, 0, 0)  # a Friday evening

    def advance(self, **delta):
        self.now += timedelta(**delta)


@tagged("post_install", "-at_install")
class TestSyncRetryWindow(SyncOutboxCase):
    """Retryable failures are retried for a time window per target, never fewer hours than it."""

    def setUp(self):
        super().setUp()
        self.clock = Clock()
        patcher = patch.object(
            type(self.env["quality.sync.event"]), "_sync_now", lambda _self: self.clock.now
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        self.complaint = self._complaint_with_event()
        self.event = self.env["quality.sync.event"].search(
            [("res_model", "=", "quality.complaint"), ("res_id", "=", self.complaint.id)]
        )
        # The event was written at the real time; on the test's clock it is due now.
        self.event.next_attempt_at = self.clock.now

    def _attempt(self, error="HTTP 503 Service Unavailable", retry_after=None):
        """Claim the event when it is due (on the test clock) and report a retryable failure."""
        self.clock.now = max(self.clock.now, self.event.next_attempt_at)
        [claimed] = self.outbox.sync_claim("agent-a", limit=10, lease_seconds=60)
        self.assertEqual(claimed["event_uid"], self.event.event_uid)
        return self.outbox.sync_fail("agent-a", self.event.event_uid, error, True, retry_after)

    def test_a_weekend_outage_is_retried_at_most_an_hour_apart_and_nothing_fails(self):
        attempts_at = []
        while self.clock.now < datetime(2026, 3, 9, 8, 0, 0):  # Monday morning
            self.assertEqual(self._attempt(), "pending")
            attempts_at.append(self.clock.now)
            self.assertEqual(self.event.state, "pending")
        gaps = [later - earlier for earlier, later in zip(attempts_at, attempts_at[1:])]
        self.assertEqual(gaps[0], timedelta(seconds=30), "the wait starts at 30 seconds")
        self.assertEqual(max(gaps), timedelta(hours=1), "and never exceeds the longest wait")
        self.assertGreater(len(attempts_at), 60, "tried all weekend, not 8 times")
        self.assertEqual(
            self.event.retry_until, datetime(2026, 3, 9, 17, 0, 0), "72 hours after the first failure"
        )
        # The portal is back: the next attempt goes through.
        self.clock.now = self.event.next_attempt_at
        [claimed] = self.outbox.sync_claim("agent-a", limit=10, lease_seconds=60)
        self.assertTrue(self.outbox.sync_ack("agent-a", claimed["event_uid"], "PORTAL-9"))
        self.assertEqual(self.event.state, "done")
        self.assertFalse(
            self.complaint.message_ids.filtered(lambda m: "failed" in (m.body or "")),
            "no failure note on the record",
        )

    def test_the_window_running_out_fails_the_event_saying_so(self):
        self.assertEqual(self._attempt(), "pending")
        self.clock.advance(hours=71, minutes=59)
        while self.event.next_attempt_at < self.event.retry_until:
            self.assertEqual(self._attempt(), "pending")
        self.assertEqual(
            self.event.next_attempt_at, self.event.retry_until, "the last attempt is at the window's end"
        )
        self.assertEqual(self._attempt("HTTP 502 Bad Gateway"), "dead")
        self.assertIn("Retry window of 72.0 hours ran out", self.event.last_error)
        self.assertIn("failing since 2026-03-06 17:00:00 UTC", self.event.last_error)
        self.assertIn("last error: HTTP 502 Bad Gateway", self.event.last_error)
        self.assertIn("Retry window of 72.0 hours ran out", self.complaint.message_ids[0].body)

    def test_lapsed_leases_neither_start_nor_use_up_the_window(self):
        for _crash in range(8):  # the agent dies 8 times while holding the event
            [claimed] = self.outbox.sync_claim("agent-a", limit=10, lease_seconds=60)
            self.assertEqual(claimed["event_uid"], self.event.event_uid, "due again once the lease lapsed")
            self.clock.advance(minutes=10)
        self.assertEqual(self.event.attempts, 8)
        self.assertEqual(self.event.lease_lapses, 7)
        self.assertFalse(self.event.first_failure_at, "no failure was reported")
        self.assertEqual(self._attempt(), "pending")
        self.assertEqual(self.event.first_failure_at, self.clock.now)
        self.assertEqual(self.event.retry_until, self.clock.now + timedelta(hours=72))
        self.assertEqual(self.event.failure_count, 1)
        # Crashes after the first failure do not count as failures either.
        self.clock.now = self.event.next_attempt_at
        self.outbox.sync_claim("agent-a", limit=10, lease_seconds=60)
        self.clock.advance(minutes=5)
        self.assertEqual(self._attempt(), "pending")
        self.assertEqual(self.event.failure_count, 2)
        self.assertEqual(
            self.event.next_attempt_at - self.clock.now, timedelta(seconds=60), "second wait: 60 s"
        )

    def test_an_event_that_keeps_stopping_the_agent_is_failed_saying_so(self):
        self.env["quality.sync.target"].with_user(self.sync_admin).create(
            {"name": "customer_portal", "lease_lapses_allowed": 2}
        )
        for _crash in range(3):  # claimed three times, and the agent dies holding it each time
            [claimed] = self.outbox.sync_claim("agent-a", limit=10, lease_seconds=60)
            self.assertEqual(claimed["event_uid"], self.event.event_uid)
            self.clock.advance(minutes=10)
        self.assertEqual(
            self.outbox.sync_claim("agent-b", limit=10, lease_seconds=60),
            [],
            "its third lapsed lease fails it",
        )
        self.assertEqual((self.event.state, self.event.lease_lapses), ("dead", 3))
        self.assertFalse(self.event.failure_count, "no attempt failed: the agent never reported")
        self.assertFalse(self.event.lease_owner)
        self.assertIn(
            "The agent stopped 3 times while holding this event (last: agent-a), more than the 2 times "
            "target customer_portal allows",
            self.event.last_error,
        )
        self.assertIn(
            "The agent stopped 3 times", self.complaint.message_ids[0].body, "said on the complaint"
        )

        self.event.with_user(self.sync_admin).action_requeue()
        self.assertEqual(self.event.lease_lapses, 0, "requeued, it has its allowance again")
        self.clock.now = self.event.next_attempt_at
        [claimed] = self.outbox.sync_claim("agent-b", limit=10, lease_seconds=60)
        self.assertEqual(claimed["event_uid"], self.event.event_uid)

    def test_an_agent_must_be_allowed_to_stop_once(self):
        with self.assertRaisesRegex(ValidationError, "allowed to stop at least once"):
            self.env["quality.sync.target"].with_user(self.sync_admin).create(
                {"name": "customer_portal", "lease_lapses_allowed": 0}
            )

    def test_a_target_has_its_own_window_and_longest_wait(self):
        self.env["quality.sync.target"].with_user(self.sync_admin).create(
            {"name": "customer_portal", "retry_window_hours": 2, "backoff_cap_minutes": 10}
        )
        self.assertEqual(self._attempt(), "pending")
        self.assertEqual(self.event.retry_until, self.clock.now + timedelta(hours=2))
        while self.event.next_attempt_at < self.event.retry_until:
            self.assertEqual(self._attempt(), "pending")
            self.assertLessEqual(self.event.next_attempt_at - self.clock.now, timedelta(minutes=10))
        self.assertEqual(self._attempt(), "dead")
        self.assertIn("Retry window of 2.0 hours ran out", self.event.last_error)

    def test_retry_after_is_honoured_but_never_beyond_the_window(self):
        self.assertEqual(self._attempt(retry_after=7200), "pending")
        self.assertEqual(
            self.event.next_attempt_at - self.clock.now, timedelta(hours=2), "longer than the cap: asked"
        )
        self.clock.advance(hours=70)
        self.assertEqual(self._attempt(retry_after=86400), "pending")
        self.assertEqual(self.event.next_attempt_at, self.event.retry_until)

    def test_a_permanent_failure_fails_at_once_and_requeue_opens_a_new_window(self):
        self.assertEqual(self._attempt(), "pending")
        self.clock.now = self.event.next_attempt_at
        self.outbox.sync_claim("agent-a", limit=10, lease_seconds=60)
        self.assertEqual(
            self.outbox.sync_fail("agent-a", self.event.event_uid, "422 unknown supplier", False), "dead"
        )
        self.assertEqual(self.event.last_error, "422 unknown supplier")
        self.event.with_user(self.sync_admin).action_requeue()
        self.assertEqual(
            (self.event.failure_count, self.event.first_failure_at, self.event.retry_until), (0, False, False)
        )

    def test_only_sensible_settings_are_accepted(self):
        targets = self.env["quality.sync.target"].with_user(self.sync_admin)
        with self.assertRaises(ValidationError):
            targets.create({"name": "supplier_portal", "retry_window_hours": 0})
        with self.assertRaises(ValidationError):
            targets.create({"name": "supplier_portal", "backoff_cap_minutes": 0})
