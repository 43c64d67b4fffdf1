# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import ComplaintCase
from .outbox import trap_sync_events


@tagged("post_install", "-at_install")
class TestOutboxTrap(ComplaintCase):
    """The outbox helper the other tests rely on: it must see exactly the block's events."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_acknowledged.sync_target = "customer_portal"

    def _acknowledge(self, complaint):
        complaint.stage_id = self.stage_acknowledged

    def test_sees_only_the_events_enqueued_inside_the_block(self):
        before = self._create_complaint()
        self._acknowledge(before)
        inside = self._create_complaint()
        after = self._create_complaint()
        with trap_sync_events(self.env) as trap:
            self._acknowledge(inside)
        self._acknowledge(after)
        trap.assert_enqueued_count(1)
        trap.assert_enqueued("complaint.status", target="customer_portal", record=inside)
        trap.assert_not_enqueued(record=before)
        trap.assert_not_enqueued(record=after)

    def test_a_wrong_payload_fails_naming_the_key(self):
        complaint = self._create_complaint()
        with trap_sync_events(self.env) as trap:
            self._acknowledge(complaint)
        trap.assert_enqueued("complaint.status", payload={"stage": "Acknowledged"})
        with self.assertRaisesRegex(AssertionError, r"payload\.stage is 'Acknowledged', expected 'Closed'"):
            trap.assert_enqueued("complaint.status", payload={"stage": "Closed"})
        with self.assertRaisesRegex(AssertionError, r"payload\.nothing is missing"):
            trap.assert_enqueued("complaint.status", payload={"nothing": 1})
        with self.assertRaisesRegex(
            AssertionError, r"expected 1 event\(s\) scar\.created, found 0; enqueued: complaint\.status"
        ):
            trap.assert_enqueued("scar.created")
