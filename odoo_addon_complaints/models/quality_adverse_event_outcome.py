# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

OUTCOMES = [
    ("death", "Death"),
    ("life_threatening", "Life-Threatening"),
    ("hospitalization", "Hospitalization (Initial or Prolonged)"),
    ("disability", "Disability or Permanent Damage"),
    ("congenital_anomaly", "Congenital Anomaly"),
    ("intervention", "Required Intervention to Prevent Permanent Harm"),
    ("other", "Other Serious Outcome"),
    ("none", "No Health Consequence"),
]


class QualityAdverseEventOutcome(models.Model):
    """A consequence for the patient, as the 3500A, MIR and NMPA forms list them."""

    _name = "quality.adverse.event.outcome"
    _description = "Adverse Event Outcome"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, help="Outcome.")
    code = fields.Selection(OUTCOMES, required=True, help="Outcome code sent in reports.")
    sequence = fields.Integer(default=10, help="Order in lists.")

    _sql_constraints = [("code_unique", "unique(code)", "An outcome code exists once.")]
