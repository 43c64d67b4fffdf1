# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Satisfaction: a rating request at closure, results on the complaint and by customer, product and period."""

from odoo import Command
from odoo.tests import tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintRating(ComplaintCase):
    def _closed_complaint(self, **values):
        complaint = self._create_complaint(
            contact_id=self.customer_contact.id,
            disposition="exchange",
            customer_accepted=True,
            line_ids=[Command.create(self._line_vals(1))],
            **values,
        )
        complaint.with_user(self.quality_user).stage_id = self.stage_closed
        return complaint

    def _request(self, complaint):
        return complaint.message_ids.filtered(lambda m: "how satisfied" in (m.subject or ""))

    def test_closing_sends_one_rating_request(self):
        complaint = self._closed_complaint()
        request = self._request(complaint)
        self.assertEqual(len(request), 1)
        self.assertEqual(request.notification_ids.res_partner_id, self.customer_contact)
        rating = complaint.rating_ids
        self.assertEqual(rating.partner_id, self.customer_contact)
        self.assertFalse(rating.consumed)
        self.assertIn(f"/rate/{rating.access_token}/5", request.body)
        # Reopened and closed again before the customer answered: no second request.
        complaint.with_user(self.quality_user).stage_id = self.stage_investigating
        complaint.with_user(self.quality_user).stage_id = self.stage_closed
        self.assertEqual(len(self._request(complaint)), 1)

    def test_no_request_when_switched_off(self):
        self.company.complaint_rating_request = False
        complaint = self._closed_complaint()
        self.assertFalse(self._request(complaint))
        self.assertFalse(complaint.rating_ids)

    def test_rating_shows_on_complaint_and_in_reporting(self):
        complaint = self._closed_complaint()
        token = complaint.rating_ids.access_token
        complaint.sudo().rating_apply(1, token=token, feedback="Took too long")
        self.assertEqual(complaint.rating_last_value, 1)
        self.assertEqual(complaint.rating_count, 1)
        self.assertIn("Took too long", complaint.message_ids[0].body)
        second = self._closed_complaint(subject="Second")
        second.sudo().rating_apply(5, token=second.rating_ids.access_token)
        report = self.env["quality.complaint.rating.report"].with_user(self.quality_user)
        rows = report.search([("complaint_id", "in", (complaint | second).ids)])
        self.assertEqual(rows.mapped("partner_id"), self.customer)
        self.assertEqual(rows.mapped("product_id"), self.product)
        groups = report._read_group(
            [("complaint_id", "in", (complaint | second).ids)],
            ["partner_id", "product_id", "date_rated:month"],
            ["rating:avg", "__count"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0][3], 3.0, "average of 1 and 5")
        self.assertEqual(groups[0][4], 2)
