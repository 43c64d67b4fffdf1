# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class QualityNumberedMixin(models.AbstractModel):
    """A record numbered from its ``ir.sequence`` when it is created.

    8Ds, CAPA, SCARs, adverse-event evaluations and regulatory reports carry
    the year in their numbers (``8D-2027-0001``). The year is the company's:
    Odoo would draw the number for the server's UTC day, so a report made
    on New Year's morning in Shanghai would get last year's number. The
    number is drawn for the company's local day instead
    (``res.company._complaints_today``), whoever creates the record: a user
    elsewhere, a cron or the sync agent.
    """

    _name = "quality.numbered.mixin"
    _description = "Numbered Quality Record"
    #: ``code`` of the ir.sequence that numbers the model's records
    _sequence_code = None

    name = fields.Char(
        string="Number",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
        help="Number given at creation, from the sequence of this kind of record "
        "and the company's local date.",
    )

    @api.model
    def _sequence_company(self, vals):
        """The company whose local day dates the number of a record created with ``vals``."""
        return self.env["res.company"].browse(vals.get("company_id")) or self.env.company

    @api.model_create_multi
    def create(self, vals_list):
        new = self.env._("New")
        for vals in vals_list:
            if vals.get("name", new) == new:
                company = self._sequence_company(vals)
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code(self._sequence_code, sequence_date=company._complaints_today())
                    or new
                )
        return super().create(vals_list)
