# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Table-driven checks that guarded fields hold against every role and every client.

The table is the models' own ``_guarded_fields``: for each guarded field of
each model, :class:`GuardTable` tries a direct ``write``, a ``create`` and an
import (``load``, updating and creating) as each role, and expects a refusal.
A role that may write the model at all must be refused by the guard itself,
with a message naming the field and the action to use instead.

:func:`unguarded_protected_fields` is the safety net: a new field that looks
like a state, an approval, a signature, an override or an escalation stamp
must be guarded or carry a reasoned exemption.
"""

import base64
import re

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

GUARD_MESSAGE = "changes only through"

#: role -> groups, as ``new_test_user`` takes them
ROLES = {
    "complaint_user": "odoo_addon_complaints.group_complaint_user",
    "complaint_manager": "odoo_addon_complaints.group_complaint_manager",
    "warehouse_user": "stock.group_stock_user",
    "salesperson": "sales_team.group_sale_salesman",
    "employee": "base.group_user",
    "vigilance_officer": "odoo_addon_complaints.group_regulatory_user",
    "regulatory_manager": "odoo_addon_complaints.group_regulatory_manager",
    "accountant": "account.group_account_manager,odoo_addon_complaints.group_complaint_user",
    "integration_user": "base.group_user,odoo_addon_complaints.group_sync_integration",
    "integration_admin": "odoo_addon_complaints.group_sync_admin",
}

#: field names that say "state, approval, signature, override or escalation"
PROTECTED_NAME = re.compile(
    r"^(state|step|stage_id|result|champion_id|render_state|.*approv.*|.*signature.*|.*override.*"
    r"|date_closed|.*escalat.*|decided_.*|.*_by_id|date_(submitted|verified|done|issued|answered|reply"
    r"|containment|root_cause|approved))$"
)

#: (model, field) -> why it needs no guard
EXEMPT = {
    ("quality.complaint", "stage_id"): "moves are checked in write() by the stage gates and the "
    "persons-concerned rule; the kanban moves complaints by writing it",
    ("quality.sync.event", "state"): "no role may write sync events; only the agent's RPC methods "
    "and Requeue/Cancel change them, as the superuser after their checks",
    ("quality.sync.event", "attempts"): "as state",
    ("quality.capa.task", "done"): "a task's own tick box, checked when the CAPA is implemented",
    ("quality.complaint.deadline", "is_overdue"): "computed",
    ("quality.complaint", "customer_accepted"): "recorded by staff as the customer says; closing "
    "still needs it or a manager's guarded override",
    ("quality.capa.check", "result_to_sign"): "what the verifier is about to sign; the signed "
    "result is guarded",
    ("quality.complaint.severity", "escalation_user_id"): "configuration: only Complaints Managers "
    "may write severity levels (access rights)",
    ("quality.complaint.stage", "state"): "configuration: only Complaints Managers may write stages",
    ("quality.eight.d", "champion_id"): "write() lets only Complaints Managers change it; the approval "
    "actions check that the champion is a manager who owns no step he approves",
    ("quality.sync.event", "date_done"): "as state",
    ("quality.sync.event", "superseded_by_id"): "as state",
    (
        "quality.complaint.rating.report",
        "date_closed",
    ): "a read-only SQL view showing the complaint's guarded closing date",
    ("quality.scar.cause", "state"): "no role may write a supplier's answer rows (read-only access); "
    "only the supplier's answer and Accept / Reject of its step change them, as the superuser",
    ("quality.scar.action", "state"): "as quality.scar.cause",
    ("quality.scar.containment", "state"): "as quality.scar.cause",
}


def forged_value(env, record, name):
    """A value of the field's type, different from the record's and from the field's default."""
    field = record._fields[name]
    current = record.sudo()[name]
    if field.type == "selection":
        default = env[record._name].default_get([name]).get(name)
        keys = [key for key, _label in field._description_selection(env)]
        return next(key for key in keys if key not in (current, default))
    if field.type == "many2one":
        comodel = env[field.comodel_name].sudo()
        other = comodel.search([("id", "not in", current.ids)], limit=1)
        assert other, f"{record._name}.{name}: the test data needs a second {field.comodel_name}"
        return other.id
    if field.type == "datetime":
        return "2030-01-01 10:00:00"
    if field.type == "date":
        return "2030-01-01"
    if field.type in ("char", "text", "html"):
        return "forged"
    if field.type == "integer":
        return 99
    if field.type in ("float", "monetary"):
        return 12345.0
    if field.type == "boolean":
        return not current
    if field.type == "binary":
        return base64.b64encode(b"forged").decode()
    if field.type == "json":
        return {"forged": True}
    raise AssertionError(f"{record._name}.{name}: no forged value for fields of type {field.type}")


def import_column(record, name, value):
    """The column and cell that import ``value`` into ``name``, as a CSV import would."""
    field = record._fields[name]
    if field.type == "many2one":
        return f"{name}/.id", str(value)
    if field.type == "boolean":
        return name, "1" if value else "0"
    return name, str(value)


