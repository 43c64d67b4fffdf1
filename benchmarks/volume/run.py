#!/usr/bin/env python3
# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the complaint register against sale.order, and the escalation crons, at volume.

In one process connected to the database of generate.py, as the admin user,
time what the web client calls for

* the complaint list's first page with the action's default filter (*Open*),
  the kanban grouped by stage, the *Overdue* and *Due This Week* filters,
  the Pareto (complaint lines by product and category) and CAPA on-time
  (by month) graphs, and the form of the complaint with 50 lines,
* and the same views of sale.order (the *Sales Orders* action: list, kanban
  grouped by salesperson, its graph, the form of the order with 50 lines),

``web_search_read`` / ``web_read_group`` / ``web_read`` with the
specification built from the views the action loads (see webclient.py),
each *cold* (Odoo's ORM caches and registry caches cleared, a new
PostgreSQL connection) and *warm* (same connection, caches warm; the record
cache is emptied as every request of the web client starts with an empty
one), ``--repeat`` times, alternating which model goes first, and print the
medians and the ratio complaint / sale.order (goal: <= 1.5, the list's
first page <= 1.0).

Then run each escalation cron (complaint deadlines, 8D steps, regulatory
reports) once as ``ir.cron.method_direct_trigger`` does, committing its
batches as in production, on a copy of the database that is dropped
afterwards, and time it (``--no-crons`` to skip).

Run with the Python that runs Odoo::

    python benchmarks/volume/run.py --db complaints_volume
"""

import argparse
import gc
import json
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ODOO_SRC = os.environ.get("ODOO_SRC", "")
if ODOO_SRC and ODOO_SRC not in sys.path:
    sys.path.insert(0, ODOO_SRC)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "containment"))

import webclient  # noqa: E402

COMPLAINT_ACTION = "odoo_addon_complaints.action_quality_complaint"
OVERDUE_ACTION = "odoo_addon_complaints.action_quality_complaint_overdue"
PARETO_ACTION = "odoo_addon_complaints.action_quality_complaint_repeat"
ON_TIME_ACTION = "odoo_addon_complaints.action_quality_capa_analysis"
SALE_ACTION = "sale.action_orders"
CRONS = (  # label, cron, the model whose records it escalates
    ("deadlines", "odoo_addon_complaints.ir_cron_escalate_overdue_complaints", "quality.complaint.deadline"),
    ("8D steps", "odoo_addon_complaints.ir_cron_escalate_overdue_eight_d_steps", "quality.eight.d.step"),
    (
        "reports",
        "odoo_addon_complaints.ir_cron_escalate_overdue_regulatory_reports",
        "quality.regulatory.report",
    ),
)
GOAL, LIST_GOAL = 1.5, 1.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="complaints_volume")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per case, cold and warm (default 5)")
    p.add_argument("--no-crons", action="store_true", help="do not time the escalation crons")
    p.add_argument(
        "--cron-timeout",
        type=float,
        default=120,
        help="cancel a cron still running after this many seconds (default %(default)s)",
    )
    p.add_argument("--only", action="append", default=[], help="time only the cases whose name contains this")
    p.add_argument(
        "--explain",
        type=float,
        metavar="MS",
        help="instead of timing, print EXPLAIN ANALYZE of every query slower than MS of each case",
    )
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--db-port", default=os.environ.get("PGPORT", "5432"))
    p.add_argument("--db-user", default=os.environ.get("PGUSER", "odoo"))
    p.add_argument("--db-password", default=os.environ.get("PGPASSWORD", "odoo"))
    p.add_argument("--addons-path", default=REPO)
    return p.parse_args(argv)


def graph_call(env, action_xmlid, context):
    """The graph view's web_read_group of an action: (model, domain, measures, groupby, kwargs)."""
    from lxml import etree

    action = env.ref(action_xmlid)
    graph_view = next((v.view_id for v in action.view_ids if v.view_mode == "graph" and v.view_id), None)
    views = env[action.res_model].get_views([[graph_view.id if graph_view else False, "graph"]])
    root = etree.fromstring(views["views"]["graph"]["arch"])
    fields = views["models"][action.res_model]["fields"]
    groupby, measures = [], []
    for node in root.iter("field"):
        name = node.get("name")
        if node.get("type") == "measure":
            measures.append(f"{name}:{fields[name].get('aggregator') or 'sum'}")
        elif node.get("invisible") not in ("1", "True"):
            interval = node.get("interval")
            groupby.append(f"{name}:{interval}" if interval else name)
    if not measures:
        measures = ["__count"]
    domain = eval_action_domain(env, action)
    kwargs = {"lazy": False}
    ctx = {**context, "fill_temporal": True}
    return action.res_model, domain, measures, groupby, kwargs, ctx


