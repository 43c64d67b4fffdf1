#!/usr/bin/env python3
# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fill a database with complaints at volume (``complaints_volume`` by default).

On top of the containment generator's stock history (it builds the database
with sale_stock, repair, sale_management and ``odoo_addon_complaints`` with
demo data, then ~100,000 lots and ~1,000,000 stock move lines at ``--scale 1``),
this adds, with bulk SQL only (``INSERT ... SELECT`` from driver tables built
with ``generate_series``; never the ORM):

* sale orders confirmed and delivered: one per delivery of the stock history
  (``stock.picking.sale_id``), one order line per delivered move
  (``stock.move.sale_line_id``), and one order of 50 lines for the form;
* open complaints on those orders: their lines (order, order line, product,
  lot, delivery, the delivered move line), the deadlines of their severity
  level (those of the steps the stage has passed are met), ``--overdue`` of
  them with a missed deadline; one complaint has ``--form-lines`` lines;
* 8D reports on ``--eight-d`` of the complaints, with their nine steps (the
  current one overdue for ``--overdue`` of them), CAPAs on ``--capa`` of the
  complaints (with an effectiveness check when verified or closed), and
  adverse events with a regulatory report on ``--reports`` of them (overdue
  for ``--overdue`` of the reports).

Each new row is a copy of a demo record of the same model with the columns
that make it distinct overridden, so that every column Odoo fills at
creation has a valid value. Generated numbers carry a ``V`` (SV000001,
202611-V000001, 8D-V000001, CAPA-V000001) so they never meet the numbers
Odoo's sequences give next. Stored computed fields (next deadline, the 8D's step due date,
the CAPA's on-time rate, the lines' delivered quantity) are written with the
values Odoo would compute; ``--check`` recomputes a sample with the ORM.

Run it with the Python that runs Odoo, from the repository root::

    python benchmarks/volume/generate.py                 # 100,000 complaints
    python benchmarks/volume/generate.py --scale 0.01    # 1,000, for a quick try
"""

import argparse
import importlib.util
import json
import os
import sys
import time

from psycopg2 import sql

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PARAMS_KEY = "complaints_volume.params"
GENERATOR_VERSION = 1  # bump when the shape of the generated data changes


def _load_containment():
    spec = importlib.util.spec_from_file_location(
        "containment_generate", os.path.join(os.path.dirname(HERE), "containment", "generate.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


containment = _load_containment()
log = containment.log
columns = containment.columns
reset_sequence = containment.reset_sequence
xmlid = containment.xmlid


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="complaints_volume", help="database (default %(default)s)")
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 = 100,000 complaints and sale orders on ~1,000,000 move lines (default %(default)s)",
    )
    p.add_argument("--overdue", type=float, default=0.05, help="share of overdue complaints (default 5%%)")
    p.add_argument(
        "--eight-d", type=float, default=0.10, help="share of complaints with an 8D (default 10%%)"
    )
    p.add_argument("--capa", type=float, default=0.05, help="share of complaints with a CAPA (default 5%%)")
    p.add_argument(
        "--reports",
        type=float,
        default=0.01,
        help="share of complaints with an adverse event and its regulatory report (default 1%%)",
    )
    p.add_argument(
        "--form-lines", type=int, default=50, help="lines of the complaint and the order the form bench opens"
    )
    p.add_argument("--seed", type=int, default=20260101, help="random seed (default %(default)s)")
    p.add_argument("--template", default="", help="template database for the stock generator (see there)")
    p.add_argument("--force", action="store_true", help="rebuild even if the parameters match")
    p.add_argument(
        "--skip-stock",
        action="store_true",
        help="the database already holds the stock history (e.g. of the containment generator): "
        "only add the sales, complaints, 8Ds, CAPAs and reports",
    )
    p.add_argument("--check", action="store_true", help="recompute a sample of stored fields with the ORM")
    p.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--db-port", default=os.environ.get("PGPORT", "5432"))
    p.add_argument("--db-user", default=os.environ.get("PGUSER", "odoo"))
    p.add_argument("--db-password", default=os.environ.get("PGPASSWORD", "odoo"))
    p.add_argument("--addons-path", default=REPO)
    return p.parse_args(argv)


def stock_args(args):
    """The containment generator's arguments for this scale."""
    s = args.scale
    argv = [
        "--db",
        args.db,
        "--lots",
        str(max(200, round(100_000 * s))),
        "--move-lines",
        # at least 20,000: the stock generator always has a hot lot of up to 10,000 move lines
        str(max(20_000, round(1_000_000 * s))),
        "--products",
        str(max(10, round(300 * s))),
        "--customers",
        str(max(20, round(3000 * s))),
        "--vendors",
        str(max(3, round(60 * s))),
        "--seed",
        str(args.seed),
        "--template",
        args.template,
        "--db-host",
        str(args.db_host),
        "--db-port",
        str(args.db_port),
        "--db-user",
        args.db_user,
        "--db-password",
        args.db_password,
        "--addons-path",
        args.addons_path,
    ]
    return containment.parse_args(argv)


def fingerprint(args):
    return {
        "generator": GENERATOR_VERSION,
        "stock_generator": containment.GENERATOR_VERSION,
        "scale": args.scale,
        "overdue": args.overdue,
        "eight_d": args.eight_d,
        "capa": args.capa,
        "reports": args.reports,
        "form_lines": args.form_lines,
        "seed": args.seed,
        "template": args.template,
    }


def stored_params(args):
    if not containment.db_exists(args, args.db):
        return None
    try:
        with containment.connect(args, args.db) as conn, conn.cursor() as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [PARAMS_KEY])
            row = cr.fetchone()
            return json.loads(row[0]) if row else None
    except Exception:  # noqa: BLE001 - no such table: not one of ours
        return None


