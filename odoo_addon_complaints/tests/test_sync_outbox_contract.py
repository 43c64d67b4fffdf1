# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's real answers to the agent keep the outbox RPC contract.

The contract is ``mappings/schemas/outbox_rpc_v1.schema.json``; the agent's
fake Odoo and its models are checked against the same file
(``tests/contract``). Every call is made as the integration user, with the
arguments the agent sends, and both the arguments and Odoo's answer are
validated, so a change on either side of the wire shows up here first.
"""

from odoo.tests import tagged

from .outbox_contract import contract_errors, load_contract
from .test_sync_outbox import SyncOutboxCase


@tagged("post_install", "-at_install")
class TestSyncOutboxContract(SyncOutboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = load_contract()

    def _call(self, method, *args):
        """Call ``method`` as the agent does, checking arguments and answer against the contract."""
        name = method.removeprefix("sync_")
        self.assertEqual(
            contract_errors(self.contract, f"{name}_arguments", list(args)), [], f"{method} arguments"
        )
        answer = getattr(self.outbox, method)(*args)
        self.assertEqual(
            contract_errors(self.contract, f"{name}_answer", answer), [], f"{method} answered {answer!r}"
        )
        return answer

    def test_claim_ack_fail_release_and_status_answer_as_the_contract_says(self):
        self.assertEqual(self._call("sync_claim", "contract-agent", 10, 60, None), [], "an empty outbox")
        complaints = [self._complaint_with_event() for _i in range(4)]
        claimed = self._call("sync_claim", "contract-agent", 10, 60, ["customer_portal"])
        self.assertEqual({event["res_id"] for event in claimed}, {c.id for c in complaints})
        acked, failed, dead, released = (event["event_uid"] for event in claimed)

        self.assertIs(self._call("sync_ack", "contract-agent", acked, "PORTAL-1"), True)
        self.assertIs(
            self._call("sync_ack", "contract-agent", acked, None), True, "acking a sent event again"
        )
        self.assertEqual(
            self._call("sync_fail", "contract-agent", failed, "HTTP 503", True, 120.0), "pending"
        )
        self.assertEqual(
            self._call("sync_fail", "contract-agent", dead, "HTTP 422: bad field", False, None), "dead"
        )
        self.assertIs(self._call("sync_fail", "other-agent", released, "not mine", True, None), False)
        self.assertIs(self._call("sync_ack", "other-agent", released, None), False)
        self.assertEqual(self._call("sync_release", "contract-agent", [released, acked]), 1)

        status = self._call("sync_status")
        self.assertEqual(
            {state: status["counts"][state] for state in ("pending", "done", "dead", "leased")},
            {"pending": 2, "done": 1, "dead": 1, "leased": 0},
        )
        self.assertEqual([agent["agent_id"] for agent in status["agents"]], ["contract-agent"])
        self.assertIsNotNone(status["oldest_pending"])

    def test_the_checker_rejects_answers_that_break_the_contract(self):
        """The first-party checker is what makes the test above meaningful: it must say no."""
        self._complaint_with_event()
        [event] = self.outbox.sync_claim("contract-agent", 10, 60, None)
        broken = dict(event, attempts=0, surprise=1)
        del broken["payload"]
        self.assertEqual(
            sorted(message for _path, message in contract_errors(self.contract, "event", broken)),
            [
                "'payload' is a required property",
                "0 is less than the minimum of 1",
                "additional property 'surprise' is not allowed",
            ],
        )
        self.assertTrue(
            contract_errors(self.contract, "fail_answer", "not-leased"), "the gateway's word, not Odoo's"
        )
        self.assertTrue(contract_errors(self.contract, "ack_answer", 1), "1 is no boolean in JSON")
