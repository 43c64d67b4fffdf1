# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

#: A partner portal may be down for a weekend: retry for three days by default.
DEFAULT_RETRY_WINDOW_HOURS = 72
#: Longest wait between two attempts, so that the portal's return is noticed within the hour.
DEFAULT_BACKOFF_CAP_MINUTES = 60
#: Agent stops (crash, kill, lost machine) an event may outlive before it is Failed.
DEFAULT_LEASE_LAPSES_ALLOWED = 10


class QualitySyncTarget(models.Model):
    """How long the outbox keeps retrying the events of one target.

    A model rather than ``ir.config_parameter`` keys: one record per target
    with checked values, help texts and access rights for integration
    administrators (system parameters need the Settings group and take any
    text), shown beside the events it governs. A target without a record
    uses the defaults (72 hours, at most one hour between attempts, ten
    agent stops while holding an event).
    """

    _name = "quality.sync.target"
    _description = "Partner Sync Target"
    _order = "name"

    name = fields.Char(
        string="Target",
        required=True,
        help="Outbox target these settings apply to, as the events name it (e.g. supplier_portal).",
    )
    retry_window_hours = fields.Integer(
        string="Retry Window (Hours)",
        default=DEFAULT_RETRY_WINDOW_HOURS,
        required=True,
        help="How long an event keeps being retried after its first failed attempt before it is Failed. "
        "A lapsed lease (agent crash) is no failed attempt. Partner portals may be down for a weekend.",
    )
    backoff_cap_minutes = fields.Integer(
        string="Longest Wait (Minutes)",
        default=DEFAULT_BACKOFF_CAP_MINUTES,
        required=True,
        help="Longest wait between two attempts; the wait doubles from 30 seconds up to this.",
    )
    lease_lapses_allowed = fields.Integer(
        string="Agent Stops Allowed",
        default=DEFAULT_LEASE_LAPSES_ALLOWED,
        required=True,
        help="How many times the agent may stop (crash, be killed) while holding an event before the "
        "event is Failed. An event that stops the agent each time would otherwise be claimed again "
        "forever and hold its record's later events.",
    )

    _sql_constraints = [("name_unique", "unique(name)", "There is one retry setting per target.")]

    @api.constrains("retry_window_hours", "backoff_cap_minutes", "lease_lapses_allowed")
    def _check_positive(self):
        for target in self:
            if target.retry_window_hours < 1:
                raise ValidationError(
                    self.env._(
                        "Sync target %(target)s: the retry window must be at least one hour.",
                        target=target.name,
                    )
                )
            if target.backoff_cap_minutes < 1:
                raise ValidationError(
                    self.env._(
                        "Sync target %(target)s: the longest wait must be at least one minute.",
                        target=target.name,
                    )
                )
            if target.lease_lapses_allowed < 1:
                raise ValidationError(
                    self.env._(
                        "Sync target %(target)s: the agent must be allowed to stop at least once while "
                        "holding an event.",
                        target=target.name,
                    )
                )

    @api.model
    def _retry_policy(self, target):
        """(retry window, longest wait) of ``target`` as timedeltas; the defaults without a record."""
        setting = self.sudo().search([("name", "=", target)], limit=1)
        hours = setting.retry_window_hours if setting else DEFAULT_RETRY_WINDOW_HOURS
        minutes = setting.backoff_cap_minutes if setting else DEFAULT_BACKOFF_CAP_MINUTES
        return timedelta(hours=hours), timedelta(minutes=minutes)

    @api.model
    def _lease_lapses_allowed(self, target):
        """How many lapsed leases an event of ``target`` outlives; the default without a record."""
        setting = self.sudo().search([("name", "=", target)], limit=1)
        return setting.lease_lapses_allowed if setting else DEFAULT_LEASE_LAPSES_ALLOWED
