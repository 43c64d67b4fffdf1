# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityComplaintRequestType(models.Model):
    _name = "quality.complaint.request.type"
    _description = "Customer Request Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, help="What the customer asks for.")
    code = fields.Char(help="Short code used in statistics and exports.")
    sequence = fields.Integer(default=10, help="Order of the request types.")
    active = fields.Boolean(default=True, help="Uncheck to stop offering this request.")

    _sql_constraints = [
        ("code_unique", "unique(code)", "The request type code must be unique."),
    ]