def eval_action_domain(env, action):
    from odoo.tools.safe_eval import safe_eval

    return safe_eval(action.domain or "[]", {"uid": env.uid})


def build_cases(env, params):
    """name -> {side: callable(env)} for side in ('complaint', 'sale')."""
    from odoo.tools.safe_eval import safe_eval

    base_ctx = {"lang": "en_US", "tz": env.user.tz or "Europe/Brussels", "uid": env.uid}
    base_ctx["allowed_company_ids"] = [env.company.id]
    cases = {}

    def side(action_xmlid, form_id, group_by):
        action, result = webclient.views_of(env, action_xmlid)
        model = action.res_model
        views, models = result["views"], result["models"]
        ctx = {**base_ctx, **safe_eval(action.context or "{}", {"uid": env.uid})}
        domain = webclient.and_domains(
            eval_action_domain(env, action),
            webclient.default_domain(env, model, views["search"]["arch"], ctx),
        )
        req_ctx = {k: v for k, v in ctx.items() if not k.startswith("search_default_")}
        list_spec = webclient.field_spec(env, model, views["list"]["arch"], models)
        kanban_spec = webclient.field_spec(env, model, views["kanban"]["arch"], models)
        form_spec = webclient.field_spec(
            env, model, views["form"]["arch"], models, with_display_name=True, in_form=True
        )
        list_fields = result["models"][model]["fields"]
        aggregates = [
            f"{name}:{list_fields[name]['aggregator']}"
            for name in kanban_spec
            if list_fields.get(name, {}).get("aggregator") and name != group_by
        ]
        return {
            "model": model,
            "domain": domain,
            "ctx": req_ctx,
            "search_arch": views["search"]["arch"],
            "list_spec": list_spec,
            "kanban_spec": kanban_spec,
            "form_spec": form_spec,
            "aggregates": aggregates,
            "group_by": group_by,
            "form_id": form_id,
        }

    ours = side(COMPLAINT_ACTION, params["form_complaint_id"], "stage_id")
    sale = side(SALE_ACTION, params["form_order_id"], "user_id")

    def list_call(info, domain=None):
        def call(env):
            model = env[info["model"]].with_context(info["ctx"], bin_size=True)
            return model.web_search_read(
                info["domain"] if domain is None else domain,
                info["list_spec"],
                offset=0,
                limit=webclient.LIST_LIMIT,
                order="",
                count_limit=webclient.COUNT_LIMIT,
            )

        return call

    def kanban_call(info):
        def call(env):
            model = env[info["model"]].with_context(info["ctx"])
            groups = model.web_read_group(
                info["domain"],
                info["aggregates"],
                [info["group_by"]],
                limit=webclient.GROUP_LIMIT,
                offset=0,
                orderby="",
                lazy=True,
            )
            opened = 0
            for group in groups["groups"]:
                if group.get("__fold") or not group.get(f"{info['group_by']}_count", 1):
                    continue
                opened += 1
                if opened > webclient.MAX_OPEN_GROUPS:
                    break
                model.with_context(bin_size=True).web_search_read(
                    group["__domain"],
                    info["kanban_spec"],
                    offset=0,
                    limit=webclient.KANBAN_LIMIT,
                    order="",
                    count_limit=webclient.COUNT_LIMIT,
                )
            return groups

        return call

    def form_call(info):
        def call(env):
            record = env[info["model"]].with_context(info["ctx"], bin_size=True).browse(info["form_id"])
            return record.web_read(info["form_spec"])

        return call

    def graph(action_xmlid):
        model, domain, measures, groupby, kwargs, ctx = graph_call(env, action_xmlid, base_ctx)

        def call(env):
            return env[model].with_context(ctx).web_read_group(domain, measures, groupby, **kwargs)

        return call

    overdue_action = env.ref(OVERDUE_ACTION)
    overdue_ctx = safe_eval(overdue_action.context, {"uid": env.uid})
    overdue_domain = webclient.default_domain(env, ours["model"], ours["search_arch"], overdue_ctx)
    week_domain = webclient.and_domains(
        ours["domain"],
        webclient.filter_domain(env, webclient.filter_named(ours["search_arch"], "due_this_week")),
    )
    cases["list: first page, default filter"] = {"complaint": list_call(ours), "sale": list_call(sale)}
    cases["kanban: grouped by stage"] = {"complaint": kanban_call(ours), "sale": kanban_call(sale)}
    cases["list: Overdue filter"] = {"complaint": list_call(ours, overdue_domain), "sale": list_call(sale)}
    cases["list: Due This Week filter"] = {"complaint": list_call(ours, week_domain), "sale": list_call(sale)}
    cases["graph: Pareto (lines by product, category)"] = {
        "complaint": graph(PARETO_ACTION),
        "sale": graph(SALE_ACTION),
    }
    cases["graph: CAPA on-time by month"] = {"complaint": graph(ON_TIME_ACTION), "sale": graph(SALE_ACTION)}
    cases["form: 50 lines"] = {"complaint": form_call(ours), "sale": form_call(sale)}
    return cases, ours, sale


