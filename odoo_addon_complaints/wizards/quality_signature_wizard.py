# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class QualitySignatureWizard(models.TransientModel):
    _name = "quality.signature.wizard"
    _description = "Sign with Password"

    res_model = fields.Char(required=True, help="Model of the record to sign.")
    res_id = fields.Integer(required=True, help="Id of the record to sign.")
    action = fields.Char(required=True, help="Method of the record that the signature allows.")
    meaning = fields.Char(required=True, readonly=True, help="What you sign for.")
    password = fields.Char(help="Your password, to confirm that you sign.")

    def action_sign(self):
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id)
        if self.action not in getattr(record, "_signed_actions", ()):
            raise UserError(self.env._("%(action)s cannot be signed.", action=self.action))
        signature = self.env["quality.signature"]._sign(record, self.meaning, self.password)
        self.password = False
        return getattr(record.with_context(quality_signature_id=signature.id), self.action)()
