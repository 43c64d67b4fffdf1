# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

BPNL_PATTERN = re.compile(r"^BPNL[a-zA-Z0-9]{12}$")


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "quality.complaint.link.mixin"]

    catena_x_bpn = fields.Char(
        string="Business Partner Number (BPNL)",
        help="Catena-X legal-entity number (BPNL followed by 12 letters or digits), required to "
        "exchange 8D reports with this company over Catena-X portals.",
    )

    @api.constrains("catena_x_bpn")
    def _check_catena_x_bpn(self):
        for partner in self:
            if partner.catena_x_bpn and not BPNL_PATTERN.match(partner.catena_x_bpn):
                raise ValidationError(
                    self.env._(
                        "%(partner)s: the Business Partner Number must be BPNL followed by 12 letters or digits, not %(bpn)s.",
                        partner=partner.display_name,
                        bpn=partner.catena_x_bpn,
                    )
                )

    def _complaint_domain(self):
        return [("commercial_partner_id", "=", self.commercial_partner_id.id)]

    def _complaint_default_context(self):
        return {"default_partner_id": self.id}
