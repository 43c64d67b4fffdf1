# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import calendar
from datetime import date

from odoo import fields, models


class IrSequence(models.Model):
    """Let a sequence with date ranges restart every month, not only every year.

    Complaint numbers are ``YYYYMM-NNNN``: the serial restarts each month, so the
    sequence needs monthly ``ir.sequence.date_range`` records, created on demand
    exactly like Odoo creates the yearly ones.
    """

    _inherit = "ir.sequence"

    date_range_period = fields.Selection(
        [("year", "Yearly"), ("month", "Monthly")],
        default="year",
        required=True,
        help="Length of the sub-sequences created automatically when 'Use "
        "subsequences per date_range' is set: the number restarts at the start "
        "of every year or of every month.",
    )

    def _create_date_range_seq(self, date_value):
        self._serialize_date_range_creation()
        if self.date_range_period != "month":
            return super()._create_date_range_seq(date_value)
        day = fields.Date.to_date(date_value)
        last_day = calendar.monthrange(day.year, day.month)[1]
        return (
            self.env["ir.sequence.date_range"]
            .sudo()
            .create(
                {
                    "date_from": date(day.year, day.month, 1),
                    "date_to": date(day.year, day.month, last_day),
                    "sequence_id": self.id,
                }
            )
        )

    def _serialize_date_range_creation(self):
        """Make two transactions that open the same period one after the other.

        The first number of a month (or year) creates the period's date range
        and its serial. Two users registering at once would both find no range,
        both create one, and both draw number 0001 of the period. Updating the
        sequence's row makes the second wait for the first and then fail with a
        serialization error, which Odoo retries by itself: the retry finds the
        first one's range and draws the next number.
        """
        self.env.cr.execute("UPDATE ir_sequence SET write_date = write_date WHERE id = %s", [self.id])
