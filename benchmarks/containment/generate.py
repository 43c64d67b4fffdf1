#!/usr/bin/env python3
# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Build the containment benchmark database (``complaints_bench`` by default).

The database is created with sale_stock, repair and sale_management (demo
data) and ``odoo_addon_complaints``, or copied from ``--template``; it is then
filled with bulk SQL -- ``INSERT ... SELECT generate_series`` for master data
and ``COPY`` for the stock history, never the ORM:

* a few hundred lot-tracked products (clones of a demo lot-tracked product),
* customers (companies with delivery contacts) and vendors,
* ~100,000 lots and ~1,000,000 *done* stock.move + stock.move.line rows
  (1:1): receipts into stock, internal moves between the stock sub-locations,
  deliveries to the customer location grouped in pickings with a partner,
  returns of those deliveries, inventory adjustments, plus a few open
  (reserved, not yet shipped) deliveries,
* the stock.quant rows that this history leaves behind (every location, like
  Odoo: negative at vendors, positive at customers, reserved quantities for
  the open deliveries), and stock.lot.location_id.

Movements per lot follow a long tail: most lots have 3-15 movements (mean ~7), ~1% are
"warm" (50-300 movements) and 1 lot in 5,000 is "hot" (1,000-10,000
movements, e.g. a bulk raw material lot shipped in small quantities to many
customers for years).

Secondary indexes and foreign keys of the filled tables are dropped during the
load and re-created from their saved definitions afterwards (re-adding the FKs
validates every reference), then the tables are VACUUM ANALYZEd.

Running it again with the same parameters reuses the database (the parameters
are stored in ir.config_parameter ``complaints_bench.params``); ``--force``
rebuilds it.  Run with Odoo's Python (psycopg2 is needed)::

    python benchmarks/containment/generate.py   # with the Python that runs Odoo
