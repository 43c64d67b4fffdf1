# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintNumbering(ComplaintCase):
    def test_serial_restarts_every_month(self):
        january_1 = self._create_complaint(date_received="2031-01-01 09:00:00")
        january_2 = self._create_complaint(date_received="2031-01-31 23:30:00")
        february_1 = self._create_complaint(date_received="2031-02-01 00:10:00")
        january_3 = self._create_complaint(date_received="2031-01-15 10:00:00")
        self.assertEqual(january_1.name, "203101-0001")
        self.assertEqual(january_2.name, "203101-0002")
        self.assertEqual(february_1.name, "203102-0001")
        self.assertEqual(
            january_3.name,
            "203101-0003",
            "a complaint registered late for January still gets a January number",
        )
        date_ranges = self.env.ref("odoo_addon_complaints.seq_quality_complaint").date_range_ids
        january_range = date_ranges.filtered(lambda r: str(r.date_from) == "2031-01-01")
        self.assertEqual(str(january_range.date_to), "2031-01-31")

    def test_month_follows_the_company_time_zone_not_the_users(self):
        # 23:30 UTC on 31 March is already 1 April in Shanghai (UTC+8), but
        # still 31 March for a user in New York: the company's day counts.
        self._set_company_tz("Asia/Shanghai")
        complaint = (
            self.env["quality.complaint"]
            .with_context(tz="America/New_York")
            .create(
                {
                    "subject": "Late night call",
                    "partner_id": self.customer.id,
                    "date_received": "2031-03-31 23:30:00",
                }
            )
        )
        self.assertTrue(complaint.name.startswith("203104-"), complaint.name)

    def test_prefix_and_padding_are_configurable(self):
        sequence = self.env.ref("odoo_addon_complaints.seq_quality_complaint")
        sequence.write({"prefix": "QC-%(range_year)s%(range_month)s-", "padding": 5})
        complaint = self._create_complaint(date_received="2031-05-10 10:00:00")
        self.assertEqual(complaint.name, "QC-203105-00001")

    def test_yearly_sequences_keep_yearly_ranges(self):
        sequence = self.env["ir.sequence"].create(
            {"name": "Yearly", "code": "test.yearly", "use_date_range": True, "prefix": "%(range_year)s/"}
        )
        self.assertEqual(sequence.date_range_period, "year")
        sequence.next_by_id(sequence_date="2031-06-15")
        self.assertEqual(str(sequence.date_range_ids.date_from), "2031-01-01")
        self.assertEqual(str(sequence.date_range_ids.date_to), "2031-12-31")