# --------------------------------------------------------------------------- helpers
def clone_from(cr, table, template_id, driver, overrides):
    """INSERT one copy of row ``template_id`` of ``table`` per row of the temp table ``driver``.

    ``overrides`` maps columns to SQL expressions over ``t`` (the template row)
    and ``d`` (the driver row); ``id`` defaults to ``d.id``. Overrides of
    columns the table does not have are ignored (other Odoo versions/addons).
    Returns the number of rows inserted.
    """
    cols = columns(cr, table)
    overrides = {"id": "d.id", **overrides}
    exprs = [
        sql.SQL(overrides[c]) if c in overrides else sql.SQL("t.{}").format(sql.Identifier(c)) for c in cols
    ]
    cr.execute(
        sql.SQL("INSERT INTO {tbl} ({cols}) SELECT {exprs} FROM {tbl} t, {drv} d WHERE t.id = %s").format(
            tbl=sql.Identifier(table),
            cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
            exprs=sql.SQL(", ").join(exprs),
            drv=sql.Identifier(driver),
        ),
        [template_id],
    )
    count = cr.rowcount
    reset_sequence(cr, table)
    return count


class TimedCursor:
    """Wrap a cursor: log every statement slower than 5 s (the generator's timing notes)."""

    def __init__(self, cr):
        self._cr = cr

    def __getattr__(self, name):
        return getattr(self._cr, name)

    def execute(self, query, params=None):
        t0 = time.monotonic()
        result = self._cr.execute(query, params)
        if time.monotonic() - t0 > 5:
            text = query.as_string(self._cr) if hasattr(query, "as_string") else str(query)
            log(f"  {time.monotonic() - t0:.1f}s: {' '.join(text.split())[:90]}")
        return result


def next_id(cr, table):
    cr.execute(sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(sql.Identifier(table)))
    return cr.fetchone()[0]


def template(cr, table, where="TRUE", params=()):
    cr.execute(sql.SQL("SELECT min(id) FROM {} WHERE " + where).format(sql.Identifier(table)), list(params))
    row = cr.fetchone()
    if not row or not row[0]:
        raise SystemExit(f"no demo row in {table} WHERE {where}: install the addon with demo data")
    return row[0]


