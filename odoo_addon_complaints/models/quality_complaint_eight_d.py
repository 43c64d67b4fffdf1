# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, fields, models


class QualityComplaint(models.Model):
    """8D reports and CAPA opened from complaints."""

    _inherit = "quality.complaint"

    eight_d_ids = fields.Many2many(
        "quality.eight.d", string="8D Reports", help="8D reports answering the complaint."
    )
    eight_d_count = fields.Integer(compute="_compute_eight_d_count", help="Number of 8D reports.")
    capa_ids = fields.One2many(
        "quality.capa", "complaint_id", string="CAPA", help="Actions taken for the complaint."
    )

    def _compute_eight_d_count(self):
        for complaint in self:
            complaint.eight_d_count = len(complaint.eight_d_ids)

    def action_open_eight_d(self):
        """Open the 8D of the complaint, creating it from the complaint when there is none."""
        self.ensure_one()
        report = self.eight_d_ids[:1]
        if report:
            return self._action_view_records(report, self.env._("8D Report"))
        values = {
            "title": self.subject,
            "source": "complaint",
            "complaint_ids": [Command.link(self.id)],
            "partner_id": self.commercial_partner_id.id,
            "product_ids": [Command.set(self.line_ids.product_id.ids)],
            "lot_ids": [Command.set(self.line_ids.lot_id.ids)],
            "leader_id": self.user_id.id,
            "company_id": self.company_id.id,
        }
        if not self.manager_id:
            # No escalation manager to default to: the user chooses the champion in the form.
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("8D Report"),
                "res_model": "quality.eight.d",
                "view_mode": "form",
                "views": [(False, "form")],
                "context": {f"default_{name}": value for name, value in values.items()},
            }
        report = self.env["quality.eight.d"].create(dict(values, champion_id=self.manager_id.id))
        return self._action_view_records(report, self.env._("8D Report"))

    def action_view_eight_d(self):
        return self._action_view_records(self.eight_d_ids, self.env._("8D Reports"))
