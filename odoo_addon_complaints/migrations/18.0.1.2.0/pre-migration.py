# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""8D root causes lose the column of their former Catena-X cause type.

quality.eight.d.root.cause.catena_x_type (a stored compute of cause_kind and
cause_level giving technicalOccurrence, ...) was removed when the Catena-X
codes TUA, TUN, SUA, SUN moved into the mapping
(mappings/supplier_portal_report8d.yaml). Odoo drops a removed field's column
at the end of an update only through the field's ir.model.fields row; a
database whose row is gone, but not the column, keeps the column for good, a
copy of kind and level that nothing updates any more. This step drops the
column before the update, and with it whatever remains of the field's
ir.model.fields, ir.model.fields.selection and ir.model.data rows. Nothing is
lost: cause_kind and cause_level, which the column was computed from, stay.

It does nothing on a database that never had the field, or had it removed.
The SCAR outbox events and the acknowledgement template are brought up to
date after the update (post-migration.py).
"""

import logging

_logger = logging.getLogger(__name__)

TABLE = "quality_eight_d_root_cause"
MODEL = "quality.eight.d.root.cause"
COLUMN = "catena_x_type"
FIELD_XMLID = f"field_{TABLE}__{COLUMN}"
SELECTION_XMLID_PREFIX = f"selection__{TABLE}__{COLUMN}__"


def _column_exists(cr):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s", (TABLE, COLUMN)
    )
    return bool(cr.fetchone())


def _drop_field_metadata(cr):
    """Remove the field's rows from Odoo's model metadata; returns how many fields and xmlids went."""
    cr.execute("SELECT id FROM ir_model_fields WHERE model = %s AND name = %s", (MODEL, COLUMN))
    field_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        DELETE FROM ir_model_data
         WHERE module = 'odoo_addon_complaints'
           AND (   (model = 'ir.model.fields' AND (name = %(field)s OR res_id = ANY(%(ids)s)))
                OR (model = 'ir.model.fields.selection'
                    AND (name LIKE %(prefix)s
                         OR res_id IN (SELECT id FROM ir_model_fields_selection WHERE field_id = ANY(%(ids)s)))))
        """,
        {"field": FIELD_XMLID, "ids": field_ids, "prefix": SELECTION_XMLID_PREFIX.replace("_", r"\_") + "%"},
    )
    xmlids = cr.rowcount
    if field_ids:
        # ir_model_fields_selection and every other reference follow (ON DELETE CASCADE / SET NULL).
        cr.execute("DELETE FROM ir_model_fields WHERE id = ANY(%s)", (field_ids,))
    return len(field_ids), xmlids


def migrate(cr, version):
    if _column_exists(cr):
        cr.execute(f'ALTER TABLE "{TABLE}" DROP COLUMN "{COLUMN}"')
        _logger.info(
            "%s.%s: leftover column dropped (the Catena-X cause type comes from the mapping)", MODEL, COLUMN
        )
    fields_removed, xmlids_removed = _drop_field_metadata(cr)
    if fields_removed or xmlids_removed:
        _logger.info(
            "%s.%s: %s ir.model.fields row(s) and %s ir.model.data row(s) removed",
            MODEL,
            COLUMN,
            fields_removed,
            xmlids_removed,
        )
