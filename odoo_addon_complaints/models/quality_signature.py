# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessDenied, UserError


class QualitySignature(models.Model):
    """An electronic signature: who signed what, when, and what it means.

    The signer re-enters their password; the record can then never be edited
    or deleted (21 CFR Part 11 / ISO 13485 style record control).
    """

    _name = "quality.signature"
    _description = "Electronic Signature"
    _order = "signed_on desc, id desc"

    res_model = fields.Char(
        string="Signed Model", required=True, readonly=True, index=True, help="Model of the signed record."
    )
    res_id = fields.Many2oneReference(
        string="Signed Record ID",
        model_field="res_model",
        required=True,
        readonly=True,
        index=True,
        help="Id of the signed record.",
    )
    res_name = fields.Char(
        string="Signed Record", readonly=True, help="Name of the record when it was signed."
    )
    user_id = fields.Many2one(
        "res.users", string="Signed By", required=True, readonly=True, help="Who signed."
    )
    signed_on = fields.Datetime(required=True, readonly=True, help="When the signature was given.")
    meaning = fields.Char(
        required=True, readonly=True, help="What the signature means, e.g. 'Approve CAPA effectiveness'."
    )
    company_id = fields.Many2one("res.company", readonly=True, help="Company of the signed record.")

    @api.model
    def _sign(self, record, meaning, password):
        """Check the current user's password and record the signature of ``record``."""
        if not password:
            raise UserError(self.env._("Enter your password to sign."))
        try:
            self.env.user._check_credentials(
                {"login": self.env.user.login, "password": password, "type": "password"},
                {"interactive": True},
            )
        except AccessDenied:
            raise UserError(
                self.env._("Wrong password: %(record)s was not signed.", record=record.display_name)
            ) from None
        return (
            self.sudo()
            .with_context(quality_signature_create=True)
            .create(
                {
                    "res_model": record._name,
                    "res_id": record.id,
                    "res_name": record.display_name,
                    "user_id": self.env.user.id,
                    "signed_on": fields.Datetime.now(),
                    "meaning": meaning,
                    "company_id": record.company_id.id
                    if "company_id" in record._fields
                    else self.env.company.id,
                }
            )
        )

    @api.model
    def _given_for(self, record):
        """The signature this call was authorised with, if it is the current user's signature of ``record``."""
        signature = self.browse(self.env.context.get("quality_signature_id")).exists()
        if (
            signature
            and signature.user_id == self.env.user
            and signature.res_model == record._name
            and signature.res_id == record.id
        ):
            return signature
        return self.browse()

    @api.model
    def _action_request(self, record, method, meaning, title):
        """Window action asking the user's password before ``record.method()`` runs."""
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": "quality.signature.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": record._name,
                "default_res_id": record.id,
                "default_action": method,
                "default_meaning": meaning,
            },
        }

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("quality_signature_create"):
            raise UserError(self.env._("Signatures are only given by re-entering the password."))
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(self.env._("A signature cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A signature cannot be deleted."))