"""

import argparse
import bisect
import datetime as dt
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time

import psycopg2
from psycopg2 import sql

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ADDON = "odoo_addon_complaints"
PARAMS_KEY = "complaints_bench.params"
GENERATOR_VERSION = 1  # bump when the shape of the generated data changes

# Tables filled by COPY: their secondary indexes and FKs are dropped for the load.
BULK_TABLES = ("stock_lot", "stock_picking", "stock_move", "stock_move_line", "stock_quant")

T_END = dt.datetime(2025, 9, 30, 18, 0, 0)  # fixed, so that a seed gives the same data
HISTORY_DAYS = 3 * 365


def log(msg, _t0=[time.monotonic()]):
    print(f"[{time.monotonic() - _t0[0]:7.1f}s] {msg}", flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="complaints_bench", help="benchmark database (default %(default)s)")
    p.add_argument("--lots", type=int, default=100_000, help="number of lots (default %(default)s)")
    p.add_argument(
        "--move-lines",
        type=int,
        default=1_000_000,
        help="target number of stock move lines, +-1%% (default %(default)s)",
    )
    p.add_argument("--products", type=int, default=300, help="lot-tracked products (default %(default)s)")
    p.add_argument("--customers", type=int, default=3000, help="customer companies (default %(default)s)")
    p.add_argument("--vendors", type=int, default=60, help="vendor companies (default %(default)s)")
    p.add_argument("--seed", type=int, default=20260101, help="random seed (default %(default)s)")
    p.add_argument(
        "--template",
        default="",
        help="template database to copy (default %(default)s); '' to create a fresh "
        "database with Odoo (slower)",
    )
    p.add_argument("--force", action="store_true", help="rebuild even if the parameters match")
    p.add_argument(
        "--no-update",
        action="store_true",
        help="when reusing the database, do not update the addon in it (-u) first",
    )
    p.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--db-port", default=os.environ.get("PGPORT", "5432"))
    p.add_argument("--db-user", default=os.environ.get("PGUSER", "odoo"))
    p.add_argument("--db-password", default=os.environ.get("PGPASSWORD", "odoo"))
    p.add_argument("--odoo-bin", default=os.environ.get("ODOO_BIN") or shutil.which("odoo") or "odoo")
    p.add_argument("--addons-path", default=REPO, help="addons path holding the addon (default %(default)s)")
    p.add_argument("--filestore", default=os.path.expanduser("~/.local/share/Odoo/filestore"))
    return p.parse_args(argv)


def connect(args, dbname):
    return psycopg2.connect(
        dbname=dbname, host=args.db_host, port=args.db_port, user=args.db_user, password=args.db_password
    )


def fingerprint(args):
    return {
        "generator": GENERATOR_VERSION,
        "lots": args.lots,
        "move_lines": args.move_lines,
        "products": args.products,
        "customers": args.customers,
        "vendors": args.vendors,
        "seed": args.seed,
        "template": args.template,
    }


# --------------------------------------------------------------------------- database
def db_exists(args, name):
    with connect(args, "postgres") as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def stored_params(args):
    if not db_exists(args, args.db):
        return None
    try:
        conn = connect(args, args.db)
    except psycopg2.Error:
        return None
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [PARAMS_KEY])
            row = cr.fetchone()
            return json.loads(row[0]) if row else None
    except psycopg2.Error:
        return None
    finally:
        conn.close()


def create_database(args):
    conn = connect(args, "postgres")
    conn.autocommit = True
    with conn.cursor() as cr:
        log(f"dropping database {args.db} (if any)")
        cr.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db)))
        if args.template:
            log(f"creating {args.db} from template {args.template}")
            cr.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(args.db), sql.Identifier(args.template)
                )
            )
    conn.close()
    dest = os.path.join(args.filestore, args.db)
    shutil.rmtree(dest, ignore_errors=True)
    src = os.path.join(args.filestore, args.template) if args.template else None
    if src and os.path.isdir(src):
        shutil.copytree(src, dest)
    log(f"installing {ADDON} with Odoo")
    cmd = odoo_command(args, "-i")
    if not args.template:
        cmd[cmd.index(ADDON)] = (
            "sale_stock,repair,sale_management," + ADDON
        )  # with demo data (partners, lots)
    subprocess.run(cmd, check=True)


def odoo_command(args, mode):
    return [
        args.odoo_bin,
        "-d",
        args.db,
        "--addons-path",
        args.addons_path,
        mode,
        ADDON,
        "--stop-after-init",
        "--no-http",
        "--log-level",
        "warn",
        "--db_host",
        str(args.db_host),
        "--db_port",
        str(args.db_port),
        "--db_user",
        args.db_user,
        "--db_password",
        args.db_password,
    ]


# --------------------------------------------------------------------------- helpers
def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [r[0] for r in cr.fetchall()]


def clone_rows(cr, table, template_id, count, overrides):
    """INSERT count copies of row template_id, column expressions overridden.

    Expressions may use g (1..count) and t (the template row). Returns the ids.
    """
    cr.execute(sql.SQL("SELECT max(id) FROM {}").format(sql.Identifier(table)))
    start = (cr.fetchone()[0] or 0) + 1
    overrides = dict(overrides, id=f"{start} + g - 1")
    cols = columns(cr, table)
    exprs = [
        sql.SQL(overrides[c]) if c in overrides else sql.SQL("t.{}").format(sql.Identifier(c)) for c in cols
    ]
    cr.execute(
        sql.SQL(
            "INSERT INTO {tbl} ({cols}) SELECT {exprs} FROM {tbl} t, generate_series(1, %s) g WHERE t.id = %s"
        ).format(
            tbl=sql.Identifier(table),
            cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
            exprs=sql.SQL(", ").join(exprs),
        ),
        [count, template_id],
    )
    reset_sequence(cr, table)
    return list(range(start, start + count))


def reset_sequence(cr, table):
    cr.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT coalesce(max(id), 1) FROM {}))".format(
            table
        ),
        [table],
    )


def xmlid(cr, module, name):
    cr.execute("SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s", [module, name])
    row = cr.fetchone()
    if not row:
        raise SystemExit(f"missing record {module}.{name} in the template database")
    return row[0]


def ts(seconds):
    return (T_END + dt.timedelta(seconds=int(seconds))).strftime("%Y-%m-%d %H:%M:%S")


class CopyBuffer:
    """Rows for COPY ... FROM STDIN (text format), flushed every `chunk` rows."""

    def __init__(self, cr, table, cols, chunk=200_000):
        self.cr, self.table, self.cols, self.chunk = cr, table, cols, chunk
        self.buf, self.n, self.total = io.StringIO(), 0, 0

    def add(self, *values):
        self.buf.write("\t".join(r"\N" if v is None else str(v) for v in values))
        self.buf.write("\n")
        self.n += 1
        if self.n >= self.chunk:
            self.flush()

    def flush(self):
        if self.n:
            self.buf.seek(0)
            self.cr.copy_expert(f"COPY {self.table} ({', '.join(self.cols)}) FROM STDIN", self.buf)
            self.total += self.n
        self.buf, self.n = io.StringIO(), 0


# --------------------------------------------------------------------------- indexes / FKs
def drop_indexes_and_fks(cr, tables=BULK_TABLES):
    """Drop secondary indexes and outgoing FKs of ``tables``; return the DDL to restore them."""
    cr.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(tables)],
    )
    indexes = cr.fetchall()
    cr.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'
        """,
        [list(tables)],
    )
    fks = cr.fetchall()
    for table, name, _definition in fks:
        cr.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name))
        )
    for name, _definition in indexes:
        cr.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return indexes, fks


