# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

IMDRF_ANNEXES = [
    ("A", "A - Medical Device Problem"),
    ("B", "B - Type of Investigation"),
    ("C", "C - Investigation Findings"),
    ("D", "D - Investigation Conclusion"),
    ("E", "E - Health Effects: Clinical Signs and Symptoms"),
    ("F", "F - Health Effects: Health Impact"),
    ("G", "G - Medical Device Component"),
]


class QualityImdrfCode(models.Model):
    """An IMDRF adverse-event code (Annexes A to G) with its FDA CDRH code.

    Loaded from the official table (NCI EVS, FDA CDRH subsets) so reports carry
    only codes that exist: MIR and eMDR schemas take any string.
    """

    _name = "quality.imdrf.code"
    _description = "IMDRF Adverse Event Code"
    _order = "code"
    _rec_names_search = ["code", "name"]
    _parent_store = True

    code = fields.Char(required=True, index=True, help="IMDRF code, e.g. A0501.")
    annex = fields.Selection(
        IMDRF_ANNEXES, required=True, index=True, help="IMDRF annex the code belongs to."
    )
    name = fields.Char(string="Term", required=True, help="Preferred term of the code (official English).")
    definition = fields.Text(help="Official definition of the term.")
    fda_code = fields.Char(string="FDA Code", help="FDA CDRH code used in eMDR (Form 3500A) reports.")
    nci_code = fields.Char(string="NCIt Code", help="NCI Thesaurus concept code.")
    parent_id = fields.Many2one(
        "quality.imdrf.code", string="Parent Code", index=True, ondelete="restrict", help="Broader code."
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many(
        "quality.imdrf.code", "parent_id", string="Narrower Codes", help="More specific codes."
    )
    active = fields.Boolean(
        default=True, help="Retired codes are archived, not deleted, so old reports keep them."
    )

    _sql_constraints = [("code_unique", "unique(code)", "An IMDRF code exists once.")]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for code in self:
            code.display_name = f"{code.code} {code.name}"
