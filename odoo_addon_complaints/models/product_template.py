# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "quality.complaint.link.mixin"]

    is_medical_device = fields.Boolean(
        help="Complaints on medical devices ask whether a death, serious injury or malfunction is involved, "
        "which may make them reportable adverse events.",
    )
    device_trade_name = fields.Char(string="Trade Name", help="Brand name on the label (商品名称).")
    device_model = fields.Char(string="Model", help="Model or specification (型号规格).")
    udi_di = fields.Char(string="UDI-DI", help="Device identifier of the UDI (GS1 GTIN, HIBCC or ICCBBA).")
    basic_udi_di = fields.Char(string="Basic UDI-DI", help="EU Basic UDI-DI of the device model family.")
    device_nomenclature_code = fields.Char(
        string="Nomenclature Code", help="EMDN (EU) or GMDN code of the device type."
    )
    fda_product_code = fields.Char(
        string="FDA Product Code", help="Three-letter FDA device product code (procode)."
    )
    device_registration_ids = fields.One2many(
        "quality.device.registration",
        "product_tmpl_id",
        string="Registrations",
        help="Certificates and registrations per market.",
    )

    def _complaint_domain(self):
        return [("line_ids.product_id.product_tmpl_id", "=", self.id)]

    @api.constrains("udi_di")
    def _check_udi_di(self):
        for product in self.filtered("udi_di"):
            if len(product.udi_di) > 64 or not product.udi_di.isprintable():
                raise ValidationError(
                    self.env._(
                        "Product %s: the UDI-DI is not a valid device identifier.", product.display_name
                    )
                )

    def _device_registration(self, market):
        self.ensure_one()
        return self.device_registration_ids.filtered(lambda reg: reg.market_id == market)[:1]