def guarded_models(env):
    return sorted(
        name
        for name in env.registry.descendants(["quality.guarded.mixin"], "_inherit")
        if name != "quality.guarded.mixin" and not env[name]._abstract and not env[name]._transient
    )


def unguarded_protected_fields(env):
    """Fields of this addon's models that look protected but have no guard and no exemption."""
    found = []
    for model_name in sorted(env.registry.models):
        if not (model_name.startswith("quality.") or model_name == "account.move"):
            continue
        model = env[model_name]
        if model._abstract or model._transient:
            continue
        guarded = getattr(model, "_guarded_fields", {})
        for name, field in model._fields.items():
            if not field.store or field.compute or field.related or name in guarded:
                continue
            if model_name == "account.move" and not name.startswith("complaint_"):
                continue
            if PROTECTED_NAME.match(name) and (model_name, name) not in EXEMPT:
                found.append(f"{model_name}.{name}")
    return found


class GuardTable:
    """Runs the refusal table for one test case.

    ``case`` is a TransactionCase with ``samples`` (model -> one record),
    ``role_users`` (role -> user) and ``create_extra`` (model -> values a
    create needs besides the guarded field, so that only the guard can refuse).
    """

    def __init__(self, case):
        self.case = case
        self.env = case.env

    def rows(self):
        for model_name in guarded_models(self.env):
            model = self.env[model_name]
            for name in model._guarded_fields:
                yield model_name, name

    def run(self):
        checked = 0
        for model_name, name in self.rows():
            record = self.case.samples[model_name]
            value = forged_value(self.env, record, name)
            for role, user in self.case.role_users.items():
                with self.case.subTest(model=model_name, field=name, role=role):
                    self._assert_write_refused(record, name, value, user)
                    self._assert_create_refused(record, name, value, user)
                    if record._fields[name].type != "json":  # JSON fields are not importable at all
                        self._assert_load_refused(record, name, value, user)
                    checked += 1
            with self.case.subTest(model=model_name, field=name, role="superuser"):
                self._assert_superuser_passes(record, name, value)
        return checked

    def _expect_guard(self, record, user):
        return record.with_user(user).has_access("write")

    def _assert_refusal(self, error, record, name, user, guard_expected):
        message = str(error)
        if guard_expected and isinstance(error, UserError) and not isinstance(error, AccessError):
            label = record._fields[name]._description_string(self.env)
            self.case.assertIn(GUARD_MESSAGE, message, f"{record._name}.{name} as {user.login}")
            self.case.assertIn(label, message, "the refusal names the field")

    def _assert_write_refused(self, record, name, value, user):
        guard_expected = self._expect_guard(record, user)
        error = self._refusal(
            lambda: record.with_user(user).write({name: value}), f"write {record._name}.{name}", user
        )
        if guard_expected:
            self.case.assertNotIsInstance(
                error, AccessError, f"{user.login} may write {record._name}: the guard must refuse"
            )
        self._assert_refusal(error, record, name, user, guard_expected)

    def _refusal(self, operation, what, user, accepted=(UserError, AccessError)):
        """Run ``operation`` in a savepoint and return the error that refused it."""
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                operation()
        except accepted as error:
            return error
        finally:
            self.env.invalidate_all()
        self.case.fail(f"{user.login} could {what}")

    def _assert_create_refused(self, record, name, value, user):
        vals = dict(self.case.create_extra.get(record._name, {}), **{name: value})
        self._refusal(
            lambda: self.env[record._name].with_user(user).create(vals),
            f"create {record._name} with {name}",
            user,
            accepted=(UserError, AccessError, ValidationError),
        )

    def _assert_load_refused(self, record, name, value, user):
        column, cell = import_column(record, name, value)
        model = self.env[record._name].with_user(user)
        for fields, row in (([".id", column], [str(record.id), cell]), ([column], [cell])):
            with self.env.cr.savepoint(flush=False) as savepoint:
                try:
                    result = model.load(fields, [row])
                except (UserError, AccessError):
                    result = {"ids": False, "messages": [{"type": "error"}]}
                savepoint.rollback()
            self.env.invalidate_all()
            self.case.assertFalse(
                result["ids"], f"import of {record._name}.{name} as {user.login} went through"
            )
            self.case.assertTrue(
                any(message["type"] == "error" for message in result["messages"]),
                f"import of {record._name}.{name} as {user.login} says nothing",
            )

    def _assert_superuser_passes(self, record, name, value):
        with self.env.cr.savepoint(flush=False) as savepoint, mute_logger("odoo.sql_db"):
            try:
                record.sudo().write({name: value})
                record.flush_recordset()
            except Exception as error:  # noqa: BLE001 - constraints may refuse a forged value, not the guard
                self.case.assertNotIn(
                    GUARD_MESSAGE, str(error), "the superuser is never refused by the guard"
                )
            savepoint.rollback()
        self.env.invalidate_all()
