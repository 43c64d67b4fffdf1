# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "quality.complaint.link.mixin"]

    def _complaint_domain(self):
        return [("commercial_partner_id", "=", self.commercial_partner_id.id)]

    def _complaint_default_context(self):
        return {"default_partner_id": self.id}
