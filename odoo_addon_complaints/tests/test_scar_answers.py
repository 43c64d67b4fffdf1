# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Structured supplier answers (root causes, actions) and sharing the end customer."""

import json
from datetime import timedelta
from pathlib import Path

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .outbox import trap_sync_events
from .test_scar_portal import ScarPortalCase

SCAR_EXAMPLE = Path(__file__).resolve().parents[2] / "mappings/examples/scar.created.v1.json"

CAUSES = [
    {
        "kind": "occurrence",
        "level": "technical",
        "description": "Worn gripper pads scratch the sealing face",
        "verified_by": "Chen Jing",
        "clarified_on": "2026-11-19",
        "result": "Confirmed on 20 parts",
        "method": "5-Why",
    },
    {"kind": "non_detection", "level": "systemic", "description": "No visual check before packing"},
]
ACTIONS = [
    {
        "action": "Replace gripper pads every 20,000 cycles",
        "responsible": "Chen Jing",
        "date": "2026-12-01",
        "status": "in_progress",
        "proof": "No scratches in 3 lots",
        "effectiveness": 90,
    }
]

CONTAINMENT = [
    {
        "action": "Sort all finished goods at the supplier",
        "place": "supplier_stock",
        "checked": 480,
        "nonconforming": 12,
        "responsible": "Chen Jing",
        "date": "2026-11-18",
        "proof": "Leak test of every part",
        "effectiveness": 100,
    },
    {"proof": "No leaks in the 200 parts in transit", "place": "in_transit", "checked": 200},
]


