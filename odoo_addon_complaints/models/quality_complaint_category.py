# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityComplaintCategory(models.Model):
    _name = "quality.complaint.category"
    _description = "Complaint Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, help="Name of the category.")
    code = fields.Char(help="Short code used in statistics and exports.")
    sequence = fields.Integer(default=10, help="Order of the categories.")
    active = fields.Boolean(default=True, help="Uncheck to stop using this category.")
    description = fields.Text(translate=True, help="Which complaints belong in this category.")

    _sql_constraints = [
        ("code_unique", "unique(code)", "The category code must be unique."),
    ]
