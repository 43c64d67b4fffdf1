# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "quality.complaint.link.mixin"]

    def _complaint_domain(self):
        return [("line_ids.sale_order_id", "=", self.id)]

    def _complaint_default_context(self):
        return {"default_partner_id": self.partner_id.id}

    def action_new_complaint(self):
        """Open a new complaint about this order, one affected line per delivered product.

        The complained quantities start at zero: the user keeps the lines the
        customer complains about and enters how much.
        """
        self.ensure_one()
        if self.state != "sale":
            raise UserError(
                self.env._("Order %(order)s is not confirmed: no goods were delivered.", order=self.name)
            )
        lines = [
            Command.create(
                {
                    "sale_order_id": self.id,
                    "sale_line_id": order_line.id,
                    "product_id": order_line.product_id.id,
                }
            )
            for order_line in self.order_line
            if not order_line.display_type and order_line.qty_delivered > 0
        ]
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_addon_complaints.action_quality_complaint"
        )
        action.update(
            {
                "views": [(False, "form")],
                "view_mode": "form",
                "context": {
                    "default_partner_id": self.partner_id.id,
                    "default_subject": self.env._("Complaint about %s", self.name),
                    "default_line_ids": lines,
                },
            }
        )
        return action
