# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's real answers to the agent keep the outbox RPC contract.

The contract is ``mappings/schemas/outbox_rpc_v1.schema.json``; the agent's
fake Odoo and its models are checked against the same file
(``tests/contract``). Every call is made as the integration user, with the
arguments the agent sends, and both the arguments and Odoo's answer are
validated, so a change on either side of the wire shows up here first.
"""

import base64
import hashlib
import uuid

from odoo.tests import new_test_user, tagged

from .outbox_contract import contract_errors, load_contract
from .test_regulatory_reportability import RegulatoryCase
from .test_scar import ScarCase
from .test_sync_outbox import SyncOutboxCase

AGENT_GROUPS = "base.group_user,odoo_addon_complaints.group_sync_integration"


class ContractCalls:
    """Calls made as the agent makes them, arguments and answer checked against the contract."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = load_contract()

    def _call_on(self, model, method, *args):
        name = method.removeprefix("sync_")
        self.assertEqual(
            contract_errors(self.contract, f"{name}_arguments", list(args)), [], f"{method} arguments"
        )
        answer = getattr(model, method)(*args)
        self.assertEqual(
            contract_errors(self.contract, f"{name}_answer", answer), [], f"{method} answered {answer!r}"
        )
        return answer


@tagged("post_install", "-at_install")
class TestSyncOutboxContract(ContractCalls, SyncOutboxCase):
    def _call(self, method, *args):
        """Call ``method`` of the outbox as the agent does, checking arguments and answer."""
        return self._call_on(self.outbox, method, *args)

    def test_one_flush_of_acks_and_fails_answers_as_the_contract_says(self):
        for _i in range(4):
            self._complaint_with_event()
        claimed = [event["event_uid"] for event in self._call("sync_claim", "contract-agent", 10, 60, None)]
        results = [
            {"event_uid": claimed[0], "outcome": "done", "remote_ref": "PORTAL-1"},
            {"event_uid": claimed[1], "outcome": "done", "remote_ref": None},
            {
                "event_uid": claimed[2],
                "outcome": "failed",
                "error": "HTTP 503",
                "retryable": True,
                "retry_after": 30,
            },
            {
                "event_uid": claimed[3],
                "outcome": "failed",
                "error": "HTTP 422",
                "retryable": False,
                "retry_after": None,
            },
        ]
        self.assertEqual(
            self._call("sync_results", "contract-agent", results), ["done", "done", "pending", "dead"]
        )
        self.assertEqual(
            self._call("sync_results", "other-agent", results[1:3]), ["done", "not-leased"], "not the holder"
        )
        self.assertEqual(self._call("sync_results", "contract-agent", []), [])

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
        self.assertTrue(
            contract_errors(self.contract, "results_answer", [False]), "sync_results says not-leased"
        )


@tagged("post_install", "-at_install")
class TestSupplierAnswerContract(ContractCalls, ScarCase):
    def test_supplier_answers_applied_duplicated_and_refused_answer_as_the_contract_says(self):
        self.scar.action_send()
        scars = self.env["quality.scar"].with_user(self.agent_user)
        answer = {
            "answer_id": "contract-1",
            "status": "valid",
            "reject_reason": None,
            "scar_ref": self.scar.name,
            "step": "D3",
            "submitted_at": "2026-11-20T10:00:00Z",
            "author": "J. Smith",
            "supplier_complaint_id": "SUP-77",
            "summary": "Root cause: worn fixture",
            "report": {"stepD3": {"note": "worn fixture"}},
        }
        self.assertEqual(
            self._call_on(scars, "sync_apply_supplier_answer", self.scar.name, answer),
            {"status": "applied", "step": "D3"},
        )
        self.assertEqual(
            self._call_on(scars, "sync_apply_supplier_answer", self.scar.name, answer),
            {"status": "duplicate", "step": "D3"},
        )
        refusal = {
            "answer_id": "contract-2",
            "status": "rejected",
            "reject_reason": "step: Input should be 'D0'",
            "raw_json": '{"step": "D9"}',
        }
        self.assertEqual(
            self._call_on(scars, "sync_apply_supplier_answer", self.scar.name, refusal),
            {"status": "refused_recorded"},
        )
        self.assertEqual(
            self._call_on(scars, "sync_apply_supplier_answer", self.scar.name, refusal),
            {"status": "duplicate", "step": None},
        )


@tagged("post_install", "-at_install")
class TestRegulatoryReportContract(ContractCalls, RegulatoryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(cls.env, login="contract_regulatory_agent", groups=AGENT_GROUPS)

    def _report(self, market, form, decision_values=None):
        _complaint, event = self._complaint_with_event(ae_serious_injury="yes")
        decision = self._decision(event, market)
        decision.write({"reportable": "yes", "rationale": "Serious injury."})
        return (
            self.env["quality.regulatory.report"]
            .with_user(self.vigilance)
            .create(
                {
                    "adverse_event_id": event.id,
                    "decision_id": decision.id,
                    "market_id": market.id,
                    "form_id": form.id,
                    "report_type": "initial",
                    "date_due": decision.due_date,
                }
            )
        )

    def test_files_problems_and_acknowledgements_answer_as_the_contract_says(self):
        reports = self.env["quality.regulatory.report"].with_user(self.agent)
        report = self._report(self.market_eu, self.env.ref("odoo_addon_complaints.form_eu_mir_7_2_1"))
        report.action_render()
        uid = report.render_event_uid
        problems = [{"path": "/incident/admin_info/ncaReportNo", "message": "Missing child element(s)."}]
        self.assertEqual(
            self._call_on(reports, "sync_report_invalid", report.id, uid, problems),
            {"applied": True, "state": "draft"},
        )
        content = b"<incident/>"
        args = (base64.b64encode(content).decode(), hashlib.sha256(content).hexdigest())
        self.assertEqual(
            self._call_on(reports, "sync_report_rendered", report.id, uid, "RR_MIR_initial.xml", *args),
            {"applied": True, "state": "validated"},
        )
        self.assertEqual(
            self._call_on(reports, "sync_report_rendered", report.id, uid, "RR_MIR_initial.xml", *args),
            {"applied": False, "reason": "validated"},
            "a validated report keeps its file",
        )
        stale = str(uuid.uuid4())
        self.assertEqual(
            self._call_on(reports, "sync_report_invalid", report.id, stale, problems),
            {"applied": False, "reason": "stale"},
        )

        us = self._report(self.market_us, self.env.ref("odoo_addon_complaints.form_us_emdr_3500a"))
        us.sudo().state = "validated"
        us.with_user(self.vigilance).action_submit()
        ack = {
            "kind": "ACK3",
            "report_number": us.mfr_report_number,
            "batch_id": None,
            "core_id": "ci1.2@te",
            "message_id": None,
            "status": "rejected",
            "received_at": "2026-11-20T10:00:00Z",
            "errors": [
                {"section": "reportIdentifier", "message": "Not valid.", "value": None, "xpath": None}
            ],
        }
        self.assertEqual(
            self._call_on(reports, "sync_apply_acknowledgement", ack),
            {"matched": True, "report": us.name, "state": "rejected"},
        )
        self.assertEqual(
            self._call_on(
                reports, "sync_apply_acknowledgement", dict(ack, report_number="1-2026-9", core_id=None)
            ),
            {"matched": False, "report": None, "state": None},
        )
