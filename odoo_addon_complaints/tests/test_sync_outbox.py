# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ComplaintCase
from .outbox import trap_sync_events


class SyncOutboxCase(ComplaintCase):
    """The sync agent's integration user, an integration administrator and an empty outbox."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent_user = new_test_user(
            cls.env,
            login="outbox_agent",
            groups="base.group_user,odoo_addon_complaints.group_sync_integration",
        )
        cls.sync_admin = new_test_user(
            cls.env, login="sync_admin", groups="odoo_addon_complaints.group_sync_admin"
        )
        cls.outbox = cls.env["quality.sync.event"].with_user(cls.agent_user)
        cls.stage_acknowledged.sync_target = "customer_portal"
        # Only this test's events are due.
        cls.env["quality.sync.event"].search([]).unlink()

    def _complaint_with_event(self):
        complaint = self._create_complaint()
        complaint.stage_id = self.stage_acknowledged
        return complaint


@tagged("post_install", "-at_install")
class TestSyncOutbox(SyncOutboxCase):
    def test_status_change_writes_an_event_in_the_same_transaction(self):
        with trap_sync_events(self.env) as trap:
            complaint = self._complaint_with_event()
        event = trap.assert_enqueued(
            "complaint.status",
            target="customer_portal",
            record=complaint,
            payload={"complaint": complaint.name, "stage": "Acknowledged"},
        )
        trap.assert_enqueued_count(1)
        self.assertEqual(event.state, "pending")
        self.assertNotIn("description", event.payload, "internal notes never leave")
        with trap_sync_events(self.env) as trap:
            complaint.stage_id = self.stage_investigating
        trap.assert_not_enqueued()
        self.assertEqual(complaint.with_user(self.sync_admin).sync_event_count, 1)

    def test_claims_of_two_agents_never_overlap(self):
        complaints = [self._complaint_with_event() for _i in range(5)]
        first = self.outbox.sync_claim("agent-a", limit=3, lease_seconds=60)
        second = self.outbox.sync_claim("agent-b", limit=10, lease_seconds=60)
        self.assertEqual(len(first), 3)
        self.assertEqual(len(second), 2)
        self.assertFalse({e["event_uid"] for e in first} & {e["event_uid"] for e in second})
        self.assertEqual({e["res_id"] for e in first + second}, {c.id for c in complaints})
        self.assertEqual(first[0]["attempts"], 1)
        self.assertEqual(self.outbox.sync_claim("agent-c", limit=10), [])

    def test_lapsed_lease_is_claimed_again(self):
        self._complaint_with_event()
        [event] = self.outbox.sync_claim("agent-a", limit=10, lease_seconds=60)
        record = self.env["quality.sync.event"].search([("event_uid", "=", event["event_uid"])])
        record.lease_expires_at = fields.Datetime.now() - timedelta(seconds=1)
        [again] = self.outbox.sync_claim("agent-b", limit=10)
        self.assertEqual(again["event_uid"], event["event_uid"])
        self.assertEqual(again["attempts"], 2)
        self.assertFalse(self.outbox.sync_ack("agent-a", event["event_uid"]), "the old lease is gone")
        self.assertTrue(self.outbox.sync_ack("agent-b", event["event_uid"], "PORTAL-1"))
        self.assertEqual((record.state, record.remote_ref), ("done", "PORTAL-1"))
        self.assertTrue(
            self.outbox.sync_ack("agent-b", event["event_uid"]), "acknowledging twice is harmless"
        )

    def test_failures_back_off_and_show_on_the_record(self):
        self._complaint_with_event()
        [event] = self.outbox.sync_claim("agent-a")
        record = self.env["quality.sync.event"].search([("event_uid", "=", event["event_uid"])])
        before = fields.Datetime.now()
        self.assertEqual(
            self.outbox.sync_fail("agent-a", event["event_uid"], "HTTP 503", True, 120), "pending"
        )
        self.assertEqual(record.last_error, "HTTP 503")
        self.assertEqual(record.failure_count, 1)
        self.assertGreaterEqual(record.next_attempt_at, before + timedelta(seconds=119))
        self.assertEqual(self.outbox.sync_claim("agent-a"), [], "not due before the backoff")

    def test_credentials_a_partner_echoes_are_neither_stored_nor_noted(self):
        complaint = self._complaint_with_event()
        [event] = self.outbox.sync_claim("agent-a")
        echoed = (
            'portal answered 401 Unauthorized: you sent {"authorization": "Bearer tok-123456789", '
            '"x-api-key": "key-987654321"}; try Basic dXNlcjpwYXNzd29yZA=='
        )
        self.assertEqual(self.outbox.sync_fail("agent-a", event["event_uid"], echoed, False), "dead")
        record = self.env["quality.sync.event"].search([("event_uid", "=", event["event_uid"])])
        for text in (record.last_error, complaint.message_ids[0].body):
            for secret in ("tok-123456789", "key-987654321", "dXNlcjpwYXNzd29yZA"):
                self.assertNotIn(secret, text)
        self.assertIn('"authorization": "***"', record.last_error)
        self.assertIn("portal answered 401 Unauthorized", complaint.message_ids[0].body)

    def test_permanent_error_dies_at_once_and_admin_requeues(self):
        self._complaint_with_event()
        [event] = self.outbox.sync_claim("agent-a")
        record = self.env["quality.sync.event"].search([("event_uid", "=", event["event_uid"])])
        self.outbox.sync_fail("agent-a", event["event_uid"], "422: supplier code unknown", False)
        self.assertEqual(record.state, "dead")
        with self.assertRaises(AccessError):
            record.with_user(self.complaint_user).action_requeue()
        record.with_user(self.sync_admin).action_requeue()
        self.assertEqual((record.state, record.attempts), ("pending", 0))
        record.with_user(self.sync_admin).action_cancel()
        self.assertEqual(record.state, "cancelled")
        self.assertEqual(self.outbox.sync_claim("agent-a"), [])

    def test_a_records_events_go_out_in_order(self):
        complaint = self._complaint_with_event()
        self.stage_investigating.sync_target = "customer_portal"
        complaint.stage_id = self.stage_investigating
        [first] = self.outbox.sync_claim("agent-a", limit=10)
        self.assertEqual(first["payload"]["stage"], "Acknowledged")
        self.assertEqual(
            self.outbox.sync_claim("agent-b", limit=10), [], "the newer event waits for the older"
        )
        self.outbox.sync_fail("agent-a", first["event_uid"], "HTTP 422", False)
        self.assertEqual(self.outbox.sync_claim("agent-b", limit=10), [], "a failed older event still blocks")
        self.env["quality.sync.event"].search([("event_uid", "=", first["event_uid"])]).with_user(
            self.sync_admin
        ).action_cancel()
        [second] = self.outbox.sync_claim("agent-b", limit=10)
        self.assertEqual(second["payload"]["stage"], "Investigating")

    def test_release_gives_events_back_without_counting_an_attempt(self):
        self._complaint_with_event()
        [event] = self.outbox.sync_claim("agent-a")
        self.assertEqual(self.outbox.sync_release("agent-a", [event["event_uid"]]), 1)
        [again] = self.outbox.sync_claim("agent-b")
        self.assertEqual(again["attempts"], 1)

    def test_status_counts(self):
        self._complaint_with_event()
        self._complaint_with_event()
        self.outbox.sync_claim("agent-a", limit=1)
        status = self.outbox.sync_status()
        self.assertEqual(status["counts"]["pending"], 1)
        self.assertEqual(status["counts"]["leased"], 1)
        self.assertTrue(status["oldest_pending"])

    def test_only_the_integration_user_exchanges_events(self):
        self._complaint_with_event()
        for user in (self.complaint_user, self.complaint_manager):
            with self.assertRaises(AccessError):
                self.env["quality.sync.event"].with_user(user).sync_claim("intruder")
        with self.assertRaises(AccessError):
            self.outbox.create({"target": "x", "event_type": "y", "res_model": "res.partner", "res_id": 1})


@tagged("post_install", "-at_install")
class TestSyncOutboxHeld(SyncOutboxCase):
    """A failed event holds the later events of its record and target, and says so."""

    def _queue(self, complaint, count, event_type="complaint.status", supersede=False):
        """``count`` status events of ``complaint``, oldest first, as the complaint writes them."""
        model = self.env["quality.sync.event"]
        events = model.browse()
        for index in range(count):
            events |= model._enqueue(
                complaint,
                event_type,
                "customer_portal",
                {"complaint": complaint.name, "n": index},
                supersede=supersede,
            )
        return events

    def _as_admin(self, events):
        events = events.with_user(self.sync_admin)
        events.invalidate_recordset()
        return events

    def _claim_uids(self, agent_id="agent-a"):
        return [event["event_uid"] for event in self.outbox.sync_claim(agent_id, limit=50)]

    def _fail_for_good(self, event, error="422: customer code unknown"):
        self.assertEqual(self.outbox.sync_fail("agent-a", event.event_uid, error, False), "dead")

    def _blocked_filter_domain(self):
        arch = self.env.ref("odoo_addon_complaints.quality_sync_event_view_search").arch
        [node] = etree.fromstring(arch.encode()).xpath("//filter[@name='blocked']")
        return safe_eval(node.get("domain"))

    def test_events_held_behind_a_failed_one_say_why_and_the_note_counts_them(self):
        complaint = self._create_complaint()
        first, second, third = self._queue(complaint, 3)
        self.assertEqual(self._claim_uids(), [first.event_uid])
        second = self._as_admin(second)
        self.assertEqual(second.blocked_by_id, first)
        self.assertFalse(second.is_blocked, "waiting behind an event being sent is the normal order")
        self.assertEqual(
            second.blocked_reason,
            f"Waiting for event {first.id} (complaint.status), Being Sent, to be sent first.",
        )

        self._fail_for_good(first, "422: customer code unknown\n(portal trace)")
        first, second, third = self._as_admin(first | second | third)
        for held in (second, third):
            self.assertEqual(held.state, "pending")
            self.assertEqual(held.attempts, 0)
            self.assertEqual(held.blocked_by_id, first, "held events point at the failed one")
            self.assertTrue(held.is_blocked)
            self.assertEqual(
                held.blocked_reason,
                f"Waiting for event {first.id} (complaint.status), Failed: 422: customer code unknown",
            )
        self.assertFalse(first.blocked_reason, "the failed event itself waits for nothing")
        self.assertFalse(first.is_blocked)
        self.assertEqual(first.held_count, 2)
        self.assertEqual((second.held_count, third.held_count), (0, 0))
        note = complaint.message_ids[0].body
        self.assertIn("failed: 422: customer code unknown", note)
        self.assertIn("2 later events of this record wait for it until it is requeued or cancelled", note)

    def test_a_failure_that_holds_nothing_says_nothing_more(self):
        complaint = self._create_complaint()
        [only] = self._queue(complaint, 1)
        self._claim_uids()
        self._fail_for_good(only)
        self.assertNotIn("later event", complaint.message_ids[0].body)
        self.assertEqual(self._as_admin(only).held_count, 0)

    def test_blocked_filter_finds_exactly_the_held_events(self):
        failing, retrying, quiet = (self._create_complaint() for _i in range(3))
        failed, *held = self._queue(failing, 3)
        retried, behind_retry = self._queue(retrying, 2)
        [alone] = self._queue(quiet, 1)
        self._claim_uids()
        self._fail_for_good(failed)
        self.assertEqual(
            self.outbox.sync_fail("agent-a", retried.event_uid, "HTTP 503", True, 600), "pending"
        )
        self.assertTrue(alone.sudo().state == "leased")

        domain = self._blocked_filter_domain()
        self.assertEqual(domain, [("is_blocked", "=", True)])
        admin_events = self.env["quality.sync.event"].with_user(self.sync_admin)
        self.assertEqual(admin_events.search(domain), held[0] | held[1])
        not_blocked = admin_events.search([("is_blocked", "=", False)])
        self.assertEqual(not_blocked, failed | retried | behind_retry | alone)
        self.assertEqual(admin_events.search([("is_blocked", "!=", True)]), not_blocked)
        self.assertEqual(
            self._as_admin(behind_retry).blocked_reason,
            f"Waiting for event {retried.id} (complaint.status), Pending, to be sent first.",
        )
        self.assertEqual(admin_events.search_count(domain + [("res_id", "=", failing.id)]), 2)

    def test_requeue_of_the_failed_event_sends_it_then_the_held_ones_in_order(self):
        complaint = self._create_complaint()
        first, second, third = self._queue(complaint, 3)
        self._claim_uids()
        self._fail_for_good(first)
        self.assertEqual(self._claim_uids(), [], "held events are not claimed")
        self._as_admin(first).action_requeue()
        self.assertFalse(self._as_admin(second).is_blocked, "released: it waits for a pending event now")
        self.assertFalse(
            self.env["quality.sync.event"].with_user(self.sync_admin).search(self._blocked_filter_domain())
        )
        for event in (first, second, third):
            self.assertEqual(self._claim_uids(), [event.event_uid])
            self.assertTrue(self.outbox.sync_ack("agent-a", event.event_uid, f"REF-{event.id}"))
        self.assertEqual(self._claim_uids(), [])
        self.assertEqual(set((first | second | third).mapped("state")), {"done"})

    def test_cancel_of_the_failed_event_releases_the_held_ones_in_order(self):
        complaint = self._create_complaint()
        first, second, third = self._queue(complaint, 3)
        self._claim_uids()
        self._fail_for_good(first)
        self._as_admin(first).action_cancel()
        self.assertEqual(self._claim_uids(), [second.event_uid], "the oldest held event goes first, alone")
        self.assertEqual(self._as_admin(third).blocked_by_id, second)
        self._fail_for_good(second, "422: stage unknown")
        self.assertIn("1 later event of this record waits for it", complaint.message_ids[0].body)
        self.assertEqual(
            self._as_admin(third).blocked_reason,
            f"Waiting for event {second.id} (complaint.status), Failed: 422: stage unknown",
        )
        self._as_admin(second).action_cancel()
        self.assertEqual(self._claim_uids(), [third.event_uid])
        self.assertEqual((first.state, second.state, third.state), ("cancelled", "cancelled", "leased"))

    def test_oldest_failure_is_named_when_several_hold_an_event(self):
        complaint = self._create_complaint()
        first, second, third = self._queue(complaint, 3)
        self._claim_uids()
        self._fail_for_good(first, "422: first")
        self._as_admin(first).action_cancel()
        self._claim_uids()
        self._fail_for_good(second, "422: second")
        self._as_admin(first).action_requeue()  # the older one goes again, the second still failed
        third = self._as_admin(third)
        self.assertEqual(third.blocked_by_id, second, "a failed event is named before a pending one")
        self.assertTrue(third.is_blocked)
        self.assertEqual(self._claim_uids(), [first.event_uid], "the requeued older event goes first")

    def test_a_newer_event_supersedes_the_unsent_ones_whatever_their_state(self):
        complaint = self._create_complaint()
        sent, cancelled, failed = self._queue(complaint, 3, "complaint.render")
        self.assertEqual(self._claim_uids(), [sent.event_uid])
        self.outbox.sync_ack("agent-a", sent.event_uid, "REF-1")
        self._as_admin(cancelled).action_cancel()
        self.assertEqual(self._claim_uids(), [failed.event_uid])
        self._fail_for_good(failed)
        [held] = self._queue(complaint, 1, "complaint.render")
        self.assertEqual(self._claim_uids("agent-b"), [], "the failed one holds it")
        self.assertTrue(self._as_admin(held).is_blocked)
        self.assertEqual(self._as_admin(failed).held_count, 1)
        [other_type] = self._queue(complaint, 1, "complaint.status")

        [newest] = self._queue(complaint, 1, "complaint.render", supersede=True)
        self.assertEqual(sent.state, "done", "a sent event stays sent")
        for event, before in ((cancelled, "cancelled"), (failed, "dead"), (held, "pending")):
            self.assertEqual(
                (event.state, event.superseded_by_id, event.superseded_from), ("superseded", newest, before)
            )
        self.assertEqual(
            (failed.attempts, failed.last_error), (1, "422: customer code unknown"), "its history stays"
        )
        self.assertEqual(other_type.state, "pending", "only events of the same type are superseded")
        self.assertEqual(
            self._claim_uids(), [other_type.event_uid], "nothing failed holds the record's events now"
        )
        self.assertEqual(self._as_admin(newest).blocked_by_id, other_type)
        self.outbox.sync_ack("agent-a", other_type.event_uid)
        self.assertEqual(self._claim_uids(), [newest.event_uid])

    def test_stale_answers_for_a_superseded_event_are_ignored(self):
        complaint = self._create_complaint()
        [old] = self._queue(complaint, 1, "complaint.render")
        self.assertEqual(self._claim_uids("agent-a"), [old.event_uid])
        [new] = self._queue(complaint, 1, "complaint.render", supersede=True)
        self.assertEqual((old.state, old.superseded_from), ("superseded", "leased"))
        self.assertEqual(
            self._claim_uids("agent-b"), [new.event_uid], "the superseded lease holds nothing back"
        )

        self.assertFalse(self.outbox.sync_ack("agent-a", old.event_uid, "REF-OLD"))
        self.assertFalse(self.outbox.sync_fail("agent-a", old.event_uid, "HTTP 503", True))
        self.assertFalse(self.outbox.sync_fail("agent-a", old.event_uid, "422", False))
        self.assertEqual(self.outbox.sync_release("agent-a", [old.event_uid]), 0)
        old.sudo().lease_expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(
            self._claim_uids("agent-c"), [], "a lapsed lease of a superseded event is not claimed"
        )
        self._as_admin(old).action_requeue()
        self._as_admin(old).action_cancel()
        self.assertEqual((old.state, old.remote_ref, old.superseded_by_id), ("superseded", False, new))
        self.assertEqual(old.attempts, 1)
        self.assertTrue(self.outbox.sync_ack("agent-b", new.event_uid, "REF-NEW"))
        self.assertEqual(self.outbox.sync_status()["counts"]["superseded"], 1)
