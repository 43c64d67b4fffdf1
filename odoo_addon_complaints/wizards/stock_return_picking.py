# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockReturnPicking(models.TransientModel):
    """Send complaint returns into the warehouse's quarantine."""

    _inherit = "stock.return.picking"

    complaint_id = fields.Many2one("quality.complaint", help="Complaint the return is made for, if any.")

    def _prepare_picking_default_values(self):
        values = super()._prepare_picking_default_values()
        if self.complaint_id:
            warehouse = self.picking_id.picking_type_id.warehouse_id
            values.update(
                {
                    "picking_type_id": warehouse.complaint_return_type_id.id,
                    "location_dest_id": warehouse.complaint_quarantine_location_id.id,
                    "complaint_id": self.complaint_id.id,
                    "complaint_picking_kind": "return",
                    "origin": self.complaint_id.name,
                }
            )
        return values


class StockReturnPickingLine(models.TransientModel):
    _inherit = "stock.return.picking.line"

    def _prepare_move_default_values(self, new_picking):
        values = super()._prepare_move_default_values(new_picking)
        if self.wizard_id.complaint_id:
            values["complaint_id"] = self.wizard_id.complaint_id.id
            # The complaint settles the money with its own credit note: the goods coming
            # back must not make the order "to invoice" (or to refund) a second time.
            values["to_refund"] = False
        return values
