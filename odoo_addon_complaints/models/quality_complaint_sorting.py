# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class QualityComplaintSorting(models.Model):
    _name = "quality.complaint.sorting"
    _description = "Complaint Sorting Result"
    _order = "date desc, id desc"
    _check_company_auto = True

    complaint_id = fields.Many2one(
        "quality.complaint", required=True, ondelete="cascade", index=True, help="Complaint sorted for."
    )
    company_id = fields.Many2one(related="complaint_id.company_id", store=True, help="Company.")
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial", required=True, check_company=True, help="Sorted lot."
    )
    place = fields.Char(
        required=True, help="Where the sorting was done: warehouse location, customer site..."
    )
    date = fields.Date(required=True, default=fields.Date.context_today, help="When the goods were sorted.")
    user_id = fields.Many2one(
        "res.users", string="Sorted By", default=lambda self: self.env.user, help="Who sorted the goods."
    )
    qty_checked = fields.Float(string="Checked", digits="Product Unit of Measure", help="Quantity checked.")
    qty_defective = fields.Float(
        string="Found Defective", digits="Product Unit of Measure", help="Quantity found defective."
    )
    note = fields.Text(help="Sorting method and remarks.")

    @api.constrains("qty_checked", "qty_defective")
    def _check_quantities(self):
        for sorting in self:
            if (
                sorting.qty_checked < 0
                or sorting.qty_defective < 0
                or sorting.qty_defective > sorting.qty_checked
            ):
                raise ValidationError(
                    self.env._(
                        "Complaint %(complaint)s, sorting of lot %(lot)s at %(place)s: the defective "
                        "quantity must be between 0 and the checked quantity.",
                        complaint=sorting.complaint_id.name,
                        lot=sorting.lot_id.name,
                        place=sorting.place,
                    )
                )
