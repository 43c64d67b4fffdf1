# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualitySyncMixin(models.AbstractModel):
    """Records whose changes go to partners through the outbox."""

    _name = "quality.sync.mixin"
    _description = "Records Synchronised with Partners"

    sync_event_count = fields.Integer(
        string="Sync Events",
        compute="_compute_sync_event_count",
        groups="odoo_addon_complaints.group_sync_admin",
        help="Events sent, or to send, to partners about this record.",
    )

    def _sync_event_domain(self):
        return [("res_model", "=", self._name), ("res_id", "in", self.ids)]

    def _compute_sync_event_count(self):
        counts = dict(
            self.env["quality.sync.event"]._read_group(self._sync_event_domain(), ["res_id"], ["__count"])
        )
        for record in self:
            record.sync_event_count = counts.get(record.id, 0)

    def action_view_sync_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_addon_complaints.action_quality_sync_event"
        )
        action["domain"] = self._sync_event_domain()
        action["display_name"] = self.env._("Sync Events: %s", self.display_name)
        return action
