# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockWarehouse(models.Model):
    """Give every warehouse a quarantine location and the complaint operation types.

    They are created through the warehouse's own machinery, so a warehouse
    created later gets them too, and archiving the warehouse archives them.
    """

    _inherit = "stock.warehouse"

    complaint_quarantine_location_id = fields.Many2one(
        "stock.location",
        string="Quarantine Location",
        check_company=True,
        copy=False,
        help="Where returned and suspect goods wait for their disposition.",
    )
    complaint_return_type_id = fields.Many2one(
        "stock.picking.type",
        string="Complaint Returns Type",
        check_company=True,
        copy=False,
        help="Operation type of customer returns made from complaints; they arrive in quarantine.",
    )
    complaint_quarantine_type_id = fields.Many2one(
        "stock.picking.type",
        string="Quarantine Moves Type",
        check_company=True,
        copy=False,
        help="Operation type of the internal transfers that move suspect stock into quarantine.",
    )

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get("company_id", self.default_get(["company_id"])["company_id"])
        values["complaint_quarantine_location_id"] = {
            "name": self.env._("Quarantine"),
            "active": True,
            "usage": "internal",
            "barcode": self._valid_barcode(code + "QUARANTINE", company_id),
        }
        return values

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        for field_name, sequence_code, label in (
            ("complaint_return_type_id", "CRET", self.env._("Complaint Returns")),
            ("complaint_quarantine_type_id", "QUAR", self.env._("Quarantine Moves")),
        ):
            values[field_name] = {
                "name": self.env._("%(warehouse)s Sequence %(label)s", warehouse=self.name, label=label),
                "prefix": f"{self.code}/{self[field_name].sequence_code or sequence_code}/",
                "padding": 5,
                "company_id": self.company_id.id,
            }
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        data.update(
            {
                "complaint_return_type_id": {
                    "name": self.env._("Complaint Returns"),
                    "code": "incoming",
                    "use_create_lots": False,
                    "use_existing_lots": True,
                    "default_location_src_id": self.env.ref("stock.stock_location_customers").id,
                    "default_location_dest_id": self.complaint_quarantine_location_id.id,
                    "sequence": next_sequence + 1,
                    "sequence_code": "CRET",
                    "company_id": self.company_id.id,
                },
                "complaint_quarantine_type_id": {
                    "name": self.env._("Quarantine Moves"),
                    "code": "internal",
                    "use_create_lots": False,
                    "use_existing_lots": True,
                    "default_location_src_id": self.lot_stock_id.id,
                    "default_location_dest_id": self.complaint_quarantine_location_id.id,
                    "sequence": next_sequence + 2,
                    "sequence_code": "QUAR",
                    "company_id": self.company_id.id,
                },
            }
        )
        return data, next_sequence + 3

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        barcode = self.code.replace(" ", "").upper()
        data.update(
            {
                "complaint_return_type_id": {
                    "active": self.active,
                    "barcode": barcode + "CRET",
                    "default_location_dest_id": self.complaint_quarantine_location_id.id,
                },
                "complaint_quarantine_type_id": {
                    "active": self.active,
                    "barcode": barcode + "QUAR",
                    "default_location_dest_id": self.complaint_quarantine_location_id.id,
                },
            }
        )
        return data

    def _create_complaint_quarantine_data(self):
        """Add the quarantine location and operation types to existing warehouses."""
        for warehouse in self:
            warehouse._create_missing_locations({})
            picking_type_values = warehouse._create_or_update_sequences_and_picking_types()
            if picking_type_values:
                warehouse.write(picking_type_values)
