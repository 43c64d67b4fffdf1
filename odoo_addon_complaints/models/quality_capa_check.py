# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import lock_rows

_lt = LazyTranslate(__name__)


class QualityCapaCheck(models.Model):
    """One effectiveness check of a CAPA; the result is given with an electronic signature."""

    _name = "quality.capa.check"
    _inherit = ["quality.guarded.mixin"]
    _description = "CAPA Effectiveness Check"
    _order = "capa_id, id"
    _guarded_fields = {
        "result": _lt("Sign Effectiveness Check"),
        "date_verified": _lt("Sign Effectiveness Check"),
        "signature_id": _lt("Sign Effectiveness Check"),
    }

    capa_id = fields.Many2one("quality.capa", required=True, ondelete="cascade", index=True, help="CAPA.")
    date_planned = fields.Date(string="Planned For", required=True, help="When effectiveness is checked.")
    criterion = fields.Char(
        required=True, help="What shows the action works, e.g. 'no recurrence in 3 lots'."
    )
    verifier_id = fields.Many2one(
        "res.users", required=True, domain=[("share", "=", False)], help="Who checks and signs."
    )
    result = fields.Selection(
        [("effective", "Effective"), ("ineffective", "Not Effective")],
        readonly=True,
        help="Outcome of the check.",
    )
    result_to_sign = fields.Selection(
        [("effective", "Effective"), ("ineffective", "Not Effective")],
        string="Result to Sign",
        help="Outcome to sign.",
    )
    date_verified = fields.Datetime(string="Verified On", readonly=True, help="When the verifier signed.")
    signature_id = fields.Many2one("quality.signature", readonly=True, help="The verifier's signature.")

    _signed_actions = ("action_sign_result",)

    def action_open_signature(self):
        self.ensure_one()
        if not self.result_to_sign:
            raise UserError(self.env._("Choose the result of the check before signing it."))
        meaning = self.env._(
            "Approve effectiveness of CAPA %(capa)s: %(result)s",
            capa=self.capa_id.name,
            result=self.result_to_sign,
        )
        return self.env["quality.signature"]._action_request(
            self, "action_sign_result", meaning, self.env._("Sign Effectiveness Check")
        )

    def action_sign_result(self):
        self.ensure_one()
        lock_rows(self)  # signed once, even when signed twice at once
        signature = self.env["quality.signature"]._given_for(self)
        if not signature:
            raise UserError(self.env._("An effectiveness check is approved with the verifier's signature."))
        if self.env.user != self.verifier_id:
            raise UserError(
                self.env._(
                    "CAPA %(capa)s: only the verifier %(verifier)s signs this check.",
                    capa=self.capa_id.name,
                    verifier=self.verifier_id.name,
                )
            )
        if self.result:
            raise UserError(
                self.env._("CAPA %(capa)s: this check is already signed.", capa=self.capa_id.name)
            )
        if self.capa_id.state != "verifying":
            raise UserError(
                self.env._("CAPA %(capa)s is not waiting for an effectiveness check.", capa=self.capa_id.name)
            )
        self.capa_id._concerned_complaints()._check_not_concerned(
            self.env._("sign the effectiveness check of CAPA %s", self.capa_id.name)
        )
        self.capa_id._record_check_result(self, self.result_to_sign, signature)
        return True

    @api.constrains("verifier_id", "capa_id")
    def _check_verifier_not_concerned(self):
        for check in self:
            if check.verifier_id in check.capa_id._concerned_complaints().subject_user_ids:
                raise ValidationError(
                    self.env._(
                        "CAPA %(capa)s: %(user)s is a person concerned by its complaint and cannot verify "
                        "its effectiveness.",
                        capa=check.capa_id.name,
                        user=check.verifier_id.name,
                    )
                )

    def write(self, vals):
        if any(check.result for check in self):
            raise UserError(self.env._("A signed effectiveness check cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if any(check.result for check in self):
            raise UserError(self.env._("A signed effectiveness check cannot be deleted."))