class MessageCounter:
    """Counts the chatter messages written on this thread: one per escalated record.

    (The ``date_escalated`` stamps are flushed at the end, so a cancelled run
    would show none; each escalation posts one message when it happens.)
    """

    def __init__(self):
        self.count = 0

    def __call__(self, cr, query, params, start, delay):
        text = query if isinstance(query, str) else str(query)
        if text.startswith('INSERT INTO "mail_message" '):
            self.count += max(cr.rowcount, 0)


def _cancel_after(connection, seconds, stop):
    """Cancel the connection's queries after ``seconds`` until ``stop`` (a cancel between queries is lost)."""
    if stop.wait(seconds):
        return
    while not stop.wait(0.05):
        connection.cancel()


def _copy_database(args, source, target):
    """(Re)create ``target`` as a copy of ``source``; ``target=None``: only drop ``source``."""
    import psycopg2

    conn = psycopg2.connect(
        dbname="postgres",
        host=args.db_host,
        port=args.db_port,
        user=args.db_user,
        password=args.db_password,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            if target is None:
                cr.execute(f'DROP DATABASE IF EXISTS "{source}"')
                return
            cr.execute(f'DROP DATABASE IF EXISTS "{target}"')
            cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    finally:
        conn.close()


def time_crons(args):
    """Run each escalation cron once, as ir.cron does, on a throwaway copy of the database.

    The crons commit each batch with their progress (``ir.cron._notify_progress``),
    as they do in production, so they run on a copy that is dropped afterwards:
    the database keeps its overdue records for the next run.
    """
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    copy = f"{args.db}_crons"
    odoo.sql_db.close_db(args.db)  # a template database must have no connections
    t_copy = time.perf_counter()
    _copy_database(args, args.db, copy)
    print(f"\ncopied {args.db} to {copy} for the crons in {time.perf_counter() - t_copy:.0f} s", flush=True)
    counter = MessageCounter()
    thread = threading.current_thread()
    thread.query_hooks = getattr(thread, "query_hooks", ()) + (counter,)
    results = {}
    try:
        registry = Registry(copy)
        print(f"{'cron':<12} {'seconds':>8} {'overdue':>8} {'messages':>9}  goal < 10 s")
        for label, xmlid, escalated_model in CRONS:
            with registry.cursor() as cr:
                env = api.Environment(cr, odoo.SUPERUSER_ID, {})
                model = env[escalated_model]
                pending_ids = model.search(model._escalation_overdue_domain()).ids
                pending = len(pending_ids)
            registry.clear_all_caches()
            with registry.cursor() as cr:
                env = api.Environment(cr, odoo.SUPERUSER_ID, {})
                cron = env.ref(xmlid)
                counter.count = 0
                stop = threading.Event()
                timer = threading.Thread(
                    target=_cancel_after, args=(cr._cnx, args.cron_timeout, stop), daemon=True
                )
                timer.start()
                t0 = time.perf_counter()
                finished = True
                try:
                    cron.method_direct_trigger()
                    cr.commit()
                except Exception as exc:  # noqa: BLE001 - psycopg2's QueryCanceled, however wrapped
                    if "canceling statement" not in str(exc):
                        raise
                    finished = False
                elapsed = time.perf_counter() - t0
                stop.set()
                timer.join()
            with registry.cursor() as cr:
                env = api.Environment(cr, odoo.SUPERUSER_ID, {})
                left = env[escalated_model].search_count(
                    [("id", "in", pending_ids), ("date_escalated", "=", False)]
                )
            if finished:
                verdict = "ok" if elapsed < 10 else "MISSES 10 s"
                shown = f"{elapsed:8.1f}"
            else:
                verdict = f"MISSES 10 s: cancelled after {args.cron_timeout:.0f} s"
                shown = f"{'>' + format(args.cron_timeout, '.0f'):>8}"
            if finished and left:
                verdict += f" ({left:,} left not escalated)"
            print(f"{label:<12} {shown} {pending:>8,} {counter.count:>9,}  {verdict}", flush=True)
            results[f"cron: {label}"] = {
                "seconds": round(elapsed, 2),
                "finished": finished,
                "overdue": pending,
                "left": left,
                "messages": counter.count,
            }
    finally:
        Registry.delete(copy)
        odoo.sql_db.close_db(copy)
        _copy_database(args, copy, None)
    return results


def explain(args, registry, cases, admin, meter):
    """Print the slow queries of each case with their plans."""
    from odoo import api

    for name, sides in cases.items():
        for side_name, fn in sides.items():
            with registry.cursor() as cr:
                env = api.Environment(cr, admin.id, {})
                fn(env)  # warm
                env.invalidate_all()
                meter.reset(keep=True)
                fn(env)
                kept = meter.keep
                meter.reset()
                print(f"== {name} / {side_name}: {len(kept)} queries")
                for query, params, delay in kept:
                    if delay * 1000 < args.explain:
                        continue
                    print(f"-- {delay * 1000:.1f} ms")
                    cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, params)
                    print(cr.mogrify(query, params).decode()[:2000])
                    print("\n".join(row[0] for row in cr.fetchall()))
                cr.rollback()


