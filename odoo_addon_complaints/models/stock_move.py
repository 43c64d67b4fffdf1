# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    complaint_id = fields.Many2one(
        "quality.complaint",
        string="Complaint",
        index="btree_not_null",
        copy=False,
        help="Complaint this return, replacement or quarantine move was made for.",
    )

    def _search_picking_for_assignation_domain(self):
        # A replacement never joins an open delivery of the order, nor the reverse:
        # its flags (tightened inspection, reworked goods) belong to it alone.
        return super()._search_picking_for_assignation_domain() + [
            ("complaint_id", "=", self.complaint_id.id)
        ]

    def _get_new_picking_values(self):
        values = super()._get_new_picking_values()
        complaint = self.complaint_id[:1]
        if complaint:
            values["complaint_id"] = complaint.id
            values["complaint_picking_kind"] = "replacement"
        return values

    def _prepare_procurement_values(self):
        values = super()._prepare_procurement_values()
        if self.complaint_id:
            values["complaint_id"] = self.complaint_id.id
        return values
