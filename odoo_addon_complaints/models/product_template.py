# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "quality.complaint.link.mixin"]

    def _complaint_domain(self):
        return [("line_ids.product_id.product_tmpl_id", "=", self.id)]
