# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools

from odoo.addons.rating.models.rating_data import RATING_TEXT


class QualityComplaintRatingReport(models.Model):
    """Customer satisfaction with closed complaints, by customer, product and period.

    One row per given rating and product of the complaint (a complaint
    without affected lines gives one row without product), so that averages
    by product weigh each rated complaint once per product it was about.
    """

    _name = "quality.complaint.rating.report"
    _description = "Complaint Satisfaction Analysis"
    _auto = False
    _order = "date_rated desc"
    _rec_name = "complaint_id"
    _depends = {
        "rating.rating": [
            "res_model",
            "res_id",
            "rating",
            "rating_text",
            "feedback",
            "consumed",
            "write_date",
        ],
        "quality.complaint": [
            "company_id",
            "commercial_partner_id",
            "category_id",
            "severity_id",
            "date_received",
            "date_closed",
        ],
        "quality.complaint.line": ["complaint_id", "product_id"],
    }

    rating_id = fields.Many2one("rating.rating", readonly=True, help="The customer's rating.")
    complaint_id = fields.Many2one("quality.complaint", readonly=True, help="Rated complaint.")
    company_id = fields.Many2one("res.company", readonly=True, help="Company of the complaint.")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, help="Customer entity of the complaint."
    )
    product_id = fields.Many2one("product.product", readonly=True, help="Product the complaint was about.")
    category_id = fields.Many2one(
        "quality.complaint.category", readonly=True, help="Category of the complaint."
    )
    severity_id = fields.Many2one(
        "quality.complaint.severity", readonly=True, help="Severity level of the complaint."
    )
    date_received = fields.Datetime(
        string="Received On", readonly=True, help="When the complaint was received."
    )
    date_closed = fields.Datetime(string="Closed On", readonly=True, help="When the complaint was closed.")
    date_rated = fields.Datetime(string="Rated On", readonly=True, help="When the customer gave the rating.")
    rating = fields.Float(
        string="Rating (1-5)",
        aggregator="avg",
        readonly=True,
        help="Rating given: 5 satisfied, 3 okay, 1 dissatisfied.",
    )
    rating_text = fields.Selection(
        RATING_TEXT, string="Satisfaction", readonly=True, help="Rating as a word."
    )
    feedback = fields.Text(readonly=True, help="What the customer wrote with the rating.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT
                    row_number() OVER (ORDER BY r.id, p.product_id) AS id,
                    r.id AS rating_id,
                    c.id AS complaint_id,
                    c.company_id,
                    c.commercial_partner_id AS partner_id,
                    p.product_id,
                    c.category_id,
                    c.severity_id,
                    c.date_received,
                    c.date_closed,
                    r.write_date AS date_rated,
                    r.rating,
                    r.rating_text,
                    r.feedback
                FROM rating_rating r
                JOIN quality_complaint c ON c.id = r.res_id
                LEFT JOIN LATERAL (
                    SELECT DISTINCT l.product_id FROM quality_complaint_line l WHERE l.complaint_id = c.id
                ) p ON TRUE
                WHERE r.res_model = 'quality.complaint' AND r.consumed AND r.rating > 0
            )
            """
        )
