# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    complaint_id = fields.Many2one(
        "quality.complaint",
        index="btree_not_null",
        copy=False,
        help="Complaint whose returned goods this warranty repair is for.",
    )
