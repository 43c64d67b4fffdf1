# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityCapaTask(models.Model):
    _name = "quality.capa.task"
    _description = "CAPA Task"
    _order = "capa_id, sequence, id"

    capa_id = fields.Many2one("quality.capa", required=True, ondelete="cascade", index=True, help="CAPA.")
    sequence = fields.Integer(default=10, help="Order of the tasks.")
    name = fields.Char(string="Task", required=True, help="What to do.")
    user_id = fields.Many2one(
        "res.users", string="Assigned To", domain=[("share", "=", False)], help="Who does it."
    )
    date_due = fields.Date(string="Due Date", help="When it must be done.")
    done = fields.Boolean(help="The task is done.")
