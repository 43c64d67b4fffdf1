# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintFromSaleOrder(ComplaintCase):
    def test_sales_user_registers_a_complaint_from_a_delivered_order(self):
        order = self.order.with_user(self.complaint_user)
        action = order.action_new_complaint()
        complaint_model = self.env["quality.complaint"].with_user(self.complaint_user)
        with Form(complaint_model.with_context(**action["context"])) as complaint_form:
            self.assertEqual(complaint_form.partner_id, self.customer)
            complaint_form.contact_id = self.customer_contact
            complaint_form.channel = "email"
            complaint_form.reporter_role = "clinician"
            complaint_form.category_id = self.env.ref("odoo_addon_complaints.category_quality")
            complaint_form.request_type_ids.add(self.env.ref("odoo_addon_complaints.request_type_exchange"))
            self.assertEqual(len(complaint_form.line_ids), 1)
            with complaint_form.line_ids.edit(0) as line:
                self.assertEqual(line.product_id, self.product)
                line.lot_id = self.lot_a
                line.qty_complained = 2
                line.qty_defective = 1
        complaint = complaint_form.record
        self.assertRegex(complaint.name, r"^\d{6}-\d{4}$")
        self.assertEqual(complaint.line_ids.qty_delivered, 4)
        self.assertEqual(complaint.line_ids.picking_id | complaint.picking_ids, self.picking)
        self.assertEqual(len(complaint.deadline_ids), 5)

        # Every linked record shows the complaint and opens it.
        linked_records = (
            self.order,
            self.picking,
            self.lot_a,
            self.customer,
            self.customer_contact,
            self.product.product_tmpl_id,
        )
        for record in linked_records:
            record = record.with_user(self.complaint_user)
            self.assertEqual(record.complaint_count, 1, record._name)
            view_action = record.action_view_complaints()
            self.assertEqual(
                self.env["quality.complaint"].search(view_action["domain"]), complaint, record._name
            )
        self.assertEqual(self.other_order.complaint_count, 0)
        self.assertEqual(self.lot_b.complaint_count, 0)

        # And the complaint links back.
        self.assertEqual(complaint.action_view_sale_orders()["res_id"], self.order.id)
        self.assertEqual(complaint.action_view_pickings()["res_id"], self.picking.id)
        self.assertEqual(complaint.action_view_lots()["res_id"], self.lot_a.id)

    def test_complaining_too_much_in_the_form_is_refused(self):
        action = self.order.action_new_complaint()
        complaint_form = Form(self.env["quality.complaint"].with_context(**action["context"]))
        with complaint_form.line_ids.edit(0) as line:
            line.lot_id = self.lot_a
            line.qty_complained = 10
        with self.assertRaisesRegex(Exception, "exceeds the quantity delivered"):
            complaint_form.save()

    def test_unconfirmed_order_has_no_complaint(self):
        quotation = self.env["sale.order"].create({"partner_id": self.customer.id})
        with self.assertRaises(UserError):
            quotation.action_new_complaint()
