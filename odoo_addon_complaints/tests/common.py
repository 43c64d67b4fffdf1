# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import unittest

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

_logger = logging.getLogger(__name__)


class ComplaintCase(TransactionCase):
    """A customer with a confirmed and delivered sale order of lot-tracked goods."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        cls.company = cls.env.company
        # Dates are read in the company's time zone (its working calendar's):
        # tests count in UTC unless they choose a zone with _set_company_tz.
        cls.company.resource_calendar_id.tz = "UTC"
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer = cls.env["res.partner"].create(
            {"name": "Test Customer Ltd", "is_company": True, "email": "qa@customer.test"}
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Wang Li", "parent_id": cls.customer.id, "email": "wang.li@customer.test"}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Customer GmbH", "is_company": True}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Infusion Pump IP-200",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
                "list_price": 100.0,
            }
        )
        cls.lot_a = cls._create_lot(cls.product, "LOT-A")
        cls.lot_b = cls._create_lot(cls.product, "LOT-B")
        cls.lot_c = cls._create_lot(cls.product, "LOT-C")
        for lot in cls.lot_a | cls.lot_b | cls.lot_c:
            cls.env["stock.quant"]._update_available_quantity(cls.product, cls.stock_location, 20, lot_id=lot)
        cls.order = cls._deliver_order(cls.customer, cls.product, 4, cls.lot_a)
        cls.picking = cls.order.picking_ids
        cls.other_order = cls._deliver_order(cls.other_customer, cls.product, 3, cls.lot_b)

        cls.complaint_user = new_test_user(
            cls.env,
            login="complaint_user",
            name="Complaint User",
            groups="odoo_addon_complaints.group_complaint_user,sales_team.group_sale_salesman",
        )
        cls.quality_user = new_test_user(
            cls.env,
            login="quality_user",
            name="Quality Engineer",
            groups="odoo_addon_complaints.group_complaint_user",
        )
        cls.complaint_manager = new_test_user(
            cls.env,
            login="complaint_manager",
            name="Quality Manager",
            groups="odoo_addon_complaints.group_complaint_manager",
        )
        cls.severity_minor = cls.env.ref("odoo_addon_complaints.severity_minor")
        cls.stage_new = cls.env.ref("odoo_addon_complaints.stage_new")
        cls.stage_acknowledged = cls.env.ref("odoo_addon_complaints.stage_acknowledged")
        cls.stage_investigating = cls.env.ref("odoo_addon_complaints.stage_investigating")
        cls.stage_closed = cls.env.ref("odoo_addon_complaints.stage_closed")
        cls.stage_rejected = cls.env.ref("odoo_addon_complaints.stage_rejected")

    @classmethod
    def _utc_40h_calendar(cls):
        """Monday to Friday, 8-12 and 13-17 UTC: working time that is easy to count by hand."""
        attendances = []
        for day in range(5):
            attendances += [
                Command.create(
                    {
                        "name": f"Morning {day}",
                        "dayofweek": str(day),
                        "hour_from": 8,
                        "hour_to": 12,
                        "day_period": "morning",
                    }
                ),
                Command.create(
                    {
                        "name": f"Afternoon {day}",
                        "dayofweek": str(day),
                        "hour_from": 13,
                        "hour_to": 17,
                        "day_period": "afternoon",
                    }
                ),
            ]
        return cls.env["resource.calendar"].create(
            {
                "name": "Test 40h UTC",
                "tz": "UTC",
                "hours_per_day": 8,
                "attendance_ids": [Command.clear(), *attendances],
            }
        )

    def _set_company_tz(self, tz):
        """Put the company's working calendar, and so its complaint dates, in ``tz``."""
        self.company.resource_calendar_id.tz = tz
        self.assertEqual(self.company._complaints_tz(), tz)

    @classmethod
    def _create_lot(cls, product, name):
        return cls.env["stock.lot"].create(
            {"name": name, "product_id": product.id, "company_id": cls.env.company.id}
        )

    @classmethod
    def _deliver_order(cls, customer, product, quantity, lot):
        """Confirm a sale order and deliver ``quantity`` of ``lot`` to the customer."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": quantity})],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        picking.move_line_ids.unlink()
        cls.env["stock.move.line"].create(
            {
                "move_id": picking.move_ids.id,
                "picking_id": picking.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "quantity": quantity,
                "location_id": picking.location_id.id,
                "location_dest_id": picking.location_dest_id.id,
            }
        )
        picking.move_ids.picked = True
        picking._action_done()
        assert picking.state == "done", "the test delivery must be done"
        return order

    @classmethod
    def _create_delivered_lot_complaint(
        cls, qty=1, lot=None, order=None, user=None, line_values=None, **values
    ):
        """A complaint of the customer with one line on the delivered lot-tracked order.

        The line complains of ``qty`` of ``lot`` (LOT-A) delivered on ``order``
        (the customer's order of 4); ``line_values`` adds to the line (e.g.
        ``qty_defective``, ``sale_line_id``), ``values`` to the complaint.
        Created as ``user`` when given, else as the superuser of the test.
        """
        line = {
            "product_id": cls.product.id,
            "lot_id": (lot or cls.lot_a).id,
            "sale_order_id": (order or cls.order).id,
            "qty_complained": qty,
            **(line_values or {}),
        }
        vals = {
            "subject": "Pump alarm fails",
            "partner_id": cls.customer.id,
            "line_ids": [Command.create(line)],
            **values,
        }
        model = cls.env["quality.complaint"]
        if user:
            model = model.with_user(user)
        return model.create(vals)

    def _create_complaint(self, user=None, **values):
        vals = {
            "subject": "Pump alarm fails",
            "partner_id": self.customer.id,
            "channel": "phone",
            "severity_id": self.severity_minor.id,
        }
        vals.update(values)
        model = self.env["quality.complaint"]
        if user:
            model = model.with_user(user)
        return model.create(vals)

    def _line_vals(self, quantity, lot=None, order=None, **values):
        order = self.order if order is None else order
        vals = {
            "product_id": self.product.id,
            "lot_id": (lot or self.lot_a).id,
            "sale_order_id": order.id if order else False,
            "qty_complained": quantity,
        }
        vals.update(values)
        return vals


def start_tour_or_skip_loudly(case, url_path, tour_name, login):
    """Run a tour in headless Chromium; without a browser, say loudly that it did not run.

    Odoo skips a tour whose browser is missing with a quiet INFO line. This
    logs a WARNING naming the tour and how to get Chromium, then skips: the
    project's runner (tests/odoo) reports every skipped Odoo test, and fails
    in CI.
    """
    try:
        case.start_tour(url_path, tour_name, login=login)
    except unittest.SkipTest as skip:
        _logger.warning(
            "Tour %s did NOT run (%s): install Chromium (scripts/ensure-browser) to run the portal tours.",
            tour_name,
            skip,
        )
        raise unittest.SkipTest(f"tour {tour_name} did NOT run: {skip}") from skip
