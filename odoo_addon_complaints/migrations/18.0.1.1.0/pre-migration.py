# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Regulatory reports name their dates as the other escalated records do.

quality.regulatory.report.due_date became date_due and escalated_on became
date_escalated when the three escalations were made one mechanism
(quality.escalation.mixin). Without this step an update would add empty
columns beside the old ones and lose every report's due date and stamp.
The field records keep their ids, so tracking values stay attached.
"""

import logging

_logger = logging.getLogger(__name__)

TABLE = "quality_regulatory_report"
MODEL = "quality.regulatory.report"
RENAMED = {"due_date": "date_due", "escalated_on": "date_escalated"}


def _column_exists(cr, column):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s", (TABLE, column)
    )
    return bool(cr.fetchone())


def migrate(cr, version):
    for old, new in RENAMED.items():
        if not _column_exists(cr, old) or _column_exists(cr, new):
            continue
        cr.execute(f'ALTER TABLE "{TABLE}" RENAME COLUMN "{old}" TO "{new}"')
        cr.execute("UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s", (new, MODEL, old))
        cr.execute(
            "UPDATE ir_model_data SET name = %s WHERE module = 'odoo_addon_complaints' AND model = 'ir.model.fields' "
            "AND name = %s",
            (f"field_{TABLE}__{new}", f"field_{TABLE}__{old}"),
        )
        _logger.info("%s.%s renamed to %s", MODEL, old, new)
