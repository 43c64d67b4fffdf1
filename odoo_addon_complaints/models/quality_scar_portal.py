# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a supplier sees and answers of a SCAR on the portal.

A supplier's portal user reads the SCARs sent to their company (record rule)
and only the fields the supplier needs: never the complaint, hence the end
customer, our 8D, the chargeback or our notes. Their answers go through
``quality.scar._apply_supplier_answer``, the path of the sync agent's answers,
and are then accepted or rejected by staff as any other answer.
"""

import uuid

from odoo import fields, models
from odoo.exceptions import AccessError

from .quality_portal_field_mixin import PORTAL_COMMON_FIELDS

#: the only SCAR fields a supplier's portal user can read
SCAR_PORTAL_READABLE_FIELDS = PORTAL_COMMON_FIELDS | frozenset(
    {
        "title",
        "supplier_id",
        "purchase_order_id",
        "receipt_id",
        "product_id",
        "lot_id",
        "qty_received",
        "qty_defective",
        "symptom",
        "description",
        "error_type",
        "error_location",
        "location",
        "date_issued",
        "reply_due_on",
        "state",
        "supplier_complaint_ref",
        "share_end_customer",
        "end_customer_name",
        "end_customer_contact",
        "end_customer_reference",
        "end_customer_orders",
        "supplier_containment_ids",
        "supplier_cause_ids",
        "supplier_action_ids",
    }
)


class QualityScar(models.Model):
    _name = "quality.scar"
    _inherit = ["quality.scar", "portal.mixin", "quality.portal.field.mixin"]
    _portal_readable_fields = SCAR_PORTAL_READABLE_FIELDS

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for scar in self:
            scar.access_url = f"/my/scars/{scar.id}"
        return res

    def _portal_field_refusal(self, operation, field_names):
        return self.env._(
            "SCARs: suppliers cannot %(operation)s the fields %(fields)s.",
            operation=operation,
            fields=field_names,
        )

    def action_portal_answer_step(
        self, code, summary, evidence=None, causes=None, actions=None, containment=None
    ):
        """The supplier answers one requested step on the portal, with evidence files.

        ``evidence`` is a list of ``(file name, content)``; ``containment``,
        ``causes`` and ``actions`` are the answer's containment actions, root
        causes and actions in the shape the sync agent sends them (mappings/schemas/scar_answer_v1.schema.json).
        The answer takes the sync agent's path, so the same checks hold (step
        requested, not yet accepted, SCAR open) and staff accept or reject it
        the same way.
        """
        self.ensure_one()
        self.check_access("read")
        user = self.env.user
        scar = self.sudo()
        if not user._is_portal() or user.commercial_partner_id != scar.supplier_id.commercial_partner_id:
            raise AccessError(self.env._("SCAR %(scar)s is addressed to another supplier.", scar=scar.name))
        result = self.env["quality.scar"]._apply_supplier_answer(
            scar.name,
            {
                "answer_id": f"portal-{uuid.uuid4()}",
                "step": code,
                "summary": summary,
                "author": user.name,
                "submitted_at": fields.Datetime.now().isoformat(),
                "containment": containment or [],
                "causes": causes or [],
                "actions": actions or [],
            },
        )
        step = scar.step_ids.filtered(lambda s: s.code == code)
        if evidence:
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {"name": name, "raw": content, "res_model": "quality.scar", "res_id": scar.id}
                        for name, content in evidence
                    ]
                )
            )
            step.attachment_ids = [fields.Command.link(a.id) for a in attachments]
            scar.message_post(
                body=self.env._("Evidence for %(step)s from %(user)s.", step=code, user=user.name),
                subtype_xmlid="mail.mt_note",
                attachment_ids=attachments.ids,
            )
        return result