def restore_indexes_and_fks(cr, indexes, fks):
    cr.execute("SET maintenance_work_mem = '1GB'")
    for name, definition in indexes:
        t0 = time.monotonic()
        cr.execute(definition)
        if time.monotonic() - t0 > 2:
            log(f"  index {name}: {time.monotonic() - t0:.1f}s")
    log(f"re-created {len(indexes)} indexes; re-adding {len(fks)} foreign keys (validates them)")
    for table, name, definition in fks:
        cr.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.Identifier(table), sql.Identifier(name))
            + sql.SQL(definition)
        )


# --------------------------------------------------------------------------- simulation
# event fields (lists, mutated in place)
E_T, E_LOT, E_KIND, E_SRC, E_DST, E_QTY, E_REF, E_ID, E_PICK = range(9)
IN, OUT, RET, INT, INV, OPEN = "in", "out", "ret", "int", "inv", "open"


def movements_per_lot(rng, args):
    """Number of movements of each lot and its class (typical / warm / hot)."""
    n_lots = args.lots
    n_hot = max(1, round(n_lots / 5000))
    n_warm = max(1, round(n_lots / 100))
    order = list(range(n_lots))
    rng.shuffle(order)
    counts, classes = [0] * n_lots, ["typical"] * n_lots
    budget = args.move_lines
    for i in order[:n_hot]:
        counts[i] = int(1000 * 10 ** rng.random())  # 1,000..10,000, log-uniform
        classes[i] = "hot"
    for i in order[n_hot : n_hot + n_warm]:
        counts[i] = rng.randint(50, 300)
        classes[i] = "warm"
    rest = order[n_hot + n_warm :]
    # ~1.5% of the typical lots get an extra open delivery line; the rest is spread with a gamma law
    mean = (budget - sum(counts) - 0.015 * len(rest)) / max(1, len(rest))
    if mean < 2:
        raise SystemExit(f"--move-lines {budget} is too small for --lots {n_lots}")
    for i in rest:
        counts[i] = max(1, round(rng.gammavariate(4.0, mean / 4.0)))
    return counts, classes


