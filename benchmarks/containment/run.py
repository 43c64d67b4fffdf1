#!/usr/bin/env python3
# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the containment lookup against Odoo's lot traceability report.

In one process connected to the benchmark database (see generate.py), for a
fixed-seed sample of lots of each class (typical / warm / hot, by number of
move lines), time

* ours:  ``lot._complaint_whereabouts()``
* Odoo:  ``stock.traceability.report.get_lines()`` with the context the
  "Traceability" button of the lot form gives it (the client action sends
  active_id, model='stock.lot', lot_name=False, auto_unfold=False,
  ttype=False, lang to ``get_main_lines``, which calls ``get_lines``),

each after a warm-up, ``--repeat`` times, alternating which goes first,
invalidating the ORM cache (``env.invalidate_all()``) before every call, and
report per-lot medians, the ratio ours / Odoo per lot class and overall
(goal: <= 1.0).  ``--log-sql`` prints the SQL our lookup emits for one lot
of each class with ``EXPLAIN (ANALYZE, BUFFERS)``.

Run with Odoo's Python::

    python benchmarks/containment/run.py   # with the Python that runs Odoo
"""

import argparse
import gc
import json
import os
import random
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# Run with the Python that runs Odoo; ODOO_SRC points at a source checkout
# when `import odoo` does not work on its own.
ODOO_SRC = os.environ.get("ODOO_SRC", "")
if ODOO_SRC and ODOO_SRC not in sys.path:
    sys.path.insert(0, ODOO_SRC)

CLASSES = (  # name, min move lines, max move lines
    ("typical", 1, 30),
    ("warm", 31, 999),
    ("hot", 1000, 10**9),
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="complaints_bench")
    p.add_argument("--typical", type=int, default=20, help="typical lots to sample (default %(default)s)")
    p.add_argument("--warm", type=int, default=8, help="warm lots to sample (default %(default)s)")
    p.add_argument("--hot", type=int, default=5, help="hot lots to sample (default %(default)s)")
    p.add_argument(
        "--lot",
        type=int,
        action="append",
        default=[],
        help="time this lot id (repeatable) instead of a sample",
    )
    p.add_argument("--repeat", type=int, default=7, help="timed runs per lot and side (default %(default)s)")
    p.add_argument(
        "--warmup", type=int, default=2, help="untimed runs per lot and side (default %(default)s)"
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--log-sql",
        action="store_true",
        help="print the SQL of our lookup for one lot per class, with EXPLAIN (ANALYZE, BUFFERS)",
    )
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--db-port", default=os.environ.get("PGPORT", "5432"))
    p.add_argument("--db-user", default=os.environ.get("PGUSER", "odoo"))
    p.add_argument("--db-password", default=os.environ.get("PGPASSWORD", "odoo"))
    p.add_argument("--addons-path", default=REPO)
    return p.parse_args(argv)


class SqlMeter:
    """Counts queries and their time on this thread; optionally keeps them."""

    def __init__(self):
        self.count = 0
        self.time = 0.0
        self.keep = None

    def __call__(self, cr, query, params, start, delay):
        self.count += 1
        self.time += delay
        if self.keep is not None:
            self.keep.append((query, params, delay))

    def install(self):
        thread = threading.current_thread()
        thread.query_hooks = getattr(thread, "query_hooks", ()) + (self,)

    def reset(self, keep=False):
        self.count, self.time = 0, 0.0
        self.keep = [] if keep else None


def class_of(n_lines):
    for name, low, high in CLASSES:
        if low <= n_lines <= high:
            return name
    return "typical"


def pick_lots(cr, args):
    cr.execute(
        "SELECT lot_id, count(*) FROM stock_move_line WHERE lot_id IS NOT NULL GROUP BY lot_id ORDER BY lot_id"
    )
    counts = dict(cr.fetchall())
    if args.lot:
        return [(class_of(counts.get(lot, 0)), lot, counts.get(lot, 0)) for lot in args.lot]
    rng = random.Random(args.seed)
    chosen = []
    for name, low, high in CLASSES:
        ids = [lot for lot, n in counts.items() if low <= n <= high]
        want = getattr(args, name)
        for lot in sorted(rng.sample(ids, min(want, len(ids)))):
            chosen.append((name, lot, counts[lot]))
    return chosen


def main(argv=None):
    args = parse_args(argv)
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [
            "-d",
            args.db,
            "--addons-path",
            args.addons_path,
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
    )
    registry = Registry(args.db)
    meter = SqlMeter()
    meter.install()

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not hasattr(env["stock.lot"], "_complaint_whereabouts"):
            raise SystemExit(f"{args.db}: odoo_addon_complaints is not installed")
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'complaints_bench.params'")
        row = cr.fetchone()
        params = json.loads(row[0]) if row else {}
        cr.execute("SELECT count(*) FROM stock_move_line")
        n_lines = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM stock_lot")
        n_lots = cr.fetchone()[0]
        print(
            f"database {args.db}: {n_lots:,} lots, {n_lines:,} move lines "
            f"(generated with {json.dumps({k: v for k, v in params.items() if k != 'sizes'})})"
        )
        cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('stock_move_line', 'stock_quant') "
            "AND indexdef ~ 'lot_id' ORDER BY 1"
        )
        for (indexdef,) in cr.fetchall():
            print(f"  index: {indexdef}")

        lots = pick_lots(cr, args)
        report_context = {  # what the lot's "Traceability" button makes the client send (get_main_lines)
            "active_id": None,
            "auto_unfold": False,
            "model": "stock.lot",
            "lot_name": False,
            "ttype": False,
            "lang": env.lang or "en_US",
        }

        def run_ours(lot_id):
            env.invalidate_all()
            lot = env["stock.lot"].browse(lot_id)
            gc.collect()
            meter.reset(keep=meter.keep is not None)
            t0 = time.perf_counter()
            rows = lot._complaint_whereabouts()
            return time.perf_counter() - t0, meter.count, meter.time, len(rows)

        def run_odoo(lot_id):
            env.invalidate_all()
            report = env["stock.traceability.report"].with_context(dict(report_context, active_id=lot_id))
            gc.collect()
            meter.reset()
            t0 = time.perf_counter()
            lines = report.get_lines()
            return time.perf_counter() - t0, meter.count, meter.time, len(lines)

        results = []
        header = (
            f"{'class':<8} {'lot':>8} {'lines':>6} | {'ours ms':>9} {'q':>3} {'sql%':>4} {'rows':>4} | "
            f"{'odoo ms':>9} {'q':>4} {'sql%':>4} {'lines':>5} | {'ratio':>6}"
        )
        print()
        print(header)
        print("-" * len(header))
        for cls, lot_id, n in lots:
            for _ in range(args.warmup):
                run_ours(lot_id)
                run_odoo(lot_id)
            ours, odoo_runs = [], []
            for rep in range(args.repeat):
                if rep % 2:
                    odoo_runs.append(run_odoo(lot_id))
                    ours.append(run_ours(lot_id))
                else:
                    ours.append(run_ours(lot_id))
                    odoo_runs.append(run_odoo(lot_id))
            o_ms = statistics.median(r[0] for r in ours) * 1000
            d_ms = statistics.median(r[0] for r in odoo_runs) * 1000
            o_sql = statistics.median(r[2] for r in ours) * 1000
            d_sql = statistics.median(r[2] for r in odoo_runs) * 1000
            res = {
                "class": cls,
                "lot_id": lot_id,
                "move_lines": n,
                "ours_ms": o_ms,
                "ours_queries": ours[-1][1],
                "ours_sql_ms": o_sql,
                "ours_rows": ours[-1][3],
                "odoo_ms": d_ms,
                "odoo_queries": odoo_runs[-1][1],
                "odoo_sql_ms": d_sql,
                "odoo_lines": odoo_runs[-1][3],
                "ratio": o_ms / d_ms if d_ms else float("inf"),
            }
            results.append(res)
            print(
                f"{cls:<8} {lot_id:>8} {n:>6} | {o_ms:>9.2f} {res['ours_queries']:>3} "
                f"{100 * o_sql / o_ms:>4.0f} {res['ours_rows']:>4} | {d_ms:>9.2f} {res['odoo_queries']:>4} "
                f"{100 * d_sql / d_ms:>4.0f} {res['odoo_lines']:>5} | {res['ratio']:>6.2f}",
                flush=True,
            )

        summary = summarize(results)
        print()
        print(
            f"{'class':<8} {'lots':>4} | {'ours median ms':>14} | {'odoo median ms':>14} | "
            f"{'ratio of medians':>16} | {'geomean ratio':>13} | {'worst lot':>9}"
        )
        for name, s in summary.items():
            print(
                f"{name:<8} {s['lots']:>4} | {s['ours_ms']:>14.2f} | {s['odoo_ms']:>14.2f} | "
                f"{s['ratio']:>16.2f} | {s['geomean_ratio']:>13.2f} | {s['worst_ratio']:>9.2f}"
            )
        overall = summary.get("overall")
        if overall:
            verdict = "meets" if overall["ratio"] <= 1.0 else "MISSES"
            print(
                f"\noverall ratio (median ours / median Odoo over all sampled lots): {overall['ratio']:.2f} "
                f"-> {verdict} the goal of <= 1.0"
            )
            bad = [n for n, s in summary.items() if n != "overall" and s["ratio"] > 1.0]
            if bad:
                print(f"classes above 1.0: {', '.join(bad)}")

        if args.log_sql:
            explain_ours(env, cr, meter, lots)

        if args.json:
            with open(args.json, "w") as f:
                json.dump({"db": args.db, "params": params, "lots": results, "summary": summary}, f, indent=2)
        cr.rollback()


def summarize(results):
    groups = {}
    for r in results:
        groups.setdefault(r["class"], []).append(r)
    groups["overall"] = list(results)
    summary = {}
    for name, rows in groups.items():
        ours = statistics.median(r["ours_ms"] for r in rows)
        odoo = statistics.median(r["odoo_ms"] for r in rows)
        summary[name] = {
            "lots": len(rows),
            "ours_ms": ours,
            "odoo_ms": odoo,
            "ratio": ours / odoo if odoo else float("inf"),
            "geomean_ratio": statistics.geometric_mean([r["ratio"] for r in rows]),
            "worst_ratio": max(r["ratio"] for r in rows),
        }
    return summary


def explain_ours(env, cr, meter, lots):
    seen = set()
    for cls, lot_id, n in lots:
        if cls in seen:
            continue
        seen.add(cls)
        env.invalidate_all()
        meter.reset(keep=True)
        env["stock.lot"].browse(lot_id)._complaint_whereabouts()
        queries = meter.keep
        meter.reset()
        print(
            f"\n=== SQL of _complaint_whereabouts() for {cls} lot {lot_id} ({n} move lines): "
            f"{len(queries)} queries"
        )
        for i, (query, params, delay) in enumerate(queries, 1):
            text = cr._obj.mogrify(query, params).decode()
            print(f"\n--- query {i} ({delay * 1000:.2f} ms)\n{text}")
            if text.lstrip().upper().startswith("SELECT"):
                cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
                print("\n".join("    " + r[0] for r in cr.fetchall()))


if __name__ == "__main__":
    main()
