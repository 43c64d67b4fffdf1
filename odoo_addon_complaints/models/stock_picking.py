# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "quality.complaint.link.mixin"]

    def _complaint_domain(self):
        return [
            "|",
            ("line_ids.picking_id", "=", self.id),
            ("line_ids.move_line_ids.picking_id", "=", self.id),
        ]

    def _complaint_default_context(self):
        return {"default_partner_id": self.partner_id.id}
