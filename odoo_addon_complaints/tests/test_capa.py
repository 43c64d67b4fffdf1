# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import ComplaintCase


@tagged("post_install", "-at_install")
class TestCapa(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.verifier = new_test_user(
            cls.env,
            login="verifier_user",
            name="Verifier",
            groups="odoo_addon_complaints.group_complaint_user",
        )
        cls.capa = cls.env["quality.capa"].create(
            {
                "title": "Add leak test at end of line",
                "capa_type": "corrective",
                "source": "complaint",
                "user_id": cls.quality_user.id,
                "date_due": fields.Date.today() + timedelta(days=5),
                "task_ids": [Command.create({"name": "Buy leak tester", "user_id": cls.quality_user.id})],
            }
        )

    def _sign(self, check, result, password="verifier_user", user=None):
        user = user or self.verifier
        check.with_user(user).result_to_sign = result
        action = check.with_user(user).action_open_signature()
        wizard = (
            self.env["quality.signature.wizard"]
            .with_user(user)
            .with_context(**action["context"])
            .create({"password": password})
        )
        return wizard.action_sign()

    def _implement(self):
        self.capa.task_ids.done = True
        self.capa.check_ids = [
            Command.create(
                {
                    "date_planned": fields.Date.today(),
                    "criterion": "No leak in 3 lots",
                    "verifier_id": self.verifier.id,
                }
            )
        ]
        self.capa.with_user(self.quality_user).action_implemented()
        return self.capa.check_ids[-1]

    def test_approval_by_a_manager_before_implementation(self):
        self.assertRegex(self.capa.name, r"^CAPA-\d{4}-\d{4}$")
        with self.assertRaisesRegex(UserError, "must be approved"):
            self.capa.action_implemented()
        with self.assertRaisesRegex(UserError, "Only a Complaints Manager"):
            self.capa.with_user(self.quality_user).action_approve()
        self.capa.with_user(self.complaint_manager).action_approve()
        self.assertEqual((self.capa.state, self.capa.approved_by_id), ("approved", self.complaint_manager))

    def test_cannot_close_before_effectiveness_is_verified(self):
        self.capa.with_user(self.complaint_manager).action_approve()
        with self.assertRaisesRegex(UserError, "open tasks"):
            self.capa.action_implemented()
        self.capa.task_ids.done = True
        with self.assertRaisesRegex(UserError, "plan its effectiveness check"):
            self.capa.action_implemented()
        check = self._implement()
        self.assertEqual(self.capa.state, "verifying")
        self.assertEqual(self.capa.on_time_rate, 100.0)
        with self.assertRaisesRegex(UserError, "only the verifier"):
            self._sign(check, "effective", password="quality_user", user=self.quality_user)
        with self.assertRaisesRegex(UserError, "Wrong password"):
            self._sign(check, "effective", password="nope")
        self._sign(check, "effective")
        self.assertEqual(self.capa.state, "done")
        self.assertEqual(self.capa.effectiveness_rate, 100.0)
        self.assertEqual((check.result, check.signature_id.user_id), ("effective", self.verifier))
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            check.criterion = "Edited afterwards"
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            check.unlink()

    def test_ineffective_result_reopens_with_a_new_action(self):
        self.capa.with_user(self.complaint_manager).action_approve()
        check = self._implement()
        self._sign(check, "ineffective")
        self.assertEqual(self.capa.state, "approved")
        self.assertFalse(self.capa.date_done)
        self.assertEqual(len(self.capa.task_ids), 2)
        self.assertFalse(self.capa.task_ids[-1].done)
        self.assertIn("No leak in 3 lots", self.capa.task_ids[-1].name)
        self.assertEqual(self.capa.effectiveness_rate, 0.0)
        second = self._implement()
        self._sign(second, "effective")
        self.assertEqual(self.capa.state, "done")
        self.assertEqual(
            self.capa.check_ids.mapped("result"), ["ineffective", "effective"], "history is kept"
        )

    def test_late_implementation_counts_against_the_on_time_rate(self):
        self.capa.date_due = fields.Date.today() - timedelta(days=1)
        self.capa.with_user(self.complaint_manager).action_approve()
        self._implement()
        self.assertEqual(self.capa.on_time_rate, 0.0)
        rates = self.env["quality.capa"]._read_group([("id", "=", self.capa.id)], [], ["on_time_rate:avg"])
        self.assertEqual(rates[0][0], 0.0)
