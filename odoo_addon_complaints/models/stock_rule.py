# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockRule(models.Model):
    _inherit = "stock.rule"

    def _get_stock_move_values(
        self, product_id, product_qty, product_uom, location_dest_id, name, origin, company_id, values
    ):
        move_values = super()._get_stock_move_values(
            product_id, product_qty, product_uom, location_dest_id, name, origin, company_id, values
        )
        if values.get("complaint_id"):
            move_values["complaint_id"] = values["complaint_id"]
        return move_values
