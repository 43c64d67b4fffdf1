# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

RISK_CLASSES = [
    ("eu_i", "EU Class I"),
    ("eu_is", "EU Class Is (sterile)"),
    ("eu_im", "EU Class Im (measuring)"),
    ("eu_ir", "EU Class Ir (reusable surgical)"),
    ("eu_iia", "EU Class IIa"),
    ("eu_iib", "EU Class IIb"),
    ("eu_iii", "EU Class III"),
    ("us_1", "US Class I"),
    ("us_2", "US Class II"),
    ("us_3", "US Class III"),
    ("cn_1", "China Class I"),
    ("cn_2", "China Class II"),
    ("cn_3", "China Class III"),
]


class QualityDeviceRegistration(models.Model):
    """A device's market authorisation: CE certificate, 510(k)/PMA, NMPA registration."""

    _name = "quality.device.registration"
    _description = "Medical Device Registration"
    _order = "product_tmpl_id, market_id"

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Device",
        required=True,
        ondelete="cascade",
        index=True,
        help="Registered device.",
    )
    market_id = fields.Many2one(
        "quality.regulatory.market", required=True, ondelete="restrict", help="Market of the registration."
    )
    number = fields.Char(
        string="Registration Number",
        required=True,
        help="Certificate or registration number as the regulator knows it (CE certificate, 510(k), 注册证编号).",
    )
    risk_class = fields.Selection(RISK_CLASSES, required=True, help="Risk class in this market.")
    holder_id = fields.Many2one(
        "res.partner",
        string="Registrant",
        help="Legal manufacturer or registrant (注册人) in this market; empty: our company.",
    )
    valid_until = fields.Date(help="Expiry of the certificate or registration.")

    _sql_constraints = [
        ("market_unique", "unique(product_tmpl_id, market_id)", "A device has one registration per market."),
    ]
