# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import contextvars

from odoo import api, models
from odoo.tools import SQL
from odoo.exceptions import UserError

# Set only by Python code of this addon, inside the action that checked the
# rule. A context key would not do: any RPC caller can send any context.
_IN_CHECKED_ACTION = contextvars.ContextVar("quality_checked_action", default=False)


@contextlib.contextmanager
def checked_action():
    """Let the guarded fields be written: the caller has just checked the rule."""
    token = _IN_CHECKED_ACTION.set(True)
    try:
        yield
    finally:
        _IN_CHECKED_ACTION.reset(token)


def lock_rows(records):
    """Lock the rows of ``records`` until the transaction ends, before deciding on them.

    Under Odoo's REPEATABLE READ, a transaction cannot lock a row that another
    one changed since it began: PostgreSQL raises a serialization failure and
    Odoo runs the request again, with fresh data. So of two users deciding at
    once (approving the same step, moving the same stock), the first decides
    and the second one's checks see that decision and answer with its message,
    instead of both acting on what they read before.
    """
    if not records:
        return
    records.flush_recordset()
    records.env.cr.execute(
        SQL(
            "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
            SQL.identifier(records._table),
            tuple(records.ids),
        )
    )


class QualityGuardedMixin(models.AbstractModel):
    """Fields that change only through the action that checks their rule.

    States, approvals, signatures, overrides and the dates that record them
    are evidence: a form's ``readonly`` does not stop ``write``, ``create`` or
    an import over RPC. A model lists them in ``_guarded_fields`` with the
    action to use instead; a direct write by anyone but the superuser is
    refused, naming the record, the field and that action. The actions write
    them inside :func:`checked_action`.

    At creation a guarded field may only take its default value.
    """

    _name = "quality.guarded.mixin"
    _description = "Fields Changed Only Through Their Actions"

    #: field name -> the button or action that changes it, as users know it
    #: (a LazyTranslate term, so that the refusal reads in the user's language)
    _guarded_fields = {}

    def _guard_is_open(self):
        return self.env.su or _IN_CHECKED_ACTION.get()

    def _check_guarded_values(self, vals, creating=False):
        if self._guard_is_open():
            return
        touched = [name for name in self._guarded_fields if name in vals]
        if creating and touched:
            defaults = self.default_get(touched)
            touched = [
                name
                for name in touched
                if not self._guarded_value_is_default(name, vals[name], defaults.get(name))
            ]
        if not touched:
            return
        name = touched[0]
        field = self._fields[name]
        raise UserError(
            self.env._(
                "%(model)s %(record)s: the field '%(field)s' changes only through '%(action)s'. "
                "It cannot be written directly, by import or through the API.",
                model=self.env["ir.model"].sudo()._get(self._name).name,
                record=", ".join(self.mapped("display_name")) if self else self.env._("(new record)"),
                field=field._description_string(self.env),
                action=self.env._(self._guarded_fields[name]),
            )
        )

    @staticmethod
    def _guarded_value_is_default(name, value, default):
        if not value and not default:
            return True
        if isinstance(value, (list, tuple)) and not value:
            return not default
        return value == default

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_guarded_values(vals, creating=True)
        return super().create(vals_list)

    def _guarded_side_values(self, vals):
        """Guarded values a permitted write brings with it (e.g. a moved due date clears its escalation)."""
        return {}

    def write(self, vals):
        self._check_guarded_values(vals)
        side_values = self._guarded_side_values(vals)
        if not side_values:
            return super().write(vals)
        with checked_action():
            return super().write({**vals, **side_values})
