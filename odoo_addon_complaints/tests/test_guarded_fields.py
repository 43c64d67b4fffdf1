# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from ..models.quality_guarded_mixin import checked_action
from .guard_table import EXEMPT, ROLES, GuardTable, guarded_models, unguarded_protected_fields
from .test_regulatory_reportability import RegulatoryCase


@tagged("post_install", "-at_install")
class TestGuardedFields(RegulatoryCase):
    """No role passes a state, approval, signature or override by write, create or import."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Guard Company B"})
        cls.role_users = {
            role: new_test_user(cls.env, login=f"guard_{role}", name=f"Guard {role}", groups=groups)
            for role, groups in ROLES.items()
        }
        cls.role_users["other_company_manager"] = new_test_user(
            cls.env,
            login="guard_other_company_manager",
            groups="odoo_addon_complaints.group_complaint_manager,odoo_addon_complaints.group_regulatory_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.samples = cls._build_samples()
        cls.create_extra = {
            "quality.eight.d": {"title": "Forged", "champion_id": cls.complaint_manager.id},
            "account.move": {"move_type": "out_refund", "partner_id": cls.customer.id},
        }

    @classmethod
    def _build_samples(cls):
        env = cls.env
        complaint = cls._create_delivered_lot_complaint(
            1,
            subject="Guarded complaint",
            channel="phone",
            severity_id=cls.severity_minor.id,
            ae_serious_injury="yes",
        )
        event = complaint.adverse_event_ids
        decision = event.decision_ids.filtered(lambda d: d.market_id == cls.market_eu)
        decision.write({"reportable": "yes", "rationale": "Serious injury."})
        report = env["quality.regulatory.report"].create(
            {
                "adverse_event_id": event.id,
                "decision_id": decision.id,
                "market_id": cls.market_eu.id,
                "form_id": env.ref("odoo_addon_complaints.form_eu_mir_7_2_1").id,
                "report_type": "initial",
                "date_due": decision.due_date,
            }
        )
        eight_d = env["quality.eight.d"].create(
            {
                "title": "Guarded 8D",
                "complaint_ids": [Command.link(complaint.id)],
                "champion_id": cls.complaint_manager.id,
            }
        )
        capa = env["quality.capa"].create(
            {
                "title": "Guarded CAPA",
                "user_id": cls.quality_user.id,
                "date_due": fields.Date.today(),
                "check_ids": [
                    Command.create(
                        {
                            "date_planned": fields.Date.today(),
                            "criterion": "No recurrence",
                            "verifier_id": cls.complaint_manager.id,
                        }
                    )
                ],
            }
        )
        supplier = env["res.partner"].create({"name": "Guard Supplier", "is_company": True})
        scar = env["quality.scar"].create(
            {
                "title": "Guarded SCAR",
                "supplier_id": supplier.id,
                "product_id": cls.product.id,
                "description": "Scratches",
                "user_id": cls.quality_user.id,
                "complaint_id": complaint.id,
                "chargeback_amount": 10.0,
                "step_ids": [Command.create({"code": "D3"})],
            }
        )
        credit_note = env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": cls.customer.id,
                "complaint_id": complaint.id,
                "invoice_line_ids": [Command.create({"name": "Credit", "quantity": 1, "price_unit": 50.0})],
            }
        )
        # Targets for the forged many2one values that the demo-less test data may lack.
        env["quality.signature"].sudo().with_context(quality_signature_create=True).create(
            {
                "res_model": capa._name,
                "res_id": capa.id,
                "user_id": cls.complaint_manager.id,
                "signed_on": fields.Datetime.now(),
                "meaning": "Forgery target",
            }
        )
        env["ir.attachment"].create({"name": "forgery-target.txt", "raw": b"x"})
        env["quality.complaint.cost"].create(
            {"complaint_id": complaint.id, "cost_type": "freight", "name": "Freight", "amount": 1.0}
        )
        return {
            "quality.complaint": complaint,
            "quality.complaint.deadline": complaint.deadline_ids[:1],
            "quality.eight.d": eight_d,
            "quality.eight.d.step": eight_d.step_ids[:1],
            "quality.capa": capa,
            "quality.capa.check": capa.check_ids,
            "quality.scar": scar,
            "quality.scar.step": scar.step_ids,
            "quality.adverse.event": event,
            "quality.adverse.event.decision": decision,
            "quality.regulatory.report": report,
            "account.move": credit_note,
        }

    def test_every_guarded_model_has_a_sample(self):
        self.assertEqual(sorted(self.samples), guarded_models(self.env))
        for model_name, record in self.samples.items():
            self.assertTrue(record, f"no sample {model_name}")

    def test_no_role_writes_creates_or_imports_a_guarded_field(self):
        checked = GuardTable(self).run()
        rows = sum(len(self.env[name]._guarded_fields) for name in guarded_models(self.env))
        self.assertEqual(checked, rows * len(self.role_users))
        self.assertGreaterEqual(rows, 50, "the table covers every guarded field of every model")

    def test_a_protected_field_without_a_guard_fails_the_table(self):
        self.assertEqual(
            unguarded_protected_fields(self.env), [], "guard these fields or exempt them with a reason"
        )
        complaint_model = type(self.env["quality.complaint"])
        guarded = complaint_model._guarded_fields
        try:
            complaint_model._guarded_fields = {k: v for k, v in guarded.items() if k != "date_closed"}
            self.assertEqual(unguarded_protected_fields(self.env), ["quality.complaint.date_closed"])
        finally:
            complaint_model._guarded_fields = guarded

    def test_exemptions_name_existing_fields(self):
        for model_name, name in EXEMPT:
            self.assertIn(name, self.env[model_name]._fields, f"stale exemption {model_name}.{name}")

    def test_the_refusal_names_record_field_and_action(self):
        complaint = self.samples["quality.complaint"]
        with self.assertRaises(UserError) as caught:
            complaint.with_user(self.complaint_user).write(
                {"close_override_reason": "Customer never answers"}
            )
        message = str(caught.exception)
        self.assertIn(complaint.display_name, message)
        self.assertIn("Override Reason", message)
        self.assertIn("Close Without Acceptance", message)

    def test_context_keys_open_no_gate(self):
        """A context is whatever an RPC client sends: it never opens a guard."""
        deadline = self.samples["quality.complaint.deadline"].with_user(self.complaint_user)
        for context in ({"complaint_deadline_replan": True}, {"complaint_deadline_reason": "RPC"}):
            with self.assertRaisesRegex(UserError, "changes only through"):
                deadline.with_context(**context).write(
                    {"date_due": fields.Datetime.now() + timedelta(days=30)}
                )

    def test_checked_action_is_scoped(self):
        complaint = self.samples["quality.complaint"].with_user(self.complaint_user)
        with checked_action():
            complaint.date_containment = fields.Datetime.now()
        with self.assertRaisesRegex(UserError, "Containment Done"):
            complaint.date_containment = False
