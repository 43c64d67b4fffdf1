# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

#: what a supplier reads of every row of their answers
ANSWER_ROW_PORTAL_FIELDS = frozenset(
    {"id", "display_name", "scar_id", "step_id", "company_id", "sequence", "state", "reject_reason"}
)


class QualityScarAnswerMixin(models.AbstractModel):
    """One row of a supplier's structured answer to a SCAR step (a root cause, an action).

    Rows arrive with the answer, through ``quality.scar._apply_supplier_answer``
    (the supplier portal and the sync agent alike), and stay *Proposed* until
    staff accept or reject the step: accepting copies them into our 8D,
    rejecting keeps them, with the reason, for the supplier to see. Nobody
    writes them directly (read-only access rights): they are the supplier's
    statement.
    """

    _name = "quality.scar.answer.mixin"
    _inherit = ["quality.portal.field.mixin"]
    _description = "Row of a Supplier's Answer"
    _order = "scar_id, step_id, sequence, id"

    scar_id = fields.Many2one(
        "quality.scar", string="SCAR", required=True, ondelete="cascade", index=True, help="SCAR answered."
    )
    step_id = fields.Many2one(
        "quality.scar.step",
        string="Answered Step",
        required=True,
        ondelete="cascade",
        index=True,
        help="The requested step whose answer brought this row.",
    )
    company_id = fields.Many2one(
        related="scar_id.company_id", store=True, index=True, help="Company of the SCAR."
    )
    sequence = fields.Integer(default=10, help="Order in the answer.")
    answer_id = fields.Char(
        string="Portal Answer ID", readonly=True, index=True, help="The answer this row came with."
    )
    state = fields.Selection(
        [("proposed", "Proposed"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        default="proposed",
        required=True,
        readonly=True,
        help="Proposed until staff accept or reject the step's answer; rejected rows stay, with the reason.",
    )
    reject_reason = fields.Text(
        readonly=True, help="Why the answer this row came with was rejected; the supplier sees it."
    )

    def _portal_field_refusal(self, operation, field_names):
        return self.env._(
            "SCAR answers: suppliers cannot %(operation)s the fields %(fields)s.",
            operation=operation,
            fields=field_names,
        )
