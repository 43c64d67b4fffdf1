"""Smoke test of the volume generator (benchmarks/volume/generate.py) at a tiny scale.

It builds a throwaway database with the stock history, sales, complaints,
8Ds, CAPAs and regulatory reports of ``--scale 0.002`` (200 complaints),
lets the generator recompute a sample of stored fields with the ORM
(``--check``) and checks counts, unique numbers and links with SQL. 1.5 to 3
minutes, most of it Odoo installing sale_stock, repair, sale_management and
the addon with demo data, which the generator copies its rows from (hence
marked slow; the generation itself takes seconds at this scale).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from odoo_harness.runner import OdooHarness

pytestmark = [pytest.mark.odoo, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATOR = REPO_ROOT / "benchmarks" / "volume" / "generate.py"


def _odoo_python(odoo_bin: Path) -> tuple[str | None, str]:
    """The Python that runs Odoo and Odoo's source directory ('' if importable as is).

    $ODOO_PYTHON (and $ODOO_SRC) if set, else the odoo-bin's shebang, else the
    ``exec PYTHON .../odoo-bin`` line of a wrapper script like the one on PATH.
    """
    if os.environ.get("ODOO_PYTHON"):
        return os.environ["ODOO_PYTHON"], os.environ.get("ODOO_SRC", "")
    text = odoo_bin.read_text(errors="replace")[:2000]
    first = text.splitlines()[0] if text else ""
    if first.startswith("#!") and "python" in first:
        return first[2:].split()[-1 if "env" in first else 0], str(odoo_bin.resolve().parent)
    match = re.search(r"exec\s+(\S*python\S*)\s+(\S*odoo-bin)", text)
    if not match:
        return None, ""
    return match.group(1), str(Path(match.group(2)).parent)


def test_volume_generator_tiny_scale(odoo_harness: OdooHarness, throwaway_db: str, tmp_path: Path) -> None:
    python, odoo_src = _odoo_python(odoo_harness.odoo_bin)
    if not python:
        pytest.fail(f"cannot tell which Python runs {odoo_harness.odoo_bin}; set ODOO_PYTHON", pytrace=False)
    pg = odoo_harness.pg
    env = {**os.environ, "ODOO_BIN": str(odoo_harness.odoo_bin), "ODOO_SRC": odoo_src}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (odoo_src, env.get("PYTHONPATH", "")) if p)
    log_path = tmp_path / "generate.log"
    with log_path.open("w") as log:
        result = subprocess.run(
            [
                python,
                str(GENERATOR),
                "--db",
                throwaway_db,
                "--scale",
                "0.002",
                "--form-lines",
                "12",
                "--check",
            ]
            + ["--db-host", pg.host, "--db-port", str(pg.port)]
            + ["--db-user", pg.user, "--db-password", pg.password],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=900,
            check=False,
        )
    output = log_path.read_text()
    assert result.returncode == 0, f"generator failed (log {log_path}):\n{output[-3000:]}"
    assert "CHECK:" not in output, output[-3000:]

    # counts with SQL, and the ORM reads what the web client reads (the benchmark's list and form)
    check = subprocess.run(
        [
            python,
            "-c",
            f"COUNTS = {_COUNTS!r}\n{_ORM_READ}",
            throwaway_db,
            pg.host,
            str(pg.port),
            pg.user,
            pg.password,
            str(REPO_ROOT),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert check.returncode == 0, check.stderr[-3000:]
    counts = json.loads(check.stdout.strip().splitlines()[-1])
    assert counts["complaints"] == 200, counts
    assert counts["orders"] == 200, counts
    assert counts["deliveries with order"] >= 200, counts
    assert counts["lines without move line"] == 0, counts
    assert counts["complaints without deadline"] == 0, counts
    assert counts["overdue complaints"] >= 1, counts
    assert counts["8D"] >= 1 and counts["8D steps"] == 9 * counts["8D"], counts
    assert counts["duplicate numbers"] == 0, counts
    assert counts["form lines"] == 12, counts
    assert counts["first page"] == 80, counts


_COUNTS = """
            SELECT 'complaints', count(*) FROM quality_complaint WHERE name LIKE '%-V%'
            UNION ALL SELECT 'orders', count(*) FROM sale_order WHERE name LIKE 'SV%'
            UNION ALL SELECT 'lines without move line', count(*) FROM quality_complaint_line l
                WHERE l.complaint_id IN (SELECT id FROM quality_complaint WHERE name LIKE '%-V%')
                  AND NOT EXISTS (SELECT 1 FROM quality_complaint_line_move_line_rel r
                                  WHERE r.complaint_line_id = l.id)
            UNION ALL SELECT 'complaints without deadline', count(*) FROM quality_complaint c
                WHERE c.name LIKE '%-V%' AND NOT EXISTS (SELECT 1 FROM quality_complaint_deadline d
                                                          WHERE d.complaint_id = c.id)
            UNION ALL SELECT 'overdue complaints', count(DISTINCT complaint_id) FROM quality_complaint_deadline
                WHERE date_done IS NULL AND date_due < now() at time zone 'UTC'
            UNION ALL SELECT '8D', count(*) FROM quality_eight_d WHERE name LIKE '8D-V%'
            UNION ALL SELECT '8D steps', count(*) FROM quality_eight_d_step s
                JOIN quality_eight_d e ON e.id = s.eight_d_id WHERE e.name LIKE '8D-V%'
            UNION ALL SELECT 'deliveries with order', count(*) FROM stock_picking WHERE sale_id IS NOT NULL
            UNION ALL SELECT 'duplicate numbers', (SELECT count(*) - count(DISTINCT name) FROM quality_complaint)
                + (SELECT count(*) - count(DISTINCT name) FROM sale_order)
                + (SELECT count(*) - count(DISTINCT name) FROM quality_eight_d)
                + (SELECT count(*) - count(DISTINCT name) FROM quality_capa)
"""

_ORM_READ = """
import json
import sys
import odoo
from odoo import api
from odoo.modules.registry import Registry
db, host, port, user, password, repo = sys.argv[1:]
odoo.tools.config.parse_config(['-d', db, '--addons-path', repo, '--db_host', host, '--db_port', port,
                                '--db_user', user, '--db_password', password, '--log-level', 'warn'])
with Registry(db).cursor() as cr:
    env = api.Environment(cr, odoo.SUPERUSER_ID, {})
    admin = env.ref('base.user_admin')
    Complaint = env['quality.complaint'].with_user(admin)
    page = Complaint.web_search_read([('stage_id.state', 'in', ('new', 'open'))],
                                     {'name': {}, 'partner_id': {'fields': {'display_name': {}}},
                                      'is_overdue': {}, 'date_deadline': {}}, limit=80)
    assert page['length'] >= 80, page['length']
    biggest = max(Complaint.search([('name', 'like', '-V')]), key=lambda c: len(c.line_ids))
    data = biggest.web_read({'line_ids': {'fields': {'product_id': {'fields': {'display_name': {}}},
                                                     'lot_id': {'fields': {'display_name': {}}},
                                                     'allowed_lot_ids': {}, 'qty_returned': {},
                                                     'qty_delivered': {}}}})
    cr.execute(COUNTS)
    counts = dict(cr.fetchall())
    counts['form lines'] = len(data[0]['line_ids'])
    counts['first page'] = len(page['records'])
    print(json.dumps(counts))
"""
