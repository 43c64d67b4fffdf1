# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which sync agents Odoo has seen, and whether one is alive.

Events wait in the outbox until an agent claims them. When no agent runs,
nothing fails: events just stay *Pending*, and a person looking at them
cannot tell a slow partner from a stopped agent. So every claim (also one
that finds nothing to do, which is how an idle agent polls) records the
agent and the time, and the outbox and the queued regulator reports say so
when events are due but no agent has claimed for a while.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .quality_sync_event import UNSENT_STATES, _sql_goes_before

#: System parameter: minutes without a claim after which due events say no agent runs.
SILENCE_PARAM = "odoo_addon_complaints.sync_agent_silence_minutes"
DEFAULT_SILENCE_MINUTES = 10


class QualitySyncAgent(models.Model):
    """A sync agent as Odoo saw it through its claims; written by ``sync_claim`` only."""

    _name = "quality.sync.agent"
    _description = "Sync Agent Seen by Odoo"
    _order = "last_claim_at desc, id desc"
    _rec_name = "agent_id"

    agent_id = fields.Char(
        required=True,
        readonly=True,
        help="Name the agent gives itself on its leases (COMPLAINTS_SYNC_AGENT_ID, by default host:pid).",
    )
    first_claim_at = fields.Datetime(string="First Seen", readonly=True, help="The agent's first claim.")
    last_claim_at = fields.Datetime(
        string="Last Claim",
        readonly=True,
        index=True,
        help="The agent's latest claim, whether or not it found events: a running agent claims every few seconds.",
    )
    last_events_at = fields.Datetime(
        string="Last Events Claimed",
        readonly=True,
        help="Latest claim that handed the agent at least one event.",
    )
    last_claim_count = fields.Integer(
        string="Events in Last Claim",
        readonly=True,
        help="How many events the latest claim handed the agent.",
    )
    is_silent = fields.Boolean(
        string="Silent",
        compute="_compute_is_silent",
        help="The agent has not claimed for longer than the silence set in Settings: it is probably stopped.",
    )

    _sql_constraints = [("agent_id_unique", "unique(agent_id)", "An agent is recorded once.")]

    @api.depends("last_claim_at")
    def _compute_is_silent(self):
        since = self._silence_threshold()
        for agent in self:
            agent.is_silent = not agent.last_claim_at or agent.last_claim_at < since

    # Recording claims (called by quality.sync.event.sync_claim)

    @api.model
    def _record_claim(self, agent_id, claimed):
        """Note that ``agent_id`` claimed now and got ``claimed`` events.

        One upsert, so that two agents (or two processes that share a name)
        claiming at once never collide on the unique agent id.
        """
        now = fields.Datetime.now()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO quality_sync_agent
                       (agent_id, first_claim_at, last_claim_at, last_events_at, last_claim_count,
                        create_uid, create_date, write_uid, write_date)
                VALUES (%(agent)s, %(now)s, %(now)s, %(events_at)s, %(count)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
                ON CONFLICT (agent_id) DO UPDATE
                   SET last_claim_at = EXCLUDED.last_claim_at,
                       last_claim_count = EXCLUDED.last_claim_count,
                       last_events_at = COALESCE(EXCLUDED.last_events_at, quality_sync_agent.last_events_at),
                       write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                """,
                agent=str(agent_id)[:200],
                now=now,
                events_at=now if claimed else None,
                count=int(claimed),
                uid=self.env.uid,
            )
        )
        self.invalidate_model()

    # Is an agent alive?

    @api.model
    def _silence_minutes(self):
        """Minutes without any claim after which due events say that no agent runs (Settings)."""
        value = self.env["ir.config_parameter"].sudo().get_param(SILENCE_PARAM, DEFAULT_SILENCE_MINUTES)
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return DEFAULT_SILENCE_MINUTES

    @api.model
    def _silence_threshold(self):
        return fields.Datetime.now() - timedelta(minutes=self._silence_minutes())

    @api.model
    def _events_due(self):
        """Whether an agent would be handed an event now (as ``sync_claim`` sees it)."""
        now = fields.Datetime.now()
        self.env["quality.sync.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT 1 FROM quality_sync_event event
                 WHERE ((state = 'pending' AND next_attempt_at <= %(now)s)
                        OR (state = 'leased' AND lease_expires_at < %(now)s))
                   AND NOT EXISTS (
                       SELECT 1 FROM quality_sync_event older
                        WHERE %(goes_before)s AND older.state IN %(unsent)s)
                 LIMIT 1
                """,
                now=now,
                goes_before=_sql_goes_before("older", "event"),
                unsent=UNSENT_STATES,
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _silence_notice(self):
        """The warning to show on waiting events and queued reports, or False when all is well.

        All is well when an agent claimed within the configured minutes, or
        when nothing is due (an agent that has nothing to do is not missed).
        """
        agents = self.sudo()
        last = agents.search([("last_claim_at", "!=", False)], order="last_claim_at desc", limit=1)
        minutes = self._silence_minutes()
        if last and last.last_claim_at >= self._silence_threshold():
            return False
        if not self._events_due():
            return False
        if not last:
            return self.env._(
                "No sync agent has ever claimed events from this database, although events are due: "
                "start complaints-sync (see the README)."
            )
        return self.env._(
            "No sync agent has claimed events for more than %(minutes)s minutes (last: %(agent)s at %(when)s), "
            "although events are due: check that complaints-sync runs.",
            minutes=minutes,
            agent=last.agent_id,
            when=self.env.company._complaints_format_datetime(last.last_claim_at),
        )

    @api.model
    def _status_rows(self):
        """The agents Odoo has seen, newest claim first, for ``complaints-sync status``."""
        since = self._silence_threshold()
        return [
            {
                "agent_id": agent.agent_id,
                "first_claim_at": fields.Datetime.to_string(agent.first_claim_at),
                "last_claim_at": fields.Datetime.to_string(agent.last_claim_at),
                "last_events_at": fields.Datetime.to_string(agent.last_events_at) or None,
                "last_claim_count": agent.last_claim_count,
                "silent": not agent.last_claim_at or agent.last_claim_at < since,
            }
            for agent in self.sudo().search([])
        ]


class QualitySyncEvent(models.Model):
    """Claims record their agent; waiting events say when no agent runs."""

    _inherit = "quality.sync.event"

    agent_notice = fields.Char(
        compute="_compute_agent_notice",
        help="Set when this event waits to be sent, events are due and no sync agent has claimed any "
        "for longer than the silence set in Settings.",
    )

    def _compute_agent_notice(self):
        waiting = self.filtered(lambda event: event.state in ("pending", "leased"))
        notice = waiting and self.env["quality.sync.agent"]._silence_notice()
        for event in self:
            event.agent_notice = notice if event in waiting else False

    @api.model
    def sync_claim(self, agent_id, limit=50, lease_seconds=120, targets=None):
        """Also record that ``agent_id`` is alive (see quality.sync.agent)."""
        events = super().sync_claim(agent_id, limit=limit, lease_seconds=lease_seconds, targets=targets)
        self.env["quality.sync.agent"]._record_claim(agent_id, len(events))
        return events

    @api.model
    def sync_status(self):
        """Also list the agents Odoo has seen and whether one is missed."""
        status = super().sync_status()
        agents = self.env["quality.sync.agent"]
        status["agents"] = agents._status_rows()
        status["agent_notice"] = agents._silence_notice() or None
        status["silence_minutes"] = agents._silence_minutes()
        return status


class QualityRegulatoryReport(models.Model):
    """Queued reports say when no agent is there to render them."""

    _inherit = "quality.regulatory.report"

    agent_notice = fields.Char(
        compute="_compute_agent_notice",
        help="Set when this report waits for its file, events are due and no sync agent has claimed any "
        "for longer than the silence set in Settings.",
    )

    def _compute_agent_notice(self):
        queued = self.filtered(lambda report: report.render_state == "queued")
        notice = queued and self.env["quality.sync.agent"]._silence_notice()
        for report in self:
            report.agent_notice = notice if report in queued else False
