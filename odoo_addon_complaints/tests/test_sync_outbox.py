# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestSyncOutbox(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent_user = new_test_user(
            cls.env, login="outbox_agent", groups="base.group_user,odoo_addon_complaints.group_sync_integration"
        )
        cls.sync_admin = new_test_user(cls.env, login="sync_admin", groups="odoo_addon_complaints.group_sync_admin")
        cls.outbox = cls.env["quality.sync.event"].with_user(cls.agent_user)
        cls.stage_acknowledged.sync_target = "customer_portal"
        # Only this test's events are due.
        cls.env["quality.sync.event"].search([]).unlink()

    def _complaint_with_event(self):
        complaint = self._create_complaint()
        complaint.stage_id = self.stage_acknowledged
        return complaint

    def test_status_change_writes_an_event_in_the_same_transaction(self):
        complaint = self._complaint_with_event()
        event = self.env["quality.sync.event"].search([("res_model", "=", "quality.complaint"), ("res_id", "=", complaint.id)])
        self.assertEqual(len(event), 1)
        self.assertEqual((event.event_type, event.target, event.state), ("complaint.status", "customer_portal", "pending"))
        self.assertEqual(event.payload["complaint"], complaint.name)
        self.assertEqual(event.payload["stage"], "Acknowledged")
        self.assertNotIn("description", event.payload, "internal notes never leave")
        complaint.stage_id = self.stage_investigating
        self.assertEqual(self.env["quality.sync.event"].search_count([("res_id", "=", complaint.id)]), 1)
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
        self.assertTrue(self.outbox.sync_ack("agent-b", event["event_uid"]), "acknowledging twice is harmless")

    def test_failures_back_off_then_die_and_show_on_the_record(self):
        complaint = self._complaint_with_event()
        [event] = self.outbox.sync_claim("agent-a")
        record = self.env["quality.sync.event"].search([("event_uid", "=", event["event_uid"])])
        before = fields.Datetime.now()
        self.assertEqual(self.outbox.sync_fail("agent-a", event["event_uid"], "HTTP 503", True, 120), "pending")
        self.assertEqual(record.last_error, "HTTP 503")
        self.assertGreaterEqual(record.next_attempt_at, before + timedelta(seconds=119))
        self.assertEqual(self.outbox.sync_claim("agent-a"), [], "not due before the backoff")
        record.attempts = 8
        record.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.outbox.sync_claim("agent-a")
        self.assertEqual(self.outbox.sync_fail("agent-a", event["event_uid"], "HTTP 503", True), "dead")
        self.assertIn("HTTP 503", complaint.message_ids[0].body)

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
        self.assertEqual(self.outbox.sync_claim("agent-b", limit=10), [], "the newer event waits for the older")
        self.outbox.sync_fail("agent-a", first["event_uid"], "HTTP 422", False)
        self.assertEqual(self.outbox.sync_claim("agent-b", limit=10), [], "a failed older event still blocks")
        self.env["quality.sync.event"].search([("event_uid", "=", first["event_uid"])]).with_user(self.sync_admin).action_cancel()
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
