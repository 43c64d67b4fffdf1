# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityEightDMember(models.Model):
    _name = "quality.eight.d.member"
    _description = "8D Team Member"

    eight_d_id = fields.Many2one(
        "quality.eight.d", required=True, ondelete="cascade", index=True, help="8D report."
    )
    user_id = fields.Many2one("res.users", required=True, domain=[("share", "=", False)], help="Team member.")
    role = fields.Char(required=True, help="Role in the team: quality, production, engineering, supplier...")