def simulate(rng, args, ctx, counts, classes):
    """Return the list of events of every lot plus the final balances."""
    stock, internal = ctx["stock"], ctx["internal"]
    vendor, customer, inventory = ctx["vendor"], ctx["customer"], ctx["inventory"]
    events = []
    balances = []  # per lot: {location: qty}
    reserved = []  # per lot: {location: reserved qty}
    first_in = []
    span_all = HISTORY_DAYS * 86400
    for lot, n in enumerate(counts):
        hot = classes[lot] != "typical"
        if hot:
            start = -span_all + rng.random() * span_all * 0.1
            span = -start - 86400 * 3
        else:
            start = -span_all + rng.random() * (span_all - 86400 * 20)
            span = min(-start - 86400 * 3, rng.uniform(30, 400) * 86400)
        gap = span / max(1, n)
        t = start
        qty_in = rng.randint(100, 1000) * 100 if hot else rng.randint(2, 40) * 10
        onhand = {stock: qty_in}
        bal = {vendor: -qty_in, stock: qty_in}
        res = {}
        outstanding = []  # deliveries of this lot not (fully) returned: [event, qty]
        events.append([t, lot, IN, vendor, stock, qty_in, None, 0, 0])
        first_in.append(t)
        for _k in range(n - 1):
            t += rng.expovariate(1.0 / gap) if gap > 0 else 1
            t = min(t, -60.0)
            r = rng.random()
            total = sum(onhand.values())
            if r < 0.04 and outstanding:
                j = rng.randrange(len(outstanding))
                ev_out, left = outstanding[j]
                q = rng.randint(1, min(left, 5 if not hot else 50))
                if q == left:
                    outstanding[j] = outstanding[-1]
                    outstanding.pop()
                else:
                    outstanding[j][1] = left - q
                ev = [t, lot, RET, customer, ev_out[E_SRC], q, ev_out, 0, 0]
            elif total <= 0:
                q = rng.randint(100, 1000) * 100 if hot else rng.randint(2, 40) * 10
                ev = [t, lot, IN, vendor, stock, q, None, 0, 0]
            elif r < 0.07:
                if rng.random() < 0.6:
                    src = rng.choice([loc for loc, q in onhand.items() if q > 0])
                    ev = [t, lot, INV, src, inventory, rng.randint(1, min(3, onhand[src])), None, 0, 0]
                else:
                    ev = [t, lot, INV, inventory, stock, rng.randint(1, 5), None, 0, 0]
            elif r < 0.30:
                src = rng.choice([loc for loc, q in onhand.items() if q > 0])
                dst = rng.choice([loc for loc in internal if loc != src])
                q = onhand[src] if rng.random() < 0.5 else rng.randint(1, onhand[src])
                ev = [t, lot, INT, src, dst, q, None, 0, 0]
            else:
                src = rng.choice([loc for loc, q in onhand.items() if q > 0])
                if hot:
                    q = min(onhand[src], rng.randint(1, 500))
                else:
                    q = min(onhand[src], max(1, round(qty_in * rng.uniform(0.05, 0.35))))
                ev = [t, lot, OUT, src, customer, q, None, 0, 0]
                outstanding.append([ev, q])
            src, dst, q = ev[E_SRC], ev[E_DST], ev[E_QTY]
            if src in onhand or src in internal:
                onhand[src] = onhand.get(src, 0) - q
            if dst in internal:
                onhand[dst] = onhand.get(dst, 0) + q
            bal[src] = bal.get(src, 0) - q
            bal[dst] = bal.get(dst, 0) + q
            events.append(ev)
        # open (reserved, not shipped) deliveries
        if (hot and rng.random() < 0.5) or (not hot and rng.random() < 0.015):
            avail = [loc for loc, q in onhand.items() if q > 0]
            if avail:
                src = rng.choice(avail)
                q = min(onhand[src], rng.randint(1, 20))
                events.append([rng.uniform(60, 86400 * 5), lot, OPEN, src, customer, q, None, 0, 0])
                res[src] = res.get(src, 0) + q
        balances.append(bal)
        reserved.append(res)
    return events, balances, reserved, first_in


def assign_pickings(rng, args, ctx, events, customers, vendors, pick_buf):
    """Sort events by date, give them ids and group them into pickings (written to pick_buf)."""
    events.sort(key=lambda e: e[E_T])
    first_move_id = ctx["first_move_id"]
    for i, ev in enumerate(events):
        ev[E_ID] = first_move_id + i
    next_pick = [ctx["first_picking_id"]]
    seq = {}
    company, user = ctx["company"], ctx["user"]
    pick_partner = {}
    pick_name = {}
    # Zipf-like: a few customers get most deliveries
    cust_weights = [1.0 / (k + 1) ** 0.8 for k in range(len(customers))]
    cust_cum = []
    acc = 0.0
    for w in cust_weights:
        acc += w
        cust_cum.append(acc)

    def pick_customer():
        contacts = customers[bisect.bisect_left(cust_cum, rng.random() * acc)]
        return rng.choice(contacts)

    def new_picking(kind, ev, partner, size, return_of=None):
        pid = next_pick[0]
        next_pick[0] += 1
        type_id, prefix = ctx["types"][kind]
        seq[prefix] = seq.get(prefix, 0) + 1  # returns may share the receipts' sequence
        name = f"{prefix}{seq[prefix]:07d}"
        state = "assigned" if ev[E_KIND] == OPEN else "done"
        origin = (
            f"Return of {pick_name[return_of]}"
            if return_of
            else (f"S{pid:07d}" if kind == OUT else f"P{pid:07d}" if kind == IN else None)
        )
        current = {
            "id": pid,
            "left": size,
            "kind": kind,
            "t0": ev[E_T],
            "t1": ev[E_T],
            "partner": partner,
            "src": level(ev[E_SRC]),
            "dst": level(ev[E_DST]),
            "state": state,
            "name": name,
            "origin": origin,
            "return_id": return_of,
            "type": type_id,
        }
        pick_partner[pid] = partner
        pick_name[pid] = name
        return current

    def write_picking(p):
        if p is None:
            return
        done = p["state"] == "done"
        pick_buf.add(
            p["id"],
            p["name"],
            p["origin"],
            "direct",
            p["state"],
            "0",
            p["src"],
            p["dst"],
            p["type"],
            p["partner"],
            company,
            user,
            ts(p["t0"]),
            ts(p["t0"]),
            ts(p["t1"]) if done else None,
            ts(p["t0"]),
            ts(p["t1"]),
            user,
            user,
            "t" if done else "f",
            "f",
            "f",
            p["return_id"],
            "f",
            "f",
        )

    def level(loc):  # pickings and moves are at WH/Stock, their lines at the sub-location
        return ctx["stock"] if loc in ctx["internal"] else loc

    open_pick = {IN: None, OUT: None, INT: None, OPEN: None}
    for ev in events:
        kind = ev[E_KIND]
        if kind == INV:
            continue
        if kind == RET:
            delivery = ev[E_REF]
            p = new_picking(RET, ev, pick_partner[delivery[E_PICK]], 1, return_of=delivery[E_PICK])
            ev[E_PICK] = p["id"]
            write_picking(p)
            continue
        p = open_pick[kind]
        # a picking holds consecutive movements of one kind between the same locations
        if p is None or p["left"] <= 0 or p["src"] != level(ev[E_SRC]) or p["dst"] != level(ev[E_DST]):
            write_picking(p)
            if kind == IN:
                p = new_picking(IN, ev, rng.choice(vendors), rng.randint(1, 10))
            elif kind in (OUT, OPEN):
                p = new_picking(OUT, ev, pick_customer(), rng.randint(1, 8))
            else:
                p = new_picking(INT, ev, None, rng.randint(1, 5))
            open_pick[kind] = p
        p["left"] -= 1
        p["t1"] = ev[E_T]
        ev[E_PICK] = p["id"]
    for p in open_pick.values():
        write_picking(p)
    pick_buf.flush()
    return pick_partner, pick_name


