# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    # Containment looks up every movement of a lot; without an index that is a
    # scan of all move lines (see benchmarks/containment).
    lot_id = fields.Many2one(index="btree_not_null")
