# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = ["stock.lot", "quality.complaint.link.mixin"]

    def _complaint_domain(self):
        return [("line_ids.lot_id", "=", self.id)]
