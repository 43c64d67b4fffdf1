# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class QualityComplaintLinkMixin(models.AbstractModel):
    """Smart button with the number of complaints about a record.

    Sale orders, deliveries, lots, customers and products all show how many
    complaints concern them and open those complaints.
    """

    _name = "quality.complaint.link.mixin"
    _description = "Records Linked to Complaints"

    complaint_count = fields.Integer(
        string="Complaints",
        compute="_compute_complaint_count",
        groups="odoo_addon_complaints.group_complaint_user,stock.group_stock_user",
        help="Number of complaints about this record.",
    )

    def _complaint_domain(self):
        """Domain of the complaints about ``self`` (one record)."""
        raise NotImplementedError

    def _complaint_default_context(self):
        return {}

    def _compute_complaint_count(self):
        complaint_model = self.env["quality.complaint"]
        for record in self:
            record.complaint_count = (
                complaint_model.search_count(record._complaint_domain()) if record.id else 0
            )

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_addon_complaints.action_quality_complaint"
        )
        action["domain"] = self._complaint_domain()
        action["context"] = self._complaint_default_context()
        action["display_name"] = self.env._("Complaints: %s", self.display_name)
        return action
