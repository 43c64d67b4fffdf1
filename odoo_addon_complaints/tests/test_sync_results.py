# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``sync_results``: the acks and fails of one flush of the agent, in one call.

Each result keeps the meaning it has one at a time (``sync_ack``,
``sync_fail``): only the lease holder's answers count, a superseded event
ignores them, a failure schedules a retry or makes the event Failed and notes
it on the record, and a Failed event holds the later ones of its record.
"""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_sync_outbox import SyncOutboxCase


def done(event, ref=None):
    return {"event_uid": event.event_uid, "outcome": "done", "remote_ref": ref}


def failed(event, error="HTTP 503", retryable=True, retry_after=None):
    return {
        "event_uid": event.event_uid,
        "outcome": "failed",
        "error": error,
        "retryable": retryable,
        "retry_after": retry_after,
    }


@tagged("post_install", "-at_install")
class TestSyncResults(SyncOutboxCase):
    def _queue(self, complaint, count=1, event_type="complaint.status", supersede=False):
        model = self.env["quality.sync.event"]
        events = model.browse()
        for index in range(count):
            events |= model._enqueue(
                complaint, event_type, "customer_portal", {"n": index}, supersede=supersede
            )
        return events

    def _claim(self, agent_id="agent-a"):
        return {event["event_uid"] for event in self.outbox.sync_claim(agent_id, limit=50)}

    def test_mixed_outcomes_are_answered_in_order_each_as_one_at_a_time(self):
        complaints = [self._create_complaint() for _i in range(4)]
        sent, retried, dead, other = (self._queue(complaint) for complaint in complaints)
        self.assertEqual(self._claim(), {e.event_uid for e in (sent, retried, dead, other)})
        answers = self.outbox.sync_results(
            "agent-a",
            [
                done(sent, "PORTAL-1"),
                failed(retried, "HTTP 503", True, 600.0),
                failed(dead, "HTTP 422: Authorization: Bearer abcdefgh123", False),
                done(other, "PORTAL-2"),
            ],
        )
        self.assertEqual(answers, ["done", "pending", "dead", "done"])
        self.assertEqual((sent.state, sent.remote_ref, sent.lease_owner), ("done", "PORTAL-1", False))
        self.assertTrue(sent.date_done)
        self.assertEqual((retried.state, retried.failure_count, retried.lease_owner), ("pending", 1, False))
        self.assertGreaterEqual(
            (retried.next_attempt_at - retried.first_failure_at).total_seconds(), 600, "Retry-After kept"
        )
        self.assertEqual(dead.state, "dead")
        self.assertNotIn("abcdefgh123", dead.last_error, "credentials are redacted")
        self.assertIn("failed: HTTP 422", complaints[2].message_ids[0].body, "the Failed note on the record")
        self.assertEqual(other.remote_ref, "PORTAL-2")

    def test_answers_for_leases_not_held_change_nothing(self):
        complaints = [self._create_complaint() for _i in range(3)]
        mine, theirs, unsent = (self._queue(complaint) for complaint in complaints)
        self.outbox.sync_claim("agent-a", limit=1)
        self.outbox.sync_claim("agent-b", limit=1)
        [mine, theirs] = sorted(mine | theirs, key=lambda e: e.lease_owner)
        answers = self.outbox.sync_results(
            "agent-a", [done(theirs, "X"), failed(unsent), done(mine, "R-1"), done(mine, "R-2")]
        )
        self.assertEqual(
            answers, ["not-leased", "not-leased", "done", "done"], "first result of an event wins"
        )
        self.assertEqual((theirs.state, theirs.lease_owner, theirs.remote_ref), ("leased", "agent-b", False))
        self.assertEqual((unsent.state, unsent.failure_count), ("pending", 0))
        self.assertEqual(mine.remote_ref, "R-1")
        self.assertEqual(
            self.outbox.sync_results("agent-b", [done(mine), failed(mine)]),
            ["done", "done"],
            "a sent event stays sent and keeps its reference; its ack is answered done again",
        )
        self.assertEqual((mine.state, mine.remote_ref), ("done", "R-1"))

    def test_a_lapsed_lease_still_answers_until_someone_else_claims(self):
        [event] = self._queue(self._create_complaint())
        self._claim("agent-a")
        event.sudo().lease_expires_at = "2000-01-01 00:00:00"
        self.assertEqual(self._claim("agent-b"), {event.event_uid})
        self.assertEqual(self.outbox.sync_results("agent-a", [done(event, "LATE")]), ["not-leased"])
        self.assertEqual(self.outbox.sync_results("agent-b", [done(event, "ON-TIME")]), ["done"])
        self.assertEqual((event.remote_ref, event.attempts), ("ON-TIME", 2))

    def test_a_superseded_event_ignores_the_answers_of_its_lease(self):
        complaint = self._create_complaint()
        [old] = self._queue(complaint, event_type="complaint.render")
        self._claim("agent-a")
        [new] = self._queue(complaint, event_type="complaint.render", supersede=True)
        self.assertEqual(
            self.outbox.sync_results("agent-a", [done(old, "OLD"), failed(old, "422", False)]),
            ["not-leased", "not-leased"],
        )
        self.assertEqual((old.state, old.superseded_by_id, old.remote_ref), ("superseded", new, False))
        self.assertEqual(self._claim("agent-b"), {new.event_uid})

    def test_a_failed_event_holds_the_later_ones_and_a_sent_one_releases_them(self):
        complaint = self._create_complaint()
        first, second, third = self._queue(complaint, 3)
        other = self._queue(self._create_complaint())
        self.assertEqual(self._claim(), {first.event_uid, other.event_uid}, "one event per record at a time")
        self.assertEqual(
            self.outbox.sync_results("agent-a", [failed(first, "422: unknown code", False), done(other)]),
            ["dead", "done"],
        )
        self.assertEqual(self._claim("agent-b"), set(), "the Failed event holds the later ones")
        held = (second | third).with_user(self.sync_admin)
        held.invalidate_recordset()
        self.assertEqual(held.mapped("is_blocked"), [True, True])
        self.assertIn("2 later events of this record wait for it", complaint.message_ids[0].body)
        first.with_user(self.sync_admin).action_requeue()
        self.assertEqual(self._claim("agent-b"), {first.event_uid})
        self.assertEqual(self.outbox.sync_results("agent-b", [done(first)]), ["done"])
        self.assertEqual(self._claim("agent-b"), {second.event_uid}, "then the held ones, in order")

    def test_one_flush_is_a_few_statements_whatever_its_size(self):
        events = self.env["quality.sync.event"].browse()
        for _i in range(30):
            events |= self._queue(self._create_complaint())
        self._claim()
        self.outbox.sync_results("agent-a", [done(event, f"R-{event.id}") for event in events[:5]])
        self.env.flush_all()
        with self.assertQueryCount(3):  # the access check and the one UPDATE: not one per event
            answers = self.outbox.sync_results(
                "agent-a", [done(event, f"R-{event.id}") for event in events[5:]]
            )
            self.env.flush_all()
        self.assertEqual(answers, ["done"] * 25)
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertEqual(events[7].remote_ref, f"R-{events[7].id}")

    def test_malformed_results_and_strangers_are_refused(self):
        [event] = self._queue(self._create_complaint())
        self._claim()
        with self.assertRaisesRegex(UserError, "result 1 needs an event_uid and an outcome"):
            self.outbox.sync_results(
                "agent-a", [done(event), {"event_uid": event.event_uid, "outcome": "ok"}]
            )
        self.assertEqual(event.state, "leased", "nothing of a refused call is applied")
        with self.assertRaises(AccessError):
            self.env["quality.sync.event"].with_user(self.sync_admin).sync_results("agent-a", [done(event)])