# --------------------------------------------------------------------------- main
def generate(args):
    t_start = time.monotonic()
    rng = random.Random(args.seed)
    create_database(args)
    conn = connect(args, args.db)
    cr = conn.cursor()

    # ---- reference data of the template database
    company = xmlid(cr, "base", "main_company")
    user = xmlid(cr, "base", "user_admin")
    cr.execute(
        "SELECT id, lot_stock_id, in_type_id, out_type_id, int_type_id FROM stock_warehouse "
        "WHERE company_id = %s ORDER BY id LIMIT 1",
        [company],
    )
    warehouse, stock, in_type, out_type, int_type = cr.fetchone()
    cr.execute("SELECT parent_path FROM stock_location WHERE id = %s", [stock])
    stock_path = cr.fetchone()[0]
    cr.execute(
        "SELECT id FROM stock_location WHERE parent_path LIKE %s AND usage = 'internal' AND active "
        "ORDER BY id",
        [stock_path + "%"],
    )
    internal = [r[0] for r in cr.fetchall()]
    cr.execute(
        "SELECT id FROM stock_location WHERE usage = 'inventory' AND company_id = %s AND active "
        "ORDER BY id LIMIT 1",
        [company],
    )
    inventory = cr.fetchone()[0]
    cr.execute("SELECT return_picking_type_id FROM stock_picking_type WHERE id = %s", [out_type])
    ret_type = cr.fetchone()[0] or in_type

    def type_prefix(type_id):
        cr.execute(
            "SELECT s.prefix FROM stock_picking_type pt JOIN ir_sequence s ON s.id = pt.sequence_id "
            "WHERE pt.id = %s",
            [type_id],
        )
        return cr.fetchone()[0]

    ctx = {
        "company": company,
        "user": user,
        "warehouse": warehouse,
        "stock": stock,
        "internal": internal,
        "vendor": xmlid(cr, "stock", "stock_location_suppliers"),
        "customer": xmlid(cr, "stock", "stock_location_customers"),
        "inventory": inventory,
        "types": {
            IN: (in_type, type_prefix(in_type)),
            OUT: (out_type, type_prefix(out_type)),
            INT: (int_type, type_prefix(int_type)),
            RET: (ret_type, type_prefix(ret_type)),
        },
    }
    log(
        f"company {company}, warehouse {warehouse}, stock {stock}, internal locations {internal}, "
        f"customers {ctx['customer']}, vendors {ctx['vendor']}, inventory {inventory}"
    )

    # ---- master data: products, partners (INSERT ... SELECT generate_series)
    cr.execute(
        "SELECT p.id, p.product_tmpl_id FROM product_product p JOIN product_template t "
        "ON t.id = p.product_tmpl_id WHERE t.tracking = 'lot' AND t.is_storable AND t.active "
        "AND p.active ORDER BY p.id LIMIT 1"
    )
    tmpl_product, tmpl_template = cr.fetchone()
    tmpl_ids = clone_rows(
        cr,
        "product_template",
        tmpl_template,
        args.products,
        {
            "name": "jsonb_build_object('en_US', 'Bench Part ' || lpad(g::text, 4, '0'))",
            "default_code": "'BP-' || lpad(g::text, 4, '0')",
            "create_date": "now() at time zone 'UTC'",
            "write_date": "now() at time zone 'UTC'",
        },
    )
    product_ids = clone_rows(
        cr,
        "product_product",
        tmpl_product,
        args.products,
        {
            "product_tmpl_id": f"{tmpl_ids[0]} + g - 1",
            "default_code": "'BP-' || lpad(g::text, 4, '0')",
            "barcode": "NULL",
            "create_date": "now() at time zone 'UTC'",
            "write_date": "now() at time zone 'UTC'",
        },
    )
    cr.execute("SELECT uom_id FROM product_template WHERE id = %s", [tmpl_template])
    uom = cr.fetchone()[0]
    cr.execute(
        "SELECT p.id, t.name->>'en_US', p.default_code FROM product_product p "
        "JOIN product_template t ON t.id = p.product_tmpl_id WHERE p.id = ANY(%s)",
        [product_ids],
    )
    product_label = {pid: f"[{code}] {name}" for pid, name, code in cr.fetchall()}

    company_tmpl = xmlid(cr, "base", "res_partner_2")
    cr.execute("SELECT min(id) FROM res_partner WHERE parent_id = %s", [company_tmpl])
    contact_tmpl = cr.fetchone()[0]

    def partner_companies(count, label, rank_col):
        return clone_rows(
            cr,
            "res_partner",
            company_tmpl,
            count,
            {
                "name": f"'Bench {label} ' || lpad(g::text, 5, '0')",
                "complete_name": f"'Bench {label} ' || lpad(g::text, 5, '0')",
                "commercial_company_name": f"'Bench {label} ' || lpad(g::text, 5, '0')",
                "email": f"'{label.lower()}' || g || '@bench.example.com'",
                "email_normalized": f"'{label.lower()}' || g || '@bench.example.com'",
                "ref": f"'{label[:1]}' || g",
                "vat": "NULL",
                "barcode": "NULL",
                "partner_gid": "NULL",
                rank_col: "1",
                "commercial_partner_id": "NULL",
                "create_date": "now() at time zone 'UTC'",
                "write_date": "now() at time zone 'UTC'",
            },
        )

    customer_ids = partner_companies(args.customers, "Customer", "customer_rank")
    vendor_ids = partner_companies(args.vendors, "Vendor", "supplier_rank")
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id >= %s", [customer_ids[0]])
    # 1..3 delivery contacts per customer (pickings go to the contact; the commercial entity is the company)
    n_contacts = [rng.randint(1, 3) for _ in customer_ids]
    cr.execute("CREATE TEMP TABLE bench_contact (g int PRIMARY KEY, parent int)")
    buf = CopyBuffer(cr, "bench_contact", ["g", "parent"])
    g = 0
    for cid, n in zip(customer_ids, n_contacts):
        for _ in range(n):
            g += 1
            buf.add(g, cid)
    buf.flush()
    contact_ids = clone_rows(
        cr,
        "res_partner",
        contact_tmpl,
        g,
        {
            "name": "'Contact ' || g",
            "parent_id": "(SELECT parent FROM bench_contact b WHERE b.g = g.g)",
            "commercial_partner_id": "(SELECT parent FROM bench_contact b WHERE b.g = g.g)",
            "type": "'delivery'",
            "complete_name": "(SELECT p.name FROM bench_contact b JOIN res_partner p ON p.id = b.parent "
            "WHERE b.g = g.g) || ', Contact ' || g",
            "commercial_company_name": "(SELECT p.name FROM bench_contact b JOIN res_partner p ON p.id = b.parent "
            "WHERE b.g = g.g)",
            "email": "'contact' || g || '@bench.example.com'",
            "email_normalized": "'contact' || g || '@bench.example.com'",
            "vat": "NULL",
            "barcode": "NULL",
            "partner_gid": "NULL",
            "ref": "NULL",
            "create_date": "now() at time zone 'UTC'",
            "write_date": "now() at time zone 'UTC'",
        },
    )
    customers = []
    it = iter(contact_ids)
    for cid, n in zip(customer_ids, n_contacts):
        customers.append([cid] + [next(it) for _ in range(n)])
    log(
        f"master data: {len(product_ids)} products, {len(customer_ids)} customers with "
        f"{len(contact_ids)} delivery contacts, {len(vendor_ids)} vendors"
    )

    # ---- simulate the stock history
    counts, classes = movements_per_lot(rng, args)
    events, balances, reserved, first_in = simulate(rng, args, ctx, counts, classes)
    log(f"simulated {len(events)} movements of {args.lots} lots")

    indexes, fks = drop_indexes_and_fks(cr)
    log(f"dropped {len(indexes)} secondary indexes and {len(fks)} foreign keys of {', '.join(BULK_TABLES)}")

    for table in BULK_TABLES:
        cr.execute(sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(sql.Identifier(table)))
        ctx["first_" + table.replace("stock_", "") + "_id"] = cr.fetchone()[0]

    # ---- lots
    lot_product = [
        product_ids[min(len(product_ids) - 1, int(len(product_ids) * rng.random() ** 1.5))]
        for _ in range(args.lots)
    ]
    first_lot = ctx["first_lot_id"]
    lot_location = {}
    for lot, bal in enumerate(balances):
        locs = [loc for loc in internal if bal.get(loc, 0) > 0]
        lot_location[lot] = locs[0] if len(locs) == 1 else None
    buf = CopyBuffer(
        cr,
        "stock_lot",
        [
            "id",
            "name",
            "product_id",
            "product_uom_id",
            "company_id",
            "location_id",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
    )
    for lot in range(args.lots):
        created = ts(first_in[lot] - 3600)
        buf.add(
            first_lot + lot,
            f"L{first_lot + lot:07d}",
            lot_product[lot],
            uom,
            company,
            lot_location[lot],
            created,
            created,
            user,
            user,
        )
    buf.flush()
    log(f"stock_lot: {buf.total} rows")

    # ---- pickings
    pick_buf = CopyBuffer(
        cr,
        "stock_picking",
        [
            "id",
            "name",
            "origin",
            "move_type",
            "state",
            "priority",
            "location_id",
            "location_dest_id",
            "picking_type_id",
            "partner_id",
            "company_id",
            "user_id",
            "scheduled_date",
            "date",
            "date_done",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
            "is_locked",
            "printed",
            "has_deadline_issue",
            "return_id",
            "complaint_tightened_inspection",
            "complaint_reworked",
        ],
    )
    pick_partner, pick_name = assign_pickings(rng, args, ctx, events, customers, vendor_ids, pick_buf)
    log(f"stock_picking: {pick_buf.total} rows")

    # ---- moves and move lines (1:1)
    move_buf = CopyBuffer(
        cr,
        "stock_move",
        [
            "id",
            "name",
            "sequence",
            "priority",
            "company_id",
            "product_id",
            "product_uom",
            "product_uom_qty",
            "product_qty",
            "quantity",
            "location_id",
            "location_dest_id",
            "partner_id",
            "picking_id",
            "picking_type_id",
            "warehouse_id",
            "origin_returned_move_id",
            "state",
            "procure_method",
            "reference",
            "origin",
            "picked",
            "scrapped",
            "propagate_cancel",
            "is_inventory",
            "additional",
            "date",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
            "to_refund",
        ],
    )
    line_buf = CopyBuffer(
        cr,
        "stock_move_line",
        [
            "id",
            "picking_id",
            "move_id",
            "company_id",
            "product_id",
            "product_uom_id",
            "lot_id",
            "location_id",
            "location_dest_id",
            "state",
            "reference",
            "quantity",
            "quantity_product_uom",
            "picked",
            "date",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
    )
    internal_set = set(internal)
    first_line = ctx["first_move_line_id"]
    first_move = ctx["first_move_id"]
    kind_type = {
        IN: ctx["types"][IN][0],
        OUT: ctx["types"][OUT][0],
        OPEN: ctx["types"][OUT][0],
        INT: ctx["types"][INT][0],
        RET: ctx["types"][RET][0],
        INV: None,
    }
    for ev in events:
        kind, lot = ev[E_KIND], ev[E_LOT]
        product = lot_product[lot]
        pick = ev[E_PICK] or None
        state = "assigned" if kind == OPEN else "done"
        picked = "f" if kind == OPEN else "t"
        date = ts(ev[E_T])
        if kind == INV:
            name = reference = "Product Quantity Updated"
            origin = None
        else:
            reference = pick_name[pick]
            name = reference if kind == RET else product_label[product]
            origin = None
        partner = pick_partner.get(pick) if kind in (OUT, OPEN, RET) else None
        ret_of = ev[E_REF][E_ID] if kind == RET else None
        q = ev[E_QTY]
        move_id = ev[E_ID]
        move_src = stock if pick and ev[E_SRC] in internal_set else ev[E_SRC]
        move_dst = stock if pick and ev[E_DST] in internal_set else ev[E_DST]
        move_buf.add(
            move_id,
            name,
            10,
            "0",
            company,
            product,
            uom,
            q,
            q,
            q,
            move_src,
            move_dst,
            partner,
            pick,
            kind_type[kind],
            None if kind == INV else ctx["warehouse"],
            ret_of,
            state,
            "make_to_stock",
            reference,
            origin,
            picked,
            "f",
            "f",
            "t" if kind == INV else "f",
            "f",
            date,
            date,
            date,
            user,
            user,
            "t" if kind == RET else "f",
        )
        line_buf.add(
            first_line + (move_id - first_move),
            pick,
            move_id,
            company,
            product,
            uom,
            first_lot + lot,
            ev[E_SRC],
            ev[E_DST],
            state,
            reference,
            q,
            q,
            picked,
            date,
            date,
            date,
            user,
            user,
        )
    move_buf.flush()
    line_buf.flush()
    log(f"stock_move: {move_buf.total} rows, stock_move_line: {line_buf.total} rows")
    del events

    # ---- quants: the balance of every (lot, location), reserved quantities of open deliveries
    quant_buf = CopyBuffer(
        cr,
        "stock_quant",
        [
            "id",
            "product_id",
            "company_id",
            "location_id",
            "lot_id",
            "quantity",
            "reserved_quantity",
            "inventory_quantity",
            "inventory_diff_quantity",
            "inventory_quantity_set",
            "in_date",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
    )
    qid = ctx["first_quant_id"]
    company_of = {loc: company for loc in internal}
    company_of[inventory] = company
    for lot, bal in enumerate(balances):
        in_date = ts(first_in[lot])
        res = reserved[lot]
        for loc, q in bal.items():
            if q == 0 and not res.get(loc):
                continue
            quant_buf.add(
                qid,
                lot_product[lot],
                company_of.get(loc),
                loc,
                first_lot + lot,
                q,
                res.get(loc, 0),
                0,
                0,
                "f",
                in_date,
                in_date,
                in_date,
                user,
                user,
            )
            qid += 1
    quant_buf.flush()
    log(f"stock_quant: {quant_buf.total} rows")

    for table in BULK_TABLES:
        reset_sequence(cr, table)
    log("re-creating indexes")
    restore_indexes_and_fks(cr, indexes, fks)
    conn.commit()
    log("foreign keys valid")

    # ---- reference data for the run: lot classes and parameters
    params = fingerprint(args)
    conn.autocommit = True
    log("VACUUM ANALYZE")
    for table in BULK_TABLES + ("res_partner", "product_product", "product_template"):
        cr.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    cr.execute("ANALYZE")
    conn.autocommit = False
    sizes = {}
    for table in BULK_TABLES:
        cr.execute(
            sql.SQL("SELECT count(*), pg_size_pretty(pg_total_relation_size(%s)) FROM {}").format(
                sql.Identifier(table)
            ),
            [table],
        )
        sizes[table] = cr.fetchone()
    params["generated_in_s"] = round(time.monotonic() - t_start, 1)
    params["sizes"] = {t: {"rows": r, "size": s} for t, (r, s) in sizes.items()}
    cr.execute(
        "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date) "
        "VALUES (%s, %s, 1, 1, now(), now()) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [PARAMS_KEY, json.dumps(params)],
    )
    conn.commit()
    conn.close()
    log(f"done in {params['generated_in_s']}s")
    for table, (rows, size) in sizes.items():
        print(f"  {table:<18} {rows:>10,} rows  {size}")


def main(argv=None):
    args = parse_args(argv)
    wanted = fingerprint(args)
    current = stored_params(args)
    if current and not args.force and {k: current.get(k) for k in wanted} == wanted:
        print(
            f"{args.db} already holds data generated with {json.dumps(wanted)} "
            f"(in {current.get('generated_in_s')}s); reusing it (--force to rebuild)."
        )
        for table, info in (current.get("sizes") or {}).items():
            print(f"  {table:<18} {info['rows']:>10,} rows  {info['size']}")
        if not args.no_update:
            # the addon may have changed since (fields, indexes): bring the schema up to date
            log(f"updating {ADDON} in {args.db} (--no-update to skip)")
            subprocess.run(odoo_command(args, "-u"), check=True)
            with connect(args, args.db) as conn, conn.cursor() as cr:
                cr.execute("ANALYZE stock_move_line")
        return 0
    generate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