RANDOM_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.rnd(n bigint, salt int) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    SELECT (hashint8(n * 1000003 + salt * 7919 + %(seed)s)::bigint + 2147483648) / 4294967296.0
$$
"""


# --------------------------------------------------------------------------- sale orders
def fill_sales(cr, args, ctx):
    """One confirmed, delivered sale order per delivery, one line per delivered move."""
    n_orders = max(10, round(100_000 * args.scale))
    so_tmpl = template(cr, "sale_order", "state = 'sale'")
    sol_tmpl = template(cr, "sale_order_line", "order_id = %s AND display_type IS NULL", [so_tmpl])
    out_type = ctx["out_type"]
    first_so = next_id(cr, "sale_order")
    cr.execute(
        "SELECT array_agg(u.id ORDER BY u.id) FROM res_users u WHERE u.active AND NOT u.share AND u.id > 1"
    )
    users = cr.fetchone()[0]
    cr.execute(
        """
        CREATE TEMP TABLE vol_so AS
        SELECT %s + row_number() OVER (ORDER BY p.id) - 1 AS id,
               row_number() OVER (ORDER BY p.id) AS n,
               p.id AS picking_id, p.partner_id AS shipping_id, c.commercial_partner_id AS partner_id,
               p.scheduled_date - interval '2 days' AS date_order,
               (%s::int[])[1 + floor(pg_temp.rnd(p.id, 2) * %s)::int] AS user_id
          FROM stock_picking p JOIN res_partner c ON c.id = p.partner_id
         WHERE p.picking_type_id = %s AND p.state = 'done' AND p.return_id IS NULL
         ORDER BY p.id LIMIT %s
        """,
        [first_so, users, len(users), out_type, n_orders],
    )
    cr.execute("SELECT count(*) FROM vol_so")
    made = cr.fetchone()[0]
    if made < n_orders:
        log(f"only {made} deliveries for {n_orders} sale orders: {made} orders")
    cr.execute("ALTER TABLE vol_so ADD PRIMARY KEY (id)")
    first_sol = next_id(cr, "sale_order_line")
    cr.execute(
        """
        CREATE TEMP TABLE vol_sol AS
        SELECT %s + row_number() OVER (ORDER BY m.id) - 1 AS id, so.id AS order_id, m.id AS move_id,
               m.product_id, m.product_uom AS uom_id, m.quantity AS qty, so.date_order,
               round((5 + 495 * pg_temp.rnd(m.id, 1))::numeric, 2) AS price,
               row_number() OVER (PARTITION BY so.id ORDER BY m.id) * 10 AS sequence,
               so.partner_id, so.user_id
          FROM vol_so so JOIN stock_move m ON m.picking_id = so.picking_id
        """,
        [first_sol],
    )
    # the order the form bench opens: fill it up to --form-lines lines (products only, not delivered)
    cr.execute("SELECT count(*) FROM vol_sol WHERE order_id = %s", [first_so])
    have = cr.fetchone()[0]
    cr.execute(
        """
        INSERT INTO vol_sol (id, order_id, move_id, product_id, uom_id, qty, date_order, price, sequence,
                             partner_id, user_id)
        SELECT (SELECT max(id) FROM vol_sol) + g, so.id, NULL, p.id, t.uom_id, g, so.date_order, 10 + g,
               (%s + g) * 10, so.partner_id, so.user_id
          FROM vol_so so, generate_series(1, %s) g
          JOIN product_product p ON p.id = (SELECT id FROM product_product WHERE default_code LIKE 'BP-%%'
                                            ORDER BY id OFFSET (g %% 10) LIMIT 1)
          JOIN product_template t ON t.id = p.product_tmpl_id
         WHERE so.id = %s
        """,
        [have, max(0, args.form_lines - have), first_so],
    )
    cr.execute(
        """
        ALTER TABLE vol_sol ADD COLUMN name text, ADD COLUMN template_id int;
        UPDATE vol_sol l SET name = coalesce('[' || p.default_code || '] ', '') || (pt.name->>'en_US'),
                             template_id = pt.id
          FROM product_product p JOIN product_template pt ON pt.id = p.product_tmpl_id
         WHERE p.id = l.product_id;
        ALTER TABLE vol_sol ADD PRIMARY KEY (id);
        """
    )
    cr.execute("CREATE INDEX ON vol_sol (order_id)")
    cr.execute("ANALYZE vol_so; ANALYZE vol_sol")
    cr.execute(
        "CREATE TEMP TABLE vol_so_total AS SELECT order_id, sum(round(qty * price, 2)) AS amount "
        "FROM vol_sol GROUP BY order_id"
    )
    cr.execute("ALTER TABLE vol_so_total ADD PRIMARY KEY (order_id)")
    cr.execute(
        "CREATE TEMP VIEW vol_so_full AS SELECT so.*, tot.amount FROM vol_so so JOIN vol_so_total tot "
        "ON tot.order_id = so.id"
    )
    n = clone_from(
        cr,
        "sale_order",
        so_tmpl,
        "vol_so_full",
        {
            "name": "'SV' || lpad(d.n::text, 6, '0')",
            "partner_id": "d.partner_id",
            "user_id": "d.user_id",
            "partner_invoice_id": "d.partner_id",
            "partner_shipping_id": "d.shipping_id",
            "date_order": "d.date_order",
            "commitment_date": "NULL",
            "create_date": "d.date_order",
            "write_date": "d.date_order",
            "origin": "NULL",
            "client_order_ref": "'PO-' || d.n",
            "access_token": "NULL",
            "signature": "NULL",
            "signed_by": "NULL",
            "signed_on": "NULL",
            "reference": "NULL",
            "amount_untaxed": "d.amount",
            "amount_total": "d.amount",
            "amount_tax": "0",
            "amount_to_invoice": "d.amount",
            "amount_invoiced": "0",
            "invoice_status": "'to invoice'",
            "delivery_status": "'full'",
            "procurement_group_id": "NULL",
            "opportunity_id": "NULL",
            "campaign_id": "NULL",
            "source_id": "NULL",
            "medium_id": "NULL",
            "message_main_attachment_id": "NULL",
            "sale_order_template_id": "NULL",
        },
    )
    m = clone_from(
        cr,
        "sale_order_line",
        sol_tmpl,
        "vol_sol",
        {
            "order_id": "d.order_id",
            "sequence": "d.sequence",
            "name": "d.name",
            "product_id": "d.product_id",
            "product_template_id": "d.template_id",
            "product_uom": "d.uom_id",
            "product_uom_qty": "d.qty",
            "qty_delivered": "CASE WHEN d.move_id IS NULL THEN 0 ELSE d.qty END",
            "qty_delivered_method": "'stock_move'",
            "qty_invoiced": "0",
            "qty_to_invoice": "CASE WHEN d.move_id IS NULL THEN 0 ELSE d.qty END",
            "price_unit": "d.price",
            "price_subtotal": "round(d.qty * d.price, 2)",
            "price_total": "round(d.qty * d.price, 2)",
            "price_tax": "0",
            "price_reduce_taxexcl": "d.price",
            "price_reduce_taxinc": "d.price",
            "discount": "0",
            "untaxed_amount_to_invoice": "round(d.qty * d.price, 2)",
            "untaxed_amount_invoiced": "0",
            "invoice_status": "'to invoice'",
            "order_partner_id": "d.partner_id",
            "salesman_id": "d.user_id",
            "state": "'sale'",
            "create_date": "d.date_order",
            "write_date": "d.date_order",
            "linked_line_id": "NULL",
            "route_id": "NULL",
            "product_packaging_id": "NULL",
            "product_packaging_qty": "0",
            "analytic_distribution": "NULL",
        },
    )
    cr.execute(
        "UPDATE stock_picking p SET sale_id = so.id, origin = 'SV' || lpad(so.n::text, 6, '0') "
        "FROM vol_so so WHERE p.id = so.picking_id"
    )
    cr.execute(
        "UPDATE stock_move m SET sale_line_id = l.id, origin = p.origin FROM vol_sol l, stock_picking p "
        "WHERE m.id = l.move_id AND p.id = m.picking_id"
    )
    log(f"sale_order: {n} rows, sale_order_line: {m} rows (order {first_so} has {args.form_lines} lines)")
    ctx["form_order"] = first_so
    return n


# --------------------------------------------------------------------------- complaints
def fill_complaints(cr, args, ctx):
    n = max(10, round(100_000 * args.scale))
    company = ctx["company"]
    c_tmpl = template(cr, "quality_complaint", "company_id = %s", [company])
    cl_tmpl = template(cr, "quality_complaint_line")
    dl_tmpl = template(cr, "quality_complaint_deadline")
    cr.execute(
        "SELECT id, sequence, state, complete_deadline FROM quality_complaint_stage "
        "WHERE active AND state IN ('new', 'open') ORDER BY sequence, id"
    )
    stages = cr.fetchall()
    cr.execute("SELECT id, priority FROM quality_complaint_severity WHERE active ORDER BY sequence, id")
    severities = cr.fetchall()
    cr.execute("SELECT id FROM quality_complaint_category ORDER BY id")
    categories = [r[0] for r in cr.fetchall()] or [None]
    cr.execute(
        "SELECT u.id FROM res_users u JOIN res_partner p ON p.id = u.partner_id "
        "WHERE u.active AND NOT u.share AND u.id > 1 ORDER BY u.id"
    )
    users = [r[0] for r in cr.fetchall()]
    cr.execute("CREATE TEMP TABLE vol_stage (k int, id int, progress int)")
    for k, (sid, _seq, _state, _complete) in enumerate(stages):
        cr.execute("INSERT INTO vol_stage VALUES (%s, %s, %s)", [k, sid, min(k, 4)])
    cr.execute("CREATE TEMP TABLE vol_sev (k int, id int, priority text)")
    for k, (sid, prio) in enumerate(severities):
        cr.execute("INSERT INTO vol_sev VALUES (%s, %s, %s)", [k, sid, prio])
    # deadline offsets per severity: the rules, working days counted as 1.4 calendar days
    cr.execute(
        """
        CREATE TEMP TABLE vol_rule AS
        SELECT severity_id, kind,
               row_number() OVER (PARTITION BY severity_id ORDER BY
                   duration * CASE unit WHEN 'working_days' THEN 33.6 WHEN 'days' THEN 24
                                        WHEN 'working_hours' THEN 1 ELSE 1 END, kind) - 1 AS rank,
               duration * CASE unit WHEN 'working_days' THEN interval '33.6 hours'
                                    WHEN 'days' THEN interval '1 day' ELSE interval '1 hour' END AS offset_
          FROM quality_complaint_deadline_rule
        """
    )
    first = next_id(cr, "quality_complaint")
    cr.execute("SELECT count(*) FROM vol_so")
    n_orders = cr.fetchone()[0]
    cr.execute(
        """
        CREATE TEMP TABLE vol_c AS
        SELECT %(first)s + g - 1 AS id, g AS n,
               so.id AS order_id, so.picking_id, so.partner_id, so.shipping_id AS contact_id,
               st.id AS stage_id, st.progress,
               sev.id AS severity_id, sev.priority,
               (%(categories)s)[1 + floor(pg_temp.rnd(g, 13) * %(n_categories)s)::int] AS category_id,
               (%(users)s)[1 + floor(pg_temp.rnd(g, 14) * %(n_users)s)::int] AS user_id,
               pg_temp.rnd(g, 15) < %(overdue)s AS overdue,
               pg_temp.rnd(g, 16) AS r
          FROM generate_series(1, %(n)s) g
          JOIN vol_so so ON so.n = 1 + ((g::bigint * 7919) %% %(n_orders)s)
          JOIN vol_stage st ON st.k = floor(pg_temp.rnd(g, 11) * %(n_stages)s)::int
          JOIN vol_sev sev ON sev.k = floor(pg_temp.rnd(g, 12) * %(n_sev)s)::int
        """,
        {
            "first": first,
            "n": n,
            "n_orders": n_orders,
            "categories": categories,
            "n_categories": len(categories),
            "users": users,
            "n_users": len(users),
            "overdue": args.overdue,
            "n_stages": len(stages),
            "n_sev": len(severities),
        },
    )
    # when it was received: the first open deadline (rank = progress) is due in the future, or,
    # for the overdue ones, it passed 1 hour to 20 days ago
    cr.execute(
        """
        ALTER TABLE vol_c ADD COLUMN date_received timestamp;
        UPDATE vol_c c SET date_received = date_trunc('second',
               CASE WHEN c.overdue THEN now() at time zone 'UTC' - r.offset_ - interval '1 hour'
                                        - c.r * interval '20 days'
                    ELSE now() at time zone 'UTC' - c.r * r.offset_ + interval '10 minutes' END)
          FROM vol_rule r
         WHERE r.severity_id = c.severity_id
           AND r.rank = least(c.progress, (SELECT max(rank) FROM vol_rule x WHERE x.severity_id = c.severity_id));
        ALTER TABLE vol_c ADD PRIMARY KEY (id);
        ANALYZE vol_c;
        """
    )
    # deadlines: one per rule of the severity; met (before due) below the progress of the stage
    first_dl = next_id(cr, "quality_complaint_deadline")
    cr.execute(
        """
        CREATE TEMP TABLE vol_dl AS
        SELECT %s + row_number() OVER (ORDER BY c.id, r.rank) - 1 AS id, c.id AS complaint_id, r.kind,
               c.date_received + r.offset_ AS date_due,
               CASE WHEN r.rank < c.progress THEN
                    least(c.date_received + r.offset_, now() at time zone 'UTC')
                    - pg_temp.rnd(c.id * 10 + r.rank, 17) * least(r.offset_, now() at time zone 'UTC' - c.date_received)
               END AS date_done,
               c.date_received
          FROM vol_c c JOIN vol_rule r ON r.severity_id = c.severity_id
        """,
        [first_dl],
    )
    cr.execute(
        "CREATE TEMP TABLE vol_next AS SELECT complaint_id, min(date_due) AS date_deadline FROM vol_dl "
        "WHERE date_done IS NULL GROUP BY complaint_id"
    )
    cr.execute("ALTER TABLE vol_next ADD PRIMARY KEY (complaint_id)")
    cr.execute(
        "CREATE TEMP VIEW vol_c_full AS SELECT c.*, x.date_deadline FROM vol_c c "
        "LEFT JOIN vol_next x ON x.complaint_id = c.id"
    )
    count = clone_from(
        cr,
        "quality_complaint",
        c_tmpl,
        "vol_c_full",
        {
            "name": "to_char(d.date_received, 'YYYYMM') || '-V' || lpad(d.n::text, 6, '0')",
            "subject": "'Volume complaint ' || d.n || ' on ' || (SELECT name FROM stock_picking WHERE id = d.picking_id)",
            "active": "true",
            "company_id": str(company),
            "partner_id": "d.partner_id",
            "commercial_partner_id": "d.partner_id",
            "contact_id": "d.contact_id",
            "date_received": "d.date_received",
            "stage_id": "d.stage_id",
            "severity_id": "d.severity_id",
            "priority": "d.priority",
            "category_id": "d.category_id",
            "user_id": "d.user_id",
            "intake_user_id": "d.user_id",
            "date_deadline": "d.date_deadline",
            "date_closed": "NULL",
            "date_containment": "NULL",
            "date_root_cause": "NULL",
            "date_reply": "NULL",
            "date_customer_acceptance": "NULL",
            "customer_accepted": "false",
            "close_override_reason": "NULL",
            "close_override_user_id": "NULL",
            "disposition": "NULL",
            "validity": "CASE WHEN d.progress < 2 THEN 'to_check' ELSE 'valid' END",
            "access_token": "NULL",
            "message_main_attachment_id": "NULL",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    n_deadlines = clone_from(
        cr,
        "quality_complaint_deadline",
        dl_tmpl,
        "vol_dl",
        {
            "complaint_id": "d.complaint_id",
            "company_id": str(company),
            "kind": "d.kind",
            "date_due": "d.date_due",
            "date_done": "d.date_done",
            "date_escalated": "NULL",
            "rescheduled": "false",
            "reschedule_reason": "NULL",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    # lines: 1-3 delivered moves of the complaint's delivery; the form's complaint has --form-lines
    first_line = next_id(cr, "quality_complaint_line")
    cr.execute(
        """
        CREATE TEMP TABLE vol_cl AS
        SELECT c.id AS complaint_id, ml.id AS move_line_id, l.id AS sale_line_id, c.order_id,
               ml.product_id, ml.lot_id, ml.picking_id, ml.quantity,
               row_number() OVER (PARTITION BY c.id ORDER BY ml.id) AS k, c.date_received
          FROM vol_c c
          JOIN stock_move_line ml ON ml.picking_id = c.picking_id
          LEFT JOIN vol_sol l ON l.move_id = ml.move_id
        """
    )
    cr.execute(
        "DELETE FROM vol_cl x USING vol_c c WHERE c.id = x.complaint_id AND x.k > 1 + floor(c.r * 3) "
        "AND c.id <> %s",
        [first],
    )
    cr.execute("SELECT count(*) FROM vol_cl WHERE complaint_id = %s", [first])
    have = cr.fetchone()[0]
    cr.execute(
        """
        INSERT INTO vol_cl
        SELECT %s, ml.id, l.id, so.id, ml.product_id, ml.lot_id, ml.picking_id, ml.quantity, %s + row_number()
               OVER (ORDER BY ml.id), (SELECT date_received FROM vol_c WHERE id = %s)
          FROM vol_so so JOIN stock_move_line ml ON ml.picking_id = so.picking_id
          LEFT JOIN vol_sol l ON l.move_id = ml.move_id
         WHERE so.partner_id = (SELECT partner_id FROM vol_c WHERE id = %s)
           AND ml.picking_id <> (SELECT picking_id FROM vol_c WHERE id = %s)
         ORDER BY ml.id LIMIT %s
        """,
        [first, have, first, first, first, max(0, args.form_lines - have)],
    )
    cr.execute(
        "CREATE TEMP TABLE vol_cl2 AS SELECT %s + row_number() OVER (ORDER BY complaint_id, k) - 1 AS id, * "
        "FROM vol_cl",
        [first_line],
    )
    n_lines = clone_from(
        cr,
        "quality_complaint_line",
        cl_tmpl,
        "vol_cl2",
        {
            "complaint_id": "d.complaint_id",
            "sequence": "d.k * 10",
            "company_id": str(company),
            "partner_id": "(SELECT partner_id FROM vol_c WHERE id = d.complaint_id)",
            "category_id": "(SELECT category_id FROM vol_c WHERE id = d.complaint_id)",
            "sale_order_id": "d.order_id",
            "sale_line_id": "d.sale_line_id",
            "product_id": "d.product_id",
            "lot_id": "d.lot_id",
            "picking_id": "d.picking_id",
            "qty_delivered": "d.quantity",
            "qty_complained": "greatest(1, floor(d.quantity * 0.2))",
            "qty_defective": "0",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    cr.execute(
        "INSERT INTO quality_complaint_line_move_line_rel (complaint_line_id, move_line_id) "
        "SELECT id, move_line_id FROM vol_cl2"
    )
    log(
        f"quality_complaint: {count} rows (id {first} has the form's lines), "
        f"quality_complaint_line: {n_lines}, quality_complaint_deadline: {n_deadlines}"
    )
    ctx["form_complaint"] = first
    return count


# --------------------------------------------------------------------------- 8D, CAPA, reports
def fill_eight_d(cr, args, ctx):
    """8Ds on --eight-d of the complaints, their nine steps, the current one overdue for --overdue."""
    company = ctx["company"]
    e_tmpl = template(cr, "quality_eight_d", "company_id = %s", [company])
    s_tmpl = template(cr, "quality_eight_d_step")
    first = next_id(cr, "quality_eight_d")
    cr.execute(
        """
        CREATE TEMP TABLE vol_8d AS
        SELECT %s + row_number() OVER (ORDER BY c.id) - 1 AS id, row_number() OVER (ORDER BY c.id) AS n,
               c.id AS complaint_id, c.partner_id, c.user_id, c.date_received,
               floor(pg_temp.rnd(c.id, 21) * 9)::int AS current,
               pg_temp.rnd(c.id, 22) < %s AS overdue
          FROM vol_c c WHERE pg_temp.rnd(c.id, 20) < %s
        """,
        [first, args.overdue, args.eight_d],
    )
    cr.execute("ALTER TABLE vol_8d ADD PRIMARY KEY (id)")
    first_step = next_id(cr, "quality_eight_d_step")
    # step k is due 2 days after step k-1; the current one is due in the future, or passed if overdue
    cr.execute(
        """
        CREATE TEMP TABLE vol_8d_step AS
        SELECT %s + row_number() OVER (ORDER BY e.id, k) - 1 AS id, e.id AS eight_d_id, 'D' || k AS code,
               e.user_id,
               CASE WHEN k < e.current THEN 'approved' WHEN k = e.current THEN 'open' ELSE 'pending' END AS state,
               date_trunc('second', now() at time zone 'UTC'
                   + (k - e.current) * interval '2 days'
                   + CASE WHEN e.overdue THEN -interval '1 hour' - pg_temp.rnd(e.id, 23) * interval '5 days'
                          ELSE interval '1 hour' + pg_temp.rnd(e.id, 23) * interval '5 days' END) AS date_due,
               k, e.current, e.date_received
          FROM vol_8d e, generate_series(0, 8) k
        """,
        [first_step],
    )
    cr.execute(
        "CREATE TEMP VIEW vol_8d_full AS SELECT e.*, s.date_due AS date_step_due FROM vol_8d e "
        "JOIN vol_8d_step s ON s.eight_d_id = e.id AND s.k = e.current"
    )
    count = clone_from(
        cr,
        "quality_eight_d",
        e_tmpl,
        "vol_8d_full",
        {
            "name": "'8D-V' || lpad(d.n::text, 6, '0')",
            "title": "'8D of volume complaint ' || d.complaint_id",
            "company_id": str(company),
            "partner_id": "d.partner_id",
            "supplier_id": "NULL",
            "source": "'customer'",
            "step": "'D' || d.current",
            "date_step_due": "d.date_step_due",
            "date_closed": "NULL",
            "closing_signature_id": "NULL",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    steps = clone_from(
        cr,
        "quality_eight_d_step",
        s_tmpl,
        "vol_8d_step",
        {
            "eight_d_id": "d.eight_d_id",
            "company_id": str(company),
            "code": "d.code",
            "user_id": "d.user_id",
            "state": "d.state",
            "date_due": "d.date_due",
            "date_submitted": "CASE WHEN d.k < d.current THEN d.date_due - interval '1 day' END",
            "date_approved": "CASE WHEN d.k < d.current THEN d.date_due - interval '12 hours' END",
            "approved_by_id": "CASE WHEN d.k < d.current THEN t.approved_by_id END",
            "date_escalated": "NULL",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    cr.execute(
        "INSERT INTO quality_complaint_quality_eight_d_rel (quality_complaint_id, quality_eight_d_id) "
        "SELECT complaint_id, id FROM vol_8d"
    )
    log(f"quality_eight_d: {count} rows, quality_eight_d_step: {steps}")
    return count


def fill_capa(cr, args, ctx):
    """CAPAs on --capa of the complaints (on the complaint's 8D if any); checks for verified ones."""
    company = ctx["company"]
    tmpl = template(cr, "quality_capa", "company_id = %s", [company])
    check_tmpl = template(cr, "quality_capa_check", "result = 'effective'")
    first = next_id(cr, "quality_capa")
    cr.execute(
        """
        CREATE TEMP TABLE vol_capa AS
        SELECT %s + row_number() OVER (ORDER BY c.id) - 1 AS id, row_number() OVER (ORDER BY c.id) AS n,
               c.id AS complaint_id, e.id AS eight_d_id, c.user_id, c.date_received,
               (ARRAY['draft', 'approved', 'approved', 'verifying', 'done', 'done'])
                   [1 + floor(pg_temp.rnd(c.id, 31) * 6)::int] AS state,
               date_trunc('second', c.date_received + interval '10 days'
                                    + pg_temp.rnd(c.id, 32) * interval '60 days') AS date_due,
               pg_temp.rnd(c.id, 33) < 0.8 AS on_time
          FROM vol_c c LEFT JOIN vol_8d e ON e.complaint_id = c.id
         WHERE pg_temp.rnd(c.id, 30) < %s
        """,
        [first, args.capa],
    )
    cr.execute(
        """
        ALTER TABLE vol_capa ADD COLUMN date_done timestamp;
        UPDATE vol_capa SET date_done = CASE WHEN on_time THEN date_due - interval '2 days'
                                             ELSE date_due + interval '5 days' END
         WHERE state IN ('verifying', 'done');
        """
    )
    count = clone_from(
        cr,
        "quality_capa",
        tmpl,
        "vol_capa",
        {
            "name": "'CAPA-V' || lpad(d.n::text, 6, '0')",
            "title": "'Action on volume complaint ' || d.complaint_id",
            "company_id": str(company),
            "complaint_id": "d.complaint_id",
            "eight_d_id": "d.eight_d_id",
            "source": "CASE WHEN d.eight_d_id IS NULL THEN t.source ELSE '8d' END",
            "user_id": "coalesce(d.user_id, t.user_id)",
            "state": "d.state",
            "date_due": "d.date_due",
            "date_done": "d.date_done",
            "date_approved": "CASE WHEN d.state <> 'draft' THEN d.date_received + interval '2 days' END",
            "approved_by_id": "CASE WHEN d.state <> 'draft' THEN coalesce(t.approved_by_id, 2) END",
            "on_time_rate": "CASE WHEN d.date_done <= d.date_due THEN 100.0 ELSE 0.0 END",
            "effectiveness_rate": "CASE WHEN d.state = 'done' THEN 100.0 ELSE 0.0 END",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    cr.execute(
        "CREATE TEMP TABLE vol_check AS SELECT %s + row_number() OVER (ORDER BY id) - 1 AS id, id AS capa_id, "
        "date_done FROM vol_capa WHERE state = 'done'",
        [next_id(cr, "quality_capa_check")],
    )
    checks = clone_from(
        cr,
        "quality_capa_check",
        check_tmpl,
        "vol_check",
        {
            "capa_id": "d.capa_id",
            "signature_id": "NULL",
            "date_planned": "(d.date_done + interval '30 days')::date",
            "date_verified": "(d.date_done + interval '30 days')::date",
            "create_date": "d.date_done",
            "write_date": "d.date_done",
        },
    )
    log(f"quality_capa: {count} rows, quality_capa_check: {checks}")
    return count


def fill_reports(cr, args, ctx):
    """Adverse events with a regulatory report on --reports of the complaints, --overdue of them late."""
    company = ctx["company"]
    ae_tmpl = template(cr, "quality_adverse_event", "company_id = %s", [company])
    rep_tmpl = template(cr, "quality_regulatory_report", "adverse_event_id = %s", [ae_tmpl])
    first = next_id(cr, "quality_adverse_event")
    first_rep = next_id(cr, "quality_regulatory_report")
    cr.execute(
        """
        CREATE TEMP TABLE vol_ae AS
        SELECT %s + row_number() OVER (ORDER BY c.id) - 1 AS id, %s + row_number() OVER (ORDER BY c.id) - 1
               AS report_id, row_number() OVER (ORDER BY c.id) AS n, c.id AS complaint_id, c.user_id,
               c.date_received,
               date_trunc('second', CASE WHEN pg_temp.rnd(c.id, 41) < %s
                    THEN now() at time zone 'UTC' - interval '1 hour' - pg_temp.rnd(c.id, 42) * interval '10 days'
                    ELSE now() at time zone 'UTC' + interval '1 hour' + pg_temp.rnd(c.id, 42) * interval '30 days'
               END) AS date_due
          FROM vol_c c WHERE pg_temp.rnd(c.id, 40) < %s
        """,
        [first, first_rep, args.overdue, args.reports],
    )
    count = clone_from(
        cr,
        "quality_adverse_event",
        ae_tmpl,
        "vol_ae",
        {
            "name": "'AE-V' || lpad(d.n::text, 6, '0')",
            "complaint_id": "d.complaint_id",
            "company_id": str(company),
            "user_id": "coalesce(d.user_id, t.user_id)",
            "date_awareness": "d.date_received",
            "next_due_date": "d.date_due::date",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    cr.execute(
        "CREATE TEMP VIEW vol_rep AS SELECT report_id AS id, id AS ae_id, n, complaint_id, user_id, "
        "date_received, date_due FROM vol_ae"
    )
    reports = clone_from(
        cr,
        "quality_regulatory_report",
        rep_tmpl,
        "vol_rep",
        {
            "name": "'MIR-V' || lpad(d.n::text, 6, '0')",
            "adverse_event_id": "d.ae_id",
            "decision_id": "NULL",
            "complaint_id": "d.complaint_id",
            "company_id": str(company),
            "initial_report_id": "NULL",
            "follow_up_number": "0",
            "report_type": "'initial'",
            "attachment_id": "NULL",
            "state": "'draft'",
            "render_state": "'none'",
            "render_event_uid": "NULL",
            "file_name": "NULL",
            "file_sha256": "NULL",
            "validation_errors": "NULL",
            "rendered_on": "NULL",
            "submission_ref": "NULL",
            "submitted_on": "NULL",
            "submitted_by_id": "NULL",
            "ack_ref": "NULL",
            "acknowledged_on": "NULL",
            "regulator_ref": "NULL",
            "mfr_report_number": "NULL",
            "date_due": "d.date_due",
            "date_escalated": "NULL",
            "create_date": "d.date_received",
            "write_date": "d.date_received",
        },
    )
    log(f"quality_adverse_event: {count} rows, quality_regulatory_report: {reports}")
    return count


# --------------------------------------------------------------------------- main
# big tables written in bulk: loaded without their indexes and FKs
LOADED_TABLES = ("sale_order_line", "stock_move", "quality_complaint_line", "quality_complaint_deadline")
FILLED_TABLES = (
    "sale_order",
    "sale_order_line",
    "stock_picking",
    "stock_move",
    "quality_complaint",
    "quality_complaint_line",
    "quality_complaint_line_move_line_rel",
    "quality_complaint_deadline",
    "quality_eight_d",
    "quality_eight_d_step",
    "quality_complaint_quality_eight_d_rel",
    "quality_capa",
    "quality_capa_check",
    "quality_adverse_event",
    "quality_regulatory_report",
)


def fill(args):
    """Add sales, complaints, 8Ds, CAPAs and reports to the stock database ``args.db``."""
    t0 = time.monotonic()
    conn = containment.connect(args, args.db)
    cr = TimedCursor(conn.cursor())
    cr.execute(RANDOM_FUNCTION % {"seed": int(args.seed) % 1000003})
    company = xmlid(cr, "base", "main_company")
    cr.execute("SELECT out_type_id FROM stock_warehouse WHERE company_id = %s ORDER BY id LIMIT 1", [company])
    ctx = {"company": company, "out_type": cr.fetchone()[0]}
    # the bulk writes go to tables without their secondary indexes and FKs (re-created and checked after)
    indexes, fks = containment.drop_indexes_and_fks(cr, LOADED_TABLES)
    log(f"dropped {len(indexes)} indexes and {len(fks)} foreign keys of {', '.join(LOADED_TABLES)}")
    fill_sales(cr, args, ctx)
    fill_complaints(cr, args, ctx)
    fill_eight_d(cr, args, ctx)
    fill_capa(cr, args, ctx)
    fill_reports(cr, args, ctx)
    log("re-creating indexes")
    containment.restore_indexes_and_fks(cr, indexes, fks)
    conn.commit()
    conn.autocommit = True
    log("VACUUM ANALYZE")
    for table in FILLED_TABLES:
        cr.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    conn.autocommit = False
    sizes = {}
    for table in FILLED_TABLES:
        cr.execute(
            sql.SQL("SELECT count(*), pg_size_pretty(pg_total_relation_size(%s)) FROM {}").format(
                sql.Identifier(table)
            ),
            [table],
        )
        sizes[table] = cr.fetchone()
    params = fingerprint(args)
    params["filled_in_s"] = round(time.monotonic() - t0, 1)
    params["form_complaint_id"] = ctx["form_complaint"]
    params["form_order_id"] = ctx["form_order"]
    params["sizes"] = {t: {"rows": r, "size": s} for t, (r, s) in sizes.items()}
    cr.execute(
        "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date) "
        "VALUES (%s, %s, 1, 1, now(), now()) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [PARAMS_KEY, json.dumps(params)],
    )
    conn.commit()
    conn.close()
    log(f"complaints and sales added in {params['filled_in_s']}s")
    for table, (rows, size) in sizes.items():
        print(f"  {table:<40} {rows:>10,} rows  {size}")
    return params


def check(args, sample=200):
    """Recompute stored fields of a sample with the ORM and compare; read the form's records."""
    sys.path[:0] = [p for p in [os.environ.get("ODOO_SRC", "")] if p and p not in sys.path]
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["-d", args.db, "--addons-path", args.addons_path, "--log-level", "warn"]
        + ["--db_host", str(args.db_host), "--db_port", str(args.db_port)]
        + ["--db_user", args.db_user, "--db_password", args.db_password]
    )
    problems = []
    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        complaints = env["quality.complaint"].search([("name", "like", "-V")], limit=sample, order="id")
        eight_ds = env["quality.eight.d"].search([("name", "like", "8D-V")], limit=sample, order="id")
        capas = env["quality.capa"].search([("name", "like", "CAPA-V")], limit=sample, order="id")
        lines = complaints.line_ids
        stored = {
            "complaint.date_deadline": complaints.mapped("date_deadline"),
            "8d.date_step_due": eight_ds.mapped("date_step_due"),
            "capa.on_time_rate": capas.mapped("on_time_rate"),
            "capa.effectiveness_rate": capas.mapped("effectiveness_rate"),
            "line.qty_delivered": lines.mapped("qty_delivered"),
            "line.move_line_ids": [tuple(ids) for ids in lines.mapped(lambda line: line.move_line_ids.ids)],
        }
        env.add_to_compute(complaints._fields["date_deadline"], complaints)
        env.add_to_compute(eight_ds._fields["date_step_due"], eight_ds)
        env.add_to_compute(capas._fields["on_time_rate"], capas)
        env.add_to_compute(capas._fields["effectiveness_rate"], capas)
        env.add_to_compute(lines._fields["qty_delivered"], lines)
        env.add_to_compute(lines._fields["move_line_ids"], lines)
        computed = {
            "complaint.date_deadline": complaints.mapped("date_deadline"),
            "8d.date_step_due": eight_ds.mapped("date_step_due"),
            "capa.on_time_rate": capas.mapped("on_time_rate"),
            "capa.effectiveness_rate": capas.mapped("effectiveness_rate"),
            "line.qty_delivered": lines.mapped("qty_delivered"),
            "line.move_line_ids": [tuple(ids) for ids in lines.mapped(lambda line: line.move_line_ids.ids)],
        }
        for key, values in stored.items():
            wrong = sum(1 for a, b in zip(values, computed[key]) if a != b)
            if wrong:
                problems.append(f"{key}: {wrong} of {len(values)} differ from the ORM's compute")
        cr.rollback()
    for problem in problems:
        print(f"  CHECK: {problem}")
    if not problems:
        print(f"  check: stored fields of {sample} records per model agree with the ORM")
    return problems


def main(argv=None):
    args = parse_args(argv)
    wanted = fingerprint(args)
    current = stored_params(args)
    if current and not args.force and {k: current.get(k) for k in wanted} == wanted:
        print(
            f"{args.db} already holds data generated with {json.dumps(wanted)}; reusing it (--force rebuilds)"
        )
    else:
        t0 = time.monotonic()
        if not args.skip_stock:
            containment.generate(stock_args(args))
        params = fill(args)
        total = round(time.monotonic() - t0, 1)
        log(f"database {args.db} generated in {total}s (stock history and complaints)")
        with containment.connect(args, args.db) as conn, conn.cursor() as cr:
            params["generated_in_s"] = total
            cr.execute(
                "UPDATE ir_config_parameter SET value = %s WHERE key = %s", [json.dumps(params), PARAMS_KEY]
            )
    if args.check:
        return 1 if check(args) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
