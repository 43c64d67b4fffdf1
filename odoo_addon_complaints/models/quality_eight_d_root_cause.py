# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityEightDRootCause(models.Model):
    """A D4 root cause of our 8D (see ``quality.root.cause.mixin``), with its 5-Why chain."""

    _name = "quality.eight.d.root.cause"
    _inherit = ["quality.root.cause.mixin"]
    _description = "8D Root Cause"
    _order = "eight_d_id, sequence, id"

    eight_d_id = fields.Many2one(
        "quality.eight.d", required=True, ondelete="cascade", index=True, help="8D report."
    )
    ishikawa = fields.Selection(
        [
            ("man", "Man"),
            ("machine", "Machine"),
            ("material", "Material"),
            ("method", "Method"),
            ("measurement", "Measurement"),
            ("environment", "Environment"),
        ],
        string="Ishikawa (6M)",
        help="Fishbone category of the cause.",
    )
    why_ids = fields.One2many(
        "quality.eight.d.why", "root_cause_id", string="5 Why", help="The chain of whys."
    )
    verified = fields.Boolean(help="The cause was verified: switching it on and off switches the defect.")
    date_clarified = fields.Date(default=fields.Date.context_today)


class QualityEightDWhy(models.Model):
    _name = "quality.eight.d.why"
    _description = "5 Why"
    _order = "root_cause_id, sequence, id"

    root_cause_id = fields.Many2one(
        "quality.eight.d.root.cause", required=True, ondelete="cascade", index=True, help="Root cause."
    )
    sequence = fields.Integer(default=10, help="Order in the chain.")
    question = fields.Char(string="Why?", required=True, help="The question asked.")
    answer = fields.Char(string="Because", required=True, help="The answer found.")
