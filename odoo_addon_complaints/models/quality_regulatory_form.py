# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

REPORT_TYPES = [
    ("initial", "Initial"),
    ("followup", "Follow-up"),
    ("final", "Final"),
    ("initial_final", "Combined Initial and Final"),
    ("final_non_reportable", "Final (Not Reportable)"),
]


class QualityRegulatoryForm(models.Model):
    """A regulator's report form in one version (EU MIR 7.2.1, FDA 3500A eMDR...).

    The code is the sync agent's target: the agent renders the form with the
    mapping of that name, so a new form version is a new record, mapping and
    schema, and reports already filed keep the form they were made with.
    """

    _name = "quality.regulatory.form"
    _description = "Regulatory Report Form"
    _order = "market_id, sequence, id"

    name = fields.Char(required=True, translate=True, help="Form name and version, e.g. EU MIR 7.2.1.")
    code = fields.Char(
        required=True,
        help="Target of the sync agent's mapping that renders this form, e.g. eu_mir_7_2_1.",
    )
    market_id = fields.Many2one(
        "quality.regulatory.market", required=True, ondelete="restrict", help="Market it is filed in."
    )
    sequence = fields.Integer(default=10, help="Order in lists.")
    version = fields.Char(help="Version of the official form.")
    file_format = fields.Selection(
        [("xml", "XML"), ("xlsx", "Excel Workbook")],
        required=True,
        default="xml",
        help="Format of the rendered file.",
    )
    report_types = fields.Char(
        required=True,
        default="initial,followup,final",
        help="Report types the form supports, comma separated: initial, followup, final, initial_final, "
        "final_non_reportable.",
    )
    active = fields.Boolean(default=True, help="Retired form versions are archived.")

    _sql_constraints = [("code_unique", "unique(code)", "A form code exists once.")]

    @api.constrains("report_types")
    def _check_report_types(self):
        known = {code for code, _label in REPORT_TYPES}
        for form in self:
            unknown = set(form._report_type_list()) - known
            if unknown or not form._report_type_list():
                raise ValidationError(
                    self.env._(
                        "Form %(form)s: unknown report types %(types)s.",
                        form=form.name,
                        types=", ".join(sorted(unknown)) or "-",
                    )
                )

    def _report_type_list(self):
        self.ensure_one()
        return [code.strip() for code in (self.report_types or "").split(",") if code.strip()]