def _shape(value):
    """The key structure of a JSON value: what the agent's mappings rely on."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return "list"
    return None


class ScarAnswerCase(ScarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent_user = new_test_user(
            cls.env,
            login="sync_agent_answers",
            groups="base.group_user,odoo_addon_complaints.group_sync_integration",
        )
        cls.order.client_order_ref = "CUST-PO-4471"
        cls.delivered_complaint = cls._create_delivered_lot_complaint(contact_id=cls.customer_contact.id)
        cls.report = cls.env["quality.eight.d"].create(
            {
                "title": "Housing leak",
                "source": "supplier",
                "supplier_id": cls.supplier.id,
                "champion_id": cls.env.ref("base.user_admin").id,
            }
        )
        cls.answered_scar = cls._scar(
            cls.supplier,
            complaint_id=cls.delivered_complaint.id,
            eight_d_id=cls.report.id,
            step_ids=[
                Command.create({"code": code, "date_due": fields.Date.today() + timedelta(days=days)})
                for code, days in (("D3", 1), ("D4", 5), ("D5", 10))
            ],
        )
        cls.answered_scar.action_send()

    def _step(self, code, scar=None):
        return (scar or self.answered_scar).step_ids.filtered(lambda s: s.code == code)

    def _agent_answer(self, step, answer_id, **values):
        return (
            self.env["quality.scar"]
            .with_user(self.agent_user)
            .sync_apply_supplier_answer(
                self.answered_scar.name,
                {
                    "answer_id": answer_id,
                    "status": "valid",
                    "step": step,
                    "summary": f"{step} answered",
                    "submitted_at": "2026-11-20T10:00:00Z",
                    "report": {f"step{step}": {}},
                    **values,
                },
            )
        )


@tagged("post_install", "-at_install")
class TestScarStructuredAnswers(ScarAnswerCase):
    def test_rows_are_proposed_until_accepted_then_copied_into_our_8d(self):
        self._agent_answer("D4", "a-d4", causes=CAUSES)
        self._agent_answer("D5", "a-d5", actions=ACTIONS)
        causes, actions = self.answered_scar.supplier_cause_ids, self.answered_scar.supplier_action_ids
        self.assertEqual(
            [(c.cause_kind, c.cause_level, c.state) for c in causes],
            [("occurrence", "technical", "proposed"), ("non_detection", "systemic", "proposed")],
        )
        self.assertEqual(
            (causes[0].verified_by, causes[0].hypothesis_result, str(causes[0].date_clarified)),
            ("Chen Jing", "Confirmed on 20 parts", "2026-11-19"),
        )
        self.assertEqual(
            (actions.eight_d_step, actions.responsible, str(actions.date_planned), actions.status),
            ("D5", "Chen Jing", "2026-12-01", "in_progress"),
        )
        self.assertFalse(self.report.root_cause_ids, "nothing reaches our 8D before staff accept")
        self._step("D4").with_user(self.quality_user).action_accept()
        self.assertEqual(set(causes.mapped("state")), {"accepted"})
        self.assertEqual(self.report.root_cause_ids, causes.eight_d_cause_id)
        self.assertEqual(
            sorted((c.cause_kind, c.cause_level) for c in self.report.root_cause_ids),
            [("non_detection", "systemic"), ("occurrence", "technical")],
        )
        self.assertIn(self.answered_scar.name, self.report.root_cause_ids[0].description)
        self.assertEqual(actions.state, "proposed", "the D5 answer waits for its own review")
        self._step("D5").with_user(self.quality_user).action_accept()
        capa = actions.capa_id
        self.assertEqual(
            (capa.source, capa.eight_d_id, capa.eight_d_step, str(capa.date_due)),
            ("supplier", self.report, "D5", "2026-12-01"),
        )
        self.assertIn("No scratches in 3 lots", capa.description)

    def test_containment_is_proposed_then_added_to_our_8d_s_containment(self):
        self.report.containment_action = "<p>Quarantine of our stock</p>"
        self._agent_answer("D3", "a-d3", containment=CONTAINMENT)
        rows = self.answered_scar.supplier_containment_ids
        self.assertEqual(
            [(r.place, r.qty_checked, r.qty_nonconforming, r.state) for r in rows],
            [("supplier_stock", 480.0, 12.0, "proposed"), ("in_transit", 200.0, 0.0, "proposed")],
        )
        self.assertEqual(
            (rows[0].name, rows[0].responsible, str(rows[0].date_introduced), rows[0].effectiveness),
            ("Sort all finished goods at the supplier", "Chen Jing", "2026-11-18", 100),
        )
        self.assertEqual(rows[1].display_name, "In Transit: No leaks in the 200 parts in transit")
        note = self.answered_scar.message_ids.filtered(lambda m: "The supplier answered D3" in (m.body or ""))
        self.assertIn("2 containment actions, 0 root causes, 0 actions", note.body)
        self.assertNotIn("Sort all finished goods", self.report.containment_action, "not before review")
        self._step("D3").with_user(self.quality_user).action_accept()
        self.assertEqual(set(rows.mapped("state")), {"accepted"})
        self.assertEqual(rows.eight_d_id, self.report)
        text = self.report.containment_action
        self.assertIn("Quarantine of our stock", text, "our own containment stays")
        self.assertIn("Sort all finished goods at the supplier", text)
        self.assertIn(self.answered_scar.name, text)
        self.assertIn("No leaks in the 200 parts in transit", text)

    def test_rejected_containment_stays_with_the_reason(self):
        self._agent_answer("D3", "a-d3", containment=CONTAINMENT[:1])
        step = self._step("D3")
        step.reject_reason = "Parts at the customer are not covered."
        step.with_user(self.quality_user).action_reject()
        row = self.answered_scar.supplier_containment_ids
        self.assertEqual(
            (row.state, row.reject_reason), ("rejected", "Parts at the customer are not covered.")
        )
        self.assertFalse(row.eight_d_id)

    def test_rejected_rows_stay_with_the_reason_and_a_new_answer_brings_new_ones(self):
        self._agent_answer("D4", "a-1", causes=CAUSES[:1])
        step = self._step("D4")
        step.reject_reason = "The non-detection cause is missing."
        step.with_user(self.quality_user).action_reject()
        rejected = self.answered_scar.supplier_cause_ids
        self.assertEqual(
            (rejected.state, rejected.reject_reason), ("rejected", "The non-detection cause is missing.")
        )
        self._agent_answer("D4", "a-2", causes=CAUSES)
        self._agent_answer("D4", "a-3", causes=CAUSES[1:], summary="Only the escape point, sorry")
        rows = self.answered_scar.supplier_cause_ids
        self.assertEqual(
            [(row.answer_id, row.state) for row in rows],
            [("a-1", "rejected"), ("a-3", "proposed")],
            "a newer answer replaces the one still waiting for review, the rejected one stays",
        )
        self.assertFalse(step.reject_reason, "the step's new answer is under review")

    def test_bad_rows_refuse_the_whole_answer(self):
        bad = [
            ("D3", {"causes": CAUSES}, "root causes answer step D4, not D3"),
            ("D4", {"causes": [{**CAUSES[0], "kind": "TUA"}]}, "root cause 1: give the kind"),
            ("D4", {"causes": [CAUSES[0], {**CAUSES[1], "description": " "}]}, "root cause 2"),
            ("D3", {"actions": ACTIONS}, "action 1: actions belong to D5, D6 or D7, not D3"),
            ("D5", {"actions": [{**ACTIONS[0], "status": "closed"}]}, "unknown status 'closed'"),
            ("D5", {"actions": [{**ACTIONS[0], "date": "soon"}]}, "'soon' is not a date"),
            ("D5", {"actions": [{"action": ""}]}, "say what the action is"),
            ("D5", {"actions": {"action": "x"}}, "actions must be a list of objects"),
            ("D4", {"containment": CONTAINMENT}, "containment actions answer step D3, not D4"),
            ("D3", {"containment": [{"place": "supplier_stock"}]}, "containment action 1: say what was done"),
            ("D3", {"containment": [{**CONTAINMENT[0], "place": "warehouse"}]}, "unknown place 'warehouse'"),
            ("D3", {"containment": [{**CONTAINMENT[0], "checked": -1}]}, "checked must be a number of parts"),
            ("D3", {"containment": [{**CONTAINMENT[0], "nonconforming": "a few"}]}, "nonconforming must be"),
            (
                "D3",
                {"containment": [CONTAINMENT[1], {**CONTAINMENT[0], "nonconforming": 481}]},
                "action 2: more",
            ),
            (
                "D3",
                {"containment": [{**CONTAINMENT[0], "effectiveness": 120}]},
                "effectiveness must be 0-100",
            ),
        ]
        for step, rows, message in bad:
            with self.subTest(message=message), self.assertRaisesRegex(UserError, message):
                self._agent_answer(step, f"bad-{message}", **rows)
        self.assertFalse(self.answered_scar.supplier_cause_ids)
        self.assertFalse(self.answered_scar.supplier_action_ids)
        self.assertFalse(self.answered_scar.supplier_containment_ids)
        self.assertEqual(set(self.answered_scar.step_ids.mapped("state")), {"requested"})

    def test_staff_and_suppliers_cannot_write_the_supplier_s_statement(self):
        self._agent_answer("D4", "a-1", causes=CAUSES)
        self._agent_answer("D3", "a-2", containment=CONTAINMENT)
        cause = self.answered_scar.supplier_cause_ids[0]
        containment = self.answered_scar.supplier_containment_ids[0]
        for user in (self.quality_user, self.complaint_manager, self.supplier_user, self.agent_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                cause.with_user(user).write({"description": "edited"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                containment.with_user(user).write({"qty_nonconforming": 0})
        with self.assertRaises(AccessError):
            self.env["quality.scar.cause"].with_user(self.quality_user).create(
                {
                    "scar_id": self.answered_scar.id,
                    "step_id": self._step("D4").id,
                    "cause_kind": "occurrence",
                    "description": "forged",
                }
            )

    def test_each_supplier_reads_only_the_rows_of_its_own_scars_and_their_portal_fields(self):
        self._agent_answer("D4", "a-1", causes=CAUSES)
        self._step("D4").action_accept()
        Cause = self.env["quality.scar.cause"]
        mine = Cause.with_user(self.supplier_user).search([])
        self.assertEqual(mine, self.answered_scar.supplier_cause_ids)
        self.assertEqual(mine.read(["description"])[0]["description"], CAUSES[0]["description"])
        with self.assertRaises(AccessError):
            mine.read(["eight_d_cause_id"])  # our 8D is not the supplier's
        self.assertFalse(Cause.with_user(self.other_supplier_user).search([]))
        with self.assertRaises(AccessError):
            self.answered_scar.supplier_cause_ids.with_user(self.other_supplier_user).read(["description"])

    def test_each_supplier_reads_only_its_own_containment_rows(self):
        self._agent_answer("D3", "a-1", containment=CONTAINMENT)
        Containment = self.env["quality.scar.containment"]
        mine = Containment.with_user(self.supplier_user).search([])
        self.assertEqual(mine, self.answered_scar.supplier_containment_ids)
        self.assertEqual(mine[0].read(["qty_nonconforming"])[0]["qty_nonconforming"], 12.0)
        with self.assertRaises(AccessError):
            mine.read(["eight_d_id"])  # our 8D is not the supplier's
        self.assertFalse(Containment.with_user(self.other_supplier_user).search([]))

    def test_the_portal_answer_brings_rows_through_the_same_path(self):
        self.answered_scar.with_user(self.supplier_user).action_portal_answer_step(
            "D4", "Two causes, one action", causes=CAUSES, actions=[{**ACTIONS[0], "step": "D7"}]
        )
        step = self._step("D4")
        self.assertEqual((step.state, step.answer_author), ("answered", self.supplier_user.name))
        self.assertEqual(len(step.cause_ids), 2)
        self.assertEqual(step.action_ids.eight_d_step, "D7", "the row names the step it belongs to")
        with self.assertRaisesRegex(UserError, "give the kind"):
            self.answered_scar.with_user(self.supplier_user).action_portal_answer_step(
                "D4", "bad", causes=[{"kind": "x", "level": "technical", "description": "y"}]
            )


@tagged("post_install", "-at_install")
class TestScarEndCustomer(ScarAnswerCase):
    def _payload(self):
        with trap_sync_events(self.env) as trap:
            self.answered_scar._emit("scar.updated")
        return trap.assert_enqueued("scar.updated", record=self.answered_scar).payload

    def test_the_payload_names_the_end_customer_only_when_shared(self):
        payload = self._payload()
        self.assertIsNone(payload["end_customer"])
        text = json.dumps(payload)
        for secret in (self.customer.name, self.customer_contact.name, self.order.name, "CUST-PO-4471"):
            self.assertNotIn(secret, text)
        self.env.flush_all()
        self.env.cr.precommit.run()  # the SCAR's creation is logged, later changes are tracked
        self.answered_scar.with_user(self.quality_user).share_end_customer = True
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit
        self.assertEqual(
            self._payload()["end_customer"],
            {
                "name": self.customer.name,
                "contact": self.customer_contact.name,
                "reference": "CUST-PO-4471",
                "orders": [self.order.name],
            },
        )
        self.answered_scar.invalidate_recordset(["message_ids"])
        tracked = self.answered_scar.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("share_end_customer", tracked, "sharing the end customer is tracked")

    def test_the_supplier_reads_the_end_customer_only_when_shared(self):
        fields_read = ["end_customer_name", "end_customer_contact", "end_customer_orders"]
        scar = self.answered_scar.with_user(self.supplier_user)
        self.assertEqual(scar.read(fields_read)[0]["end_customer_name"], False)
        with self.assertRaises(AccessError):
            self.answered_scar.with_user(self.supplier_user).write({"share_end_customer": True})
        self.answered_scar.share_end_customer = True
        scar.invalidate_recordset()
        self.assertEqual(
            [scar.read(fields_read)[0][name] for name in fields_read],
            [self.customer.name, self.customer_contact.name, self.order.name],
        )
        with self.assertRaises(AccessError):
            self.answered_scar.with_user(self.other_supplier_user).read(fields_read)

    def test_the_payload_keeps_the_documented_shape_with_our_cause_values(self):
        self.report.root_cause_ids = [
            Command.create(
                {"cause_kind": "non_detection", "cause_level": "systemic", "description": "No check"}
            )
        ]
        payload = self._payload()
        example = json.loads(SCAR_EXAMPLE.read_text(encoding="utf-8"))["payload"]
        for data in (payload, example):  # keyed by the requested steps, which differ
            data["scar"]["due_dates"] = {}
        self.assertEqual(_shape(payload), _shape(example), "payload v1 keeps the documented shape")
        [cause] = payload["eight_d"]["causes"]
        self.assertEqual((cause["kind"], cause["level"]), ("non_detection", "systemic"))
        self.assertEqual(
            _shape(cause),
            _shape(example["eight_d"]["causes"][0]),
            "a cause carries our values, no partner code",
        )
