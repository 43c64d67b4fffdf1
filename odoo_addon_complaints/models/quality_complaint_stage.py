# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

DEADLINE_KINDS = [
    ("acknowledge", "Acknowledgement"),
    ("containment", "Containment"),
    ("root_cause", "Root Cause"),
    ("reply", "Customer Reply"),
    ("closure", "Closure"),
]


class QualityComplaintStage(models.Model):
    _name = "quality.complaint.stage"
    _description = "Complaint Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, help="Name of the stage.")
    sequence = fields.Integer(default=10, help="Order of the stages in the pipeline.")
    active = fields.Boolean(default=True, help="Uncheck to hide the stage.")
    fold = fields.Boolean(
        string="Folded in Kanban",
        help="Fold this stage in the kanban view when it holds no complaint.",
    )
    state = fields.Selection(
        [
            ("new", "New"),
            ("open", "In Progress"),
            ("done", "Closed"),
            ("rejected", "Rejected"),
        ],
        required=True,
        default="open",
        help="What the stage means for the complaint. Closed stages require a "
        "disposition and the customer's acceptance (or a manager's override); "
        "rejected stages require a validity other than 'valid' and an "
        "explanation to the customer.",
    )
    complete_deadline = fields.Selection(
        DEADLINE_KINDS,
        string="Meets Deadline",
        help="Reaching this stage marks this deadline of the complaint as met. "
        "Closed and rejected stages meet every open deadline.",
    )
    sync_target = fields.Char(
        string="Tell Partners Via",
        help="When a complaint reaches this stage, the sync agent tells this target "
        "(for example customer_portal) about the new status. Leave empty to tell nobody.",
    )
    description = fields.Text(translate=True, help="What is expected of the team in this stage.")