def main(argv=None):
    args = parse_args(argv)
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    from run import SqlMeter  # containment's query counter

    odoo.tools.config.parse_config(
        ["-d", args.db, "--addons-path", args.addons_path, "--log-level", "warn"]
        + ["--db_host", str(args.db_host), "--db_port", str(args.db_port)]
        + ["--db_user", args.db_user, "--db_password", args.db_password]
    )
    registry = Registry(args.db)
    meter = SqlMeter()
    meter.install()

    with registry.cursor() as cr:
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'complaints_volume.params'")
        row = cr.fetchone()
        if not row:
            raise SystemExit(f"{args.db} was not filled by benchmarks/volume/generate.py")
        params = json.loads(row[0])
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        uenv = api.Environment(cr, admin.id, {})
        counts = {}
        for model in ("quality.complaint", "quality.complaint.line", "sale.order", "sale.order.line"):
            counts[model] = env[model].sudo().search_count([])
        cr.execute("SELECT count(*) FROM stock_move_line")
        counts["stock.move.line"] = cr.fetchone()[0]
        print(f"database {args.db}: " + ", ".join(f"{n:,} {m}" for m, n in counts.items()))
        cases, ours, sale = build_cases(uenv, params)
        for name, info in (("complaint", ours), ("sale.order", sale)):
            print(
                f"  {name}: domain {info['domain']}, list fields {len(info['list_spec'])}, "
                f"kanban fields {len(info['kanban_spec'])}, form fields {len(info['form_spec'])}"
            )
        cr.rollback()

    if args.only:
        cases = {k: v for k, v in cases.items() if any(o in k for o in args.only)}

    def timed(fn, cold):
        if cold:
            registry.clear_all_caches()
            odoo.sql_db.close_db(args.db)
        with registry.cursor() as cr:
            env = api.Environment(cr, admin.id, {})
            env.invalidate_all()
            gc.collect()
            meter.reset()
            t0 = time.perf_counter()
            fn(env)
            elapsed = time.perf_counter() - t0
            cr.rollback()
        return elapsed, meter.count

    if args.explain is not None:
        explain(args, registry, cases, admin, meter)
        return 0

    results = {}
    header = f"{'case':<44} {'':>5} {'complaint ms':>12} {'sale ms':>9} {'ratio':>6} {'q':>9}  goal"
    print(header)
    for name, sides in cases.items():
        for mode in ("cold", "warm"):
            times = {"complaint": [], "sale": []}
            queries = {}
            for side_fn in sides.values():  # warm-up both (also loads the views' caches)
                timed(side_fn, False)
            for i in range(args.repeat):
                order = ("complaint", "sale") if i % 2 == 0 else ("sale", "complaint")
                for side_name in order:
                    elapsed, n_queries = timed(sides[side_name], mode == "cold")
                    times[side_name].append(elapsed)
                    queries[side_name] = n_queries
            ours_ms = statistics.median(times["complaint"]) * 1000
            sale_ms = statistics.median(times["sale"]) * 1000
            ratio = ours_ms / sale_ms if sale_ms else float("inf")
            goal = LIST_GOAL if name.startswith("list: first page") else GOAL
            verdict = "ok" if ratio <= goal else f"MISSES {goal}"
            print(
                f"{name:<44} {mode:>5} {ours_ms:>12.1f} {sale_ms:>9.1f} {ratio:>6.2f} "
                f"{queries['complaint']:>4}/{queries['sale']:<4}  {verdict}",
                flush=True,
            )
            results[f"{name} [{mode}]"] = {
                "complaint_ms": round(ours_ms, 2),
                "sale_ms": round(sale_ms, 2),
                "ratio": round(ratio, 3),
                "queries": queries,
                "goal": goal,
            }

    if not args.no_crons:
        results.update(time_crons(args))

    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"params": params, "counts": counts, "results": results}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
