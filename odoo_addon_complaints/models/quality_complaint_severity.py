# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityComplaintSeverity(models.Model):
    _name = "quality.complaint.severity"
    _description = "Complaint Severity Level"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, help="Name of the level.")
    sequence = fields.Integer(default=10, help="Order of the levels, mildest first.")
    active = fields.Boolean(default=True, help="Uncheck to stop using this level.")
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the level between companies.",
    )
    description = fields.Text(
        translate=True,
        help="When to choose this level, for the people triaging complaints.",
    )
    priority = fields.Selection(
        [("0", "Normal"), ("1", "High"), ("2", "Very High"), ("3", "Urgent")],
        default="0",
        required=True,
        help="Priority given to complaints of this level.",
    )
    color = fields.Integer(help="Colour of the level in kanban and list views.")
    escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        domain=[("share", "=", False)],
        help="Manager who receives overdue escalations and is the default "
        "escalation manager of complaints of this level (for example the "
        "management representative for severe complaints).",
    )
    deadline_rule_ids = fields.One2many(
        "quality.complaint.deadline.rule",
        "severity_id",
        string="Deadlines",
        copy=True,
        help="Due times of each step, counted from the moment the complaint was received.",
    )
