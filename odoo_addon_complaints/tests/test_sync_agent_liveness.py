# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo knows whether a sync agent is alive: claims record the agent and the
time, and due events and queued reports say when no agent has claimed for a while.

Time is moved by patching ``fields.Datetime.now``, which the liveness checks
read; the claim itself keeps the database clock, so events written now are due.
"""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_regulatory_reportability import RegulatoryCase


@contextmanager
def at(moment):
    with patch.object(fields.Datetime, "now", return_value=moment):
        yield


@tagged("post_install", "-at_install")
class TestSyncAgentLiveness(RegulatoryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent_user = new_test_user(
            cls.env,
            login="liveness_agent",
            groups="base.group_user,odoo_addon_complaints.group_sync_integration",
        )
        cls.sync_admin = new_test_user(
            cls.env, login="liveness_admin", groups="odoo_addon_complaints.group_sync_admin"
        )
        cls.outbox = cls.env["quality.sync.event"].with_user(cls.agent_user)
        # Only this test's events and agents count.
        cls.env["quality.sync.event"].search([]).unlink()
        cls.env["quality.sync.agent"].search([]).unlink()
        cls.env["ir.config_parameter"].sudo().set_param(
            "odoo_addon_complaints.sync_agent_silence_minutes", "10"
        )
        cls.t0 = fields.Datetime.now()

    def _queued_report(self):
        _complaint, event = self._complaint_with_event(ae_serious_injury="yes")
        event.write({"patient_code": "P-1", "patient_age": 61, "patient_sex": "male"})
        decision = self._decision(event, self.market_eu)
        decision.write({"reportable": "yes", "rationale": "Serious injury."})
        report = (
            self.env["quality.regulatory.report"]
            .with_user(self.vigilance)
            .create(
                {
                    "adverse_event_id": event.id,
                    "decision_id": decision.id,
                    "market_id": self.market_eu.id,
                    "form_id": self.env.ref("odoo_addon_complaints.form_eu_mir_7_2_1").id,
                    "report_type": "initial",
                    "date_due": decision.due_date,
                }
            )
        )
        report.action_render()
        self.assertEqual(report.render_state, "queued")
        return report

    def _agent(self, agent_id):
        return self.env["quality.sync.agent"].search([("agent_id", "=", agent_id)])

    def test_each_claim_records_the_agent_and_the_time(self):
        with at(self.t0):
            self.assertEqual(self.outbox.sync_claim("agent-a", limit=5), [])
        agent = self._agent("agent-a")
        self.assertEqual(len(agent), 1, "an idle agent's claim is recorded too: that is its heartbeat")
        self.assertEqual((agent.first_claim_at, agent.last_claim_at), (self.t0, self.t0))
        self.assertEqual((agent.last_claim_count, agent.last_events_at), (0, False))

        self._queued_report()
        later = self.t0 + timedelta(minutes=3)
        with at(later):
            claimed = self.outbox.sync_claim("agent-a", limit=5)
        self.assertEqual(len(claimed), 1)
        agent.invalidate_recordset()
        self.assertEqual(len(self._agent("agent-a")), 1, "one row per agent, however often it claims")
        self.assertEqual(
            (agent.first_claim_at, agent.last_claim_at, agent.last_events_at), (self.t0, later, later)
        )
        self.assertEqual(agent.last_claim_count, 1)
        with at(later + timedelta(minutes=1)):
            self.outbox.sync_claim("agent-a", limit=5)
        agent.invalidate_recordset()
        self.assertEqual(
            (agent.last_claim_count, agent.last_events_at), (0, later), "the last claim with events stays"
        )

    def test_only_the_claim_writes_agents(self):
        with at(self.t0):
            self.outbox.sync_claim("agent-a")
        agent = self._agent("agent-a")
        with self.assertRaises(AccessError):
            agent.with_user(self.agent_user).write({"last_claim_at": self.t0 + timedelta(days=1)})
        with self.assertRaises(AccessError):
            self.env["quality.sync.agent"].with_user(self.agent_user).create({"agent_id": "forged"})
        with self.assertRaises(AccessError):
            agent.with_user(self.sync_admin).write({"last_claim_at": self.t0 + timedelta(days=1)})
        self.assertEqual(
            agent.with_user(self.sync_admin).agent_id, "agent-a", "integration administrators read them"
        )

    def test_due_events_and_queued_reports_say_when_no_agent_claims(self):
        report = self._queued_report()
        event = self.env["quality.sync.event"].search(
            [("res_model", "=", report._name), ("res_id", "=", report.id)]
        )
        event_seen = event.with_user(self.sync_admin)
        report_seen = report.with_user(self.vigilance)
        # The event is due from the moment it was written, on the outbox's clock.
        t0 = max(self.t0, event.next_attempt_at)
        with at(t0):
            self.assertIn("No sync agent has ever claimed events", event_seen.agent_notice)
            self.assertIn("No sync agent has ever claimed events", report_seen.agent_notice)
            self.outbox.sync_claim("agent-a")
            self.outbox.sync_release("agent-a", [event.event_uid])
            event.invalidate_recordset()
            report.invalidate_recordset()
            self.assertFalse(event_seen.agent_notice, "an agent claimed just now")
            self.assertFalse(report_seen.agent_notice)
        with at(t0 + timedelta(minutes=9)):
            event.invalidate_recordset()
            self.assertFalse(event_seen.agent_notice, "9 minutes are within the default 10")
        with at(t0 + timedelta(minutes=11)):
            event.invalidate_recordset()
            report.invalidate_recordset()
            notice = event_seen.agent_notice
            self.assertIn("for more than 10 minutes", notice)
            self.assertIn("agent-a", notice, "the notice names the last agent seen")
            self.assertEqual(report_seen.agent_notice, notice)
            self.env["ir.config_parameter"].sudo().set_param(
                "odoo_addon_complaints.sync_agent_silence_minutes", "30"
            )
            event.invalidate_recordset()
            self.assertFalse(event_seen.agent_notice, "the silence is a setting")
            self.env["ir.config_parameter"].sudo().set_param(
                "odoo_addon_complaints.sync_agent_silence_minutes", "10"
            )
            # Nothing due, nobody missed: once every event is sent, nothing says so.
            self.env["quality.sync.event"].search([("state", "=", "pending")]).write({"state": "done"})
            self.env.invalidate_all()
            self.assertFalse(event_seen.agent_notice)
            self.assertFalse(report_seen.agent_notice)

    def test_events_not_due_yet_miss_no_agent(self):
        self._queued_report()
        self.env["quality.sync.event"].search([]).write({"next_attempt_at": self.t0 + timedelta(hours=2)})
        with at(self.t0 + timedelta(minutes=30)):
            self.assertFalse(
                self.env["quality.sync.agent"]._silence_notice(), "backing off is not waiting for an agent"
            )

    def test_status_lists_the_agents_seen_and_when(self):
        with at(self.t0):
            self.outbox.sync_claim("agent-a")
        with at(self.t0 + timedelta(minutes=8)):
            self.outbox.sync_claim("agent-b")
        with at(self.t0 + timedelta(minutes=12)):
            status = self.outbox.sync_status()
        self.assertEqual([row["agent_id"] for row in status["agents"]], ["agent-b", "agent-a"])
        rows = {row["agent_id"]: row for row in status["agents"]}
        self.assertEqual(rows["agent-a"]["last_claim_at"], fields.Datetime.to_string(self.t0))
        self.assertEqual((rows["agent-a"]["silent"], rows["agent-b"]["silent"]), (True, False))
        self.assertEqual(status["silence_minutes"], 10)
        self.assertIsNone(status["agent_notice"], "nothing is due")
        self.assertIn("counts", status, "the outbox counts are still there")

    def test_settings_show_the_silence(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.complaints_sync_agent_silence_minutes, 10)
        settings.complaints_sync_agent_silence_minutes = 25
        settings.execute()
        self.assertEqual(self.env["quality.sync.agent"]._silence_minutes(), 25)
