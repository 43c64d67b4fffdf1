# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer portal in a real browser: register a complaint of two lines with a photo, accept the solution.

The tours are static/tests/tours/complaint_portal_tour.js; they run in
headless Chromium (Odoo's HttpCase finds `chromium` on PATH; the project's
scripts install it with scripts/ensure-browser).
"""

from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import ComplaintCase, start_tour_or_skip_loudly


@tagged("post_install", "-at_install")
class TestComplaintPortalTour(HttpCase, ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second delivery to the customer: 3 pumps of LOT-C.
        cls.order_c = cls._deliver_order(cls.customer, cls.product, 3, cls.lot_c)
        cls.portal_user = new_test_user(
            cls.env, login="portal_tour", groups="base.group_portal", partner_id=cls.customer_contact.id
        )

    def _send_reply(self, complaint, text):
        """Staff propose a solution: the customer reply, sent with its template."""
        complaint = complaint.with_user(self.quality_user)
        complaint.customer_reply = text
        action = complaint.action_send_reply()
        Form(
            self.env["mail.compose.message"].with_user(self.quality_user).with_context(**action["context"])
        ).save()._action_send_mail()
        self.assertTrue(complaint.date_reply)

    def test_customer_registers_two_lines_with_a_photo_then_accepts_the_solution(self):
        start_tour_or_skip_loudly(self, "/my/complaints", "complaint_portal_register", "portal_tour")

        complaint = self.env["quality.complaint"].search([("subject", "=", "Cracked pump housings")])
        self.assertEqual(
            len(complaint), 1, "the tour registered exactly one complaint (the refused send none)"
        )
        self.assertEqual(complaint.channel, "web")
        self.assertEqual(complaint.partner_id, self.customer)
        self.assertEqual(complaint.contact_id, self.customer_contact)
        self.assertIn("crack when the pumps are mounted", complaint.description)
        lines = complaint.line_ids.sorted("id")
        self.assertEqual(lines.lot_id, self.lot_a | self.lot_c)
        self.assertEqual(
            [(line.lot_id, line.sale_order_id, line.picking_id, line.qty_complained) for line in lines],
            [
                (self.lot_a, self.order, self.picking, 2.0),
                (self.lot_c, self.order_c, self.order_c.picking_ids, 1.0),
            ],
        )
        photo = complaint.message_ids.attachment_ids
        self.assertEqual(photo.mapped("name"), ["cracked_housing.png"])
        self.assertEqual(photo.mimetype, "image/png")

        self._send_reply(complaint, "<p>We replace the three pumps next week.</p>")
        start_tour_or_skip_loudly(self, "/my/complaints", "complaint_portal_accept", "portal_tour")

        self.assertTrue(complaint.customer_accepted)
        self.assertEqual(complaint.customer_response, "accepted")
        self.assertEqual(complaint.customer_response_user_id, self.portal_user)
        self.assertEqual(complaint.customer_response_note, "Fine for us, thank you.")
