# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ComplaintCase
from .outbox import trap_sync_events


class ScarCase(ComplaintCase):
    """A supplier, its purchase, a complaint and a SCAR with steps D3 and D4 requested; the agent's user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.env["res.partner"].create(
            {
                "name": "Castings Supplier Ltd",
                "ref": "V-00815",
                "is_company": True,
                "city": "Sheffield",
                "country_id": cls.env.ref("base.uk").id,
                "email": "sqe@castings.example.org",
                "catena_x_bpn": "BPNL00000007XYZ1",
            }
        )
        cls.component = cls.env["product.product"].create(
            {
                "name": "Cast housing",
                "default_code": "HSG-100",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
            }
        )
        cls.purchase = cls.env["purchase.order"].create(
            {
                "partner_id": cls.supplier.id,
                "order_line": [
                    Command.create({"product_id": cls.component.id, "product_qty": 500, "price_unit": 3})
                ],
            }
        )
        cls.purchase.button_confirm()
        cls.agent_user = new_test_user(
            cls.env,
            login="sync_agent_user",
            groups="base.group_user,odoo_addon_complaints.group_sync_integration",
        )
        cls.company.partner_id.write(
            {
                "catena_x_bpn": "BPNL00000003AYRE",
                "email": "quality@company.example.com",
                "city": "Berlin",
                "country_id": cls.env.ref("base.de").id,
            }
        )
        cls.complaint = cls.env["quality.complaint"].create(
            {"subject": "Leaking housing", "partner_id": cls.customer.id}
        )
        cls.scar = cls.env["quality.scar"].create(
            {
                "title": "Scratches on cast housing",
                "supplier_id": cls.supplier.id,
                "complaint_id": cls.complaint.id,
                "purchase_order_id": cls.purchase.id,
                "receipt_id": cls.purchase.picking_ids.id,
                "product_id": cls.component.id,
                "qty_received": 500,
                "qty_defective": 37,
                "description": "37 of 500 housings scratched on the sealing face.",
                "user_id": cls.quality_user.id,
                "step_ids": [
                    Command.create({"code": "D3", "date_due": fields.Date.today() + timedelta(days=1)}),
                    Command.create({"code": "D4", "date_due": fields.Date.today() + timedelta(days=5)}),
                ],
            }
        )


@tagged("post_install", "-at_install")
class TestScar(ScarCase):
    def _events(self, event_type=None):
        domain = [("res_model", "=", "quality.scar"), ("res_id", "=", self.scar.id)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.env["quality.sync.event"].search(domain)

    def _answer(self, step, answer_id, summary="Root cause: worn fixture"):
        return (
            self.env["quality.scar"]
            .with_user(self.agent_user)
            .sync_apply_supplier_answer(
                self.scar.name,
                {
                    "answer_id": answer_id,
                    "step": step,
                    "summary": summary,
                    "author": "J. Smith",
                    "submitted_at": "2026-11-20T10:00:00+00:00",
                    "supplier_complaint_id": "SUP-77",
                    "report": {f"step{step}": {"note": summary}},
                },
            )
        )

    def test_sending_writes_the_outbox_event_with_the_portal_payload(self):
        self.assertRegex(self.scar.name, r"^SCAR-\d{4}-\d{4}$")
        self.assertFalse(self._events())
        with trap_sync_events(self.env) as trap:
            self.scar.action_send()
        self.assertEqual(self.scar.state, "open")
        event = trap.assert_enqueued(
            "scar.created",
            target="supplier_portal",
            record=self.scar,
            payload={
                "scar": {
                    "number": self.scar.name,
                    "complaint_number": self.complaint.name,
                    "requested_steps": ["D3", "D4"],
                },
                "supplier": {"code": "V-00815"},
            },
        )
        trap.assert_enqueued_count(1)
        self.assertEqual(event.state, "pending")
        part = event.payload["parts"][0]
        self.assertEqual((part["purchase_order"], part["quantity_defective"]), (self.purchase.name, 37))
        with self.assertRaisesRegex(UserError, "already sent"):
            self.scar.action_send()

    def test_issue_date_is_the_companys_day(self):
        self._set_company_tz("Asia/Shanghai")
        # 17:00 UTC on 31 December is New Year's Day in Shanghai.
        with freeze_time("2026-12-31 17:00:00"), trap_sync_events(self.env) as trap:
            self.scar.with_context(tz="America/New_York").action_send()
        self.assertEqual(self.scar.date_issued, date(2027, 1, 1))
        trap.assert_enqueued("scar.created", record=self.scar, payload={"scar": {"issued_on": "2027-01-01"}})

    def test_a_scar_the_portal_would_refuse_is_not_sent(self):
        self.company.partner_id.catena_x_bpn = False
        self.supplier.city = False
        with (
            trap_sync_events(self.env) as trap,
            self.assertRaisesRegex(
                UserError, r"missing: Business Partner Number \(BPNL\) of .*; City of Castings"
            ),
        ):
            self.scar.action_send()
        trap.assert_not_enqueued()
        with self.assertRaisesRegex(ValidationError, "must be BPNL followed by 12"):
            self.company.partner_id.catena_x_bpn = "BPNL-123"

    def test_agent_refusals_show_on_the_scar_once(self):
        self.scar.action_send()
        outbox = self.env["quality.sync.event"].with_user(self.agent_user)
        refusal = {
            "answer_id": "bad-1",
            "status": "rejected",
            "reject_reason": "step: Input should be 'D0'",
            "raw_json": '{"step": "D9"}',
        }
        self.assertEqual(
            outbox.sync_apply_supplier_answer(self.scar.name, refusal)["status"], "refused_recorded"
        )
        self.assertIn("Input should be", self.scar.message_ids[0].body)
        self.assertEqual(outbox.sync_apply_supplier_answer(self.scar.name, refusal)["status"], "duplicate")
        self.assertEqual(set(self.scar.step_ids.mapped("state")), {"requested"})

    def test_supplier_answers_are_applied_once_then_accepted_or_rejected(self):
        self.scar.action_send()
        self.assertEqual(self._answer("D3", "ans-1")["status"], "applied")
        self.assertEqual(
            self._answer("D3", "ans-1")["status"], "duplicate", "a replayed answer changes nothing"
        )
        d3 = self.scar.step_ids.filtered(lambda s: s.code == "D3")
        self.assertEqual(
            (d3.state, d3.answer_author, self.scar.supplier_complaint_ref), ("answered", "J. Smith", "SUP-77")
        )
        self.assertEqual(fields.Datetime.to_string(d3.date_answered), "2026-11-20 10:00:00")
        self.assertEqual(self.scar.state, "open", "D4 is still requested")
        with self.assertRaisesRegex(UserError, "give the reason"):
            d3.action_reject()
        d3.reject_reason = "Containment must cover stock in transit too."
        with trap_sync_events(self.env) as trap:
            d3.action_reject()
        self.assertEqual(d3.state, "rejected")
        trap.assert_enqueued("scar.updated", target="supplier_portal", record=self.scar)
        self.assertEqual(len(self._events("scar.updated")), 1)
        self._answer("D3", "ans-2", "Transit stock sorted as well")
        self._answer("D4", "ans-3")
        self.assertEqual(self.scar.state, "supplier_answered")
        self.scar.step_ids.action_accept()
        self.assertEqual(self.scar.state, "verifying")
        self.scar.action_close()
        self.assertEqual(self.scar.state, "closed")

    def test_bad_answers_are_refused_whole(self):
        self.scar.action_send()
        with self.assertRaisesRegex(UserError, "step D7 was not requested"):
            self._answer("D7", "ans-9")
        with self.assertRaisesRegex(UserError, "answer is empty"):
            self.env["quality.scar"].with_user(self.agent_user).sync_apply_supplier_answer(
                self.scar.name, {"answer_id": "ans-10", "step": "D3", "summary": "  "}
            )
        with self.assertRaisesRegex(UserError, "Unknown SCAR"):
            self.env["quality.scar"].with_user(self.agent_user).sync_apply_supplier_answer(
                "SCAR-0000", {"answer_id": "x"}
            )
        with self.assertRaisesRegex(UserError, "not a date-time"):
            self.env["quality.scar"].with_user(self.agent_user).sync_apply_supplier_answer(
                self.scar.name, {"answer_id": "x", "step": "D3", "summary": "ok", "submitted_at": "yesterday"}
            )
        self.assertEqual(set(self.scar.step_ids.mapped("state")), {"requested"})
        with self.assertRaises(AccessError):
            self.env["quality.scar"].with_user(self.quality_user).sync_apply_supplier_answer(
                self.scar.name, {}
            )

    def test_answer_times_with_an_offset_are_stored_in_utc(self):
        self.scar.action_send()
        self.env["quality.scar"].with_user(self.agent_user).sync_apply_supplier_answer(
            self.scar.name,
            {
                "answer_id": "tz-1",
                "step": "D3",
                "summary": "Sorted",
                "submitted_at": "2026-11-20T16:30:00+08:00",
            },
        )
        d3 = self.scar.step_ids.filtered(lambda s: s.code == "D3")
        self.assertEqual(fields.Datetime.to_string(d3.date_answered), "2026-11-20 08:30:00")

    def test_closing_needs_every_step_accepted(self):
        self.scar.action_send()
        self._answer("D3", "ans-1")
        with self.assertRaisesRegex(UserError, "not accepted yet: D3, D4"):
            self.scar.action_close()

    def test_chargeback_flows_into_the_complaint_costs(self):
        self.scar.chargeback_amount = 250.0
        cost = self.scar.cost_id
        self.assertEqual(
            (cost.complaint_id, cost.cost_type, cost.amount), (self.complaint, "chargeback", 250.0)
        )
        self.assertEqual(self.complaint.cost_total, -250.0)
        self.scar.chargeback_amount = 300.0
        self.assertEqual(self.complaint.cost_total, -300.0)

    def test_chargeback_given_at_creation_is_booked_too(self):
        scar = self.scar.copy({"chargeback_amount": 80.0})
        self.assertEqual(scar.cost_id.amount, 80.0)
        self.assertEqual(self.complaint.cost_total, -80.0)

    def test_submitting_a_step_of_a_linked_8d_tells_the_portal(self):
        report = self.env["quality.eight.d"].create(
            {
                "title": "Housing leak",
                "source": "supplier",
                "supplier_id": self.supplier.id,
                "champion_id": self.env.ref("base.user_admin").id,
                "emergency_response": "<p>Sort all housings.</p>",
            }
        )
        self.scar.eight_d_id = report
        self.scar.action_send()
        with trap_sync_events(self.env) as trap:
            report.action_submit_step()
        trap.assert_enqueued("8d.step_submitted", target="supplier_portal", record=self.scar)
        trap.assert_enqueued_count(1)
