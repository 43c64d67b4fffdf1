# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityRegulatoryMarket(models.Model):
    """A jurisdiction with its own vigilance law and regulator (EU, US, China)."""

    _name = "quality.regulatory.market"
    _description = "Regulatory Market"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, help="Market, e.g. European Union.")
    code = fields.Char(required=True, help="Short code sent to the sync agent: eu, us or cn.")
    sequence = fields.Integer(default=10, help="Order in lists.")
    regulator = fields.Char(
        required=True,
        translate=True,
        help="Authority that receives the reports (for the EU, the national competent authority by default).",
    )
    law = fields.Char(string="Legal Basis", translate=True, help="Regulation that requires the reports.")
    country_ids = fields.Many2many(
        "res.country", string="Countries", help="Countries where this market's law applies."
    )
    form_id = fields.Many2one(
        "quality.regulatory.form", string="Current Form", help="Form new reports for this market use."
    )
    rule_ids = fields.One2many(
        "quality.regulatory.rule", "market_id", string="Reporting Rules", help="Deadlines by event class."
    )
    active = fields.Boolean(default=True, help="Archived markets get no new evaluations.")

    _sql_constraints = [("code_unique", "unique(code)", "A market code exists once.")]
