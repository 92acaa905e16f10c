"""./ar bench: each case side by side with its anchor, on a generated book of a given size.

Writes bench/results.json: a list of {name, size, ours_s, anchor, anchor_s, ratio, detail}.
What each case and anchor times is in the README's Performance section and in each row's detail.
"""

import argparse
import datetime
import html
import json
import statistics
import sys
import time
import traceback
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, Command, api, fields

from . import book, kpi_sql
from .server import Server, load, percentile

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"

# The generated book of each size: ./ar generate's arguments.
SIZES = {
    "small": {"customers": 30, "invoices": 300, "seed": 1, "late_share": 0.3},
    # 3,000 customers with about 15,000 overdue invoices, as issue 8 asks.
    "medium": {"customers": 3000, "invoices": 60000, "seed": 1, "late_share": 0.3, "open_share": 0.25},
    "large": {"customers": 20000, "invoices": 250000, "seed": 1, "late_share": 0.3, "open_share": 0.1},
}
# How long the HTTP cases run at each size: the small size runs inside ./ar test.
SETTINGS = {
    "small": {"portal_invoices": 1000, "requests": 10, "sessions": 50, "load_seconds": 10},
    "medium": {"portal_invoices": 1000, "requests": 50, "sessions": 50, "load_seconds": 60},
    "large": {"portal_invoices": 1000, "requests": 50, "sessions": 50, "load_seconds": 60},
}
RUNS = 3
WORKERS = 4


class Rollback(Exception):
    """Undo what a timed run wrote, so that every run starts from the same book."""


def timed(env, func):
    """Seconds `func(env)` takes, in a savepoint rolled back afterwards; and what it returned."""
    result = None
    start = time.perf_counter()
    try:
        with env.cr.savepoint():
            result = func(env)
            env.flush_all()
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        env.invalidate_all()
    return elapsed, result


def median(values):
    return statistics.median(values)


class Bench:
    """What a case needs: the book's environment, the size and its settings, and an Odoo
    server on loopback (started at the first HTTP case, shared by the others)."""

    def __init__(self, config, db, size):
        self.config, self.db, self.size = config, db, size
        self.settings = SETTINGS[size]
        self.env = None
        self._server = None

    def server(self):
        if self._server is None:
            self._server = Server(self.config, self.db, workers=WORKERS).__enter__()
        return self._server

    def close(self, keep_log=False):
        if self._server is not None:
            self._server.stop(keep_log=keep_log)
            self._server = None


def row(name, ours, anchor=None, anchor_s=None, detail=""):
    return {"name": name, "ours_s": ours, "anchor": anchor, "anchor_s": anchor_s, "detail": detail}


# --- Cases -------------------------------------------------------------------------------


def case_generator(bench):
    """Invoices per second of the book generator (a 200-invoice book on top of the cached one)."""
    count = 200

    def generate(env):
        return env["ar.book.generator"].generate(customers=20, invoices=count, seed=99)

    seconds = median(timed(bench.env, generate)[0] for _run in range(RUNS))
    return [row("generator", seconds, detail=f"{count / seconds:.1f} invoices/s")]


def case_followup_run(bench):
    """Our follow-up engine over every overdue invoice of the book, against OCA's credit
    control run with the same three levels; then each run again with nothing changed."""
    env = bench.env
    steps = env["ar.followup.step"]

    def ours(env):
        start = time.perf_counter()
        first = steps._run()
        env.flush_all()
        middle = time.perf_counter()
        second = steps._run()
        env.flush_all()
        return {
            "steps": len(first),
            "invoices": len(first.invoice_ids),
            "emails": len(first.filtered("message_id")),
            "rerun_steps": len(second),
            "run": middle - start,
            "rerun": time.perf_counter() - middle,
        }

    runs = [timed(env, ours)[1] for _run in range(RUNS)]
    first = runs[0]
    run_s, rerun_s = median(r["run"] for r in runs), median(r["rerun"] for r in runs)
    run_detail = (
        f"ours: {first['steps']} steps (one per customer and level) over {first['invoices']} invoices, "
        f"{first['emails']} emails queued, the rest calls or tasks for collectors"
    )
    rerun_detail = f"ours: {first['rerun_steps']} steps"
    policy = book.oca_policy(env)
    if policy is None:
        reason = "OCA account_credit_control is not installed in this database (see ./ar bench's output)"
        return [
            row("followup_run", run_s, detail=f"{run_detail}; anchor: {reason}"),
            row("followup_rerun", rerun_s, detail=f"{rerun_detail}; anchor: {reason}"),
        ]
    today = fields.Date.context_today(env.user)

    def oca_run(env):
        # No SMTP on either side: the emails are queued, as ours.
        run = (
            env["credit.control.run"]
            .with_context(mail_notify_force_send=False)
            .create({"date": today, "policy_ids": [Command.set(policy.ids)]})
        )
        run.generate_credit_lines()
        run.set_to_ready_lines()
        run.run_channel_action()
        return run

    def anchor(env):
        start = time.perf_counter()
        run = oca_run(env)
        env.flush_all()
        middle = time.perf_counter()
        rerun = oca_run(env)
        env.flush_all()
        communications = run.line_ids.communication_id
        return {
            "lines": len(run.line_ids),
            "communications": len(communications),
            "emails": env["mail.mail"].search_count(
                [("model", "=", "credit.control.communication"), ("res_id", "in", communications.ids)]
            ),
            "rerun_lines": len(rerun.line_ids),
            "run": middle - start,
            "rerun": time.perf_counter() - middle,
        }

    anchors = [timed(env, anchor)[1] for _run in range(RUNS)]
    oca = anchors[0]
    name = "OCA account_credit_control"
    return [
        row(
            "followup_run",
            run_s,
            name,
            median(a["run"] for a in anchors),
            f"{run_detail}; OCA: credit.control.run generating {oca['lines']} lines (one per overdue invoice), "
            f"marked ready, then its channel action: {oca['communications']} communications and "
            f"{oca['emails']} emails queued (PDF attachment off on both sides, no SMTP)",
        ),
        row(
            "followup_rerun",
            rerun_s,
            name,
            median(a["rerun"] for a in anchors),
            f"the same run again, same day, nothing changed: {rerun_detail}; OCA: {oca['rerun_lines']} lines",
        ),
    ]


def case_worklist_open(bench):
    """Opening the worklist of every collector: the list view's rows and fields."""
    fields_shown = ["partner_id", "collector_id", "priority", "reason", "overdue_amount", "overdue_days"]

    def open_list(env):
        return len(env["ar.worklist"].search_read([], fields_shown, limit=80)), env["ar.worklist"].search_count([])

    runs = [timed(bench.env, open_list) for _run in range(RUNS)]
    shown, total = runs[0][1]
    return [
        row(
            "worklist_open",
            median(seconds for seconds, _result in runs),
            detail=f"first {shown} of {total} customers needing action",
        )
    ]


def case_kpi_12m(bench):
    """ar.kpi.compute over the last 12 months, against the same figures in one SQL statement."""
    env = bench.env
    start, end = kpi_sql.period(datetime.date.today())
    companies = env.companies
    digits = companies[:1].currency_id.decimal_places
    ours = [timed(env, lambda env: env["ar.kpi"].compute(start, end, companies.ids)) for _run in range(RUNS)]
    anchor = [
        timed(env, lambda env: kpi_sql.compute(env.cr, start, end, companies.ids, digits)) for _run in range(RUNS)
    ]
    diffs = kpi_sql.differences(ours[0][1], anchor[0][1])
    if diffs:
        raise AssertionError("ar.kpi.compute and the hand-written SQL disagree:\n" + "\n".join(diffs[:20]))
    return [
        row(
            "kpi_12m",
            median(seconds for seconds, _result in ours),
            "hand-written SQL",
            median(seconds for seconds, _result in anchor),
            f"{start} to {end}; every figure equal on both sides (checked)",
        )
    ]


def case_portal_statement(bench):
    """Server time of /my/ar for the customer with the most open invoices, against Odoo's own
    /my/invoices, logged in as that customer's portal user."""
    server = bench.server()
    session = server.session(book.PORTAL_LOGIN, book.PORTAL_LOGIN)
    count = bench.settings["requests"]
    open_count = bench.env["account.move"].search_count(
        [
            ("commercial_partner_id", "=", book.portal_customer(bench.env).id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]
    )
    figures = {}
    for path in ("/my/ar", "/my/invoices"):
        # Each worker's first requests compile templates and fill its caches: not counted.
        for _warm_up in range(2 * WORKERS):
            server.get(session, path)
        seconds, queries = server.sample(session, path, count)
        figures[path] = {
            "p50": median(seconds),
            "p95": percentile(seconds, 0.95),
            "queries": median(queries),
        }
    ours, odoo_page = figures["/my/ar"], figures["/my/invoices"]
    return [
        row(
            "portal_statement",
            ours["p50"],
            "Odoo /my/invoices",
            odoo_page["p50"],
            f"p50 server time over {count} requests each, customer with {open_count} open invoices; "
            f"p95 {ours['p95']:.3f} s vs {odoo_page['p95']:.3f} s; SQL queries per request "
            f"{ours['queries']:.0f} vs {odoo_page['queries']:.0f} (/my/ar: totals over every open invoice "
            f"and a page of 50 of them; /my/invoices: a page of 80)",
        )
    ]


# Odoo's list export of the open receivable: the columns of Accounting > Customers > Receivables.
EXPORT_FIELDS = [
    ("date", "Date"),
    ("move_name", "Journal Entry"),
    ("partner_id", "Partner"),
    ("account_id", "Account"),
    ("name", "Label"),
    ("date_maturity", "Due Date"),
    ("debit", "Debit"),
    ("credit", "Credit"),
    ("amount_residual", "Residual Amount"),
    ("matching_number", "Matching"),
]
OPEN_RECEIVABLE = [
    ("account_type", "=", "asset_receivable"),
    ("parent_state", "=", "posted"),
    ("reconciled", "=", False),
]


def case_xlsx_pack(bench):
    """The AR workbook for 12 months (/ar_reports/xlsx), against Odoo's own XLSX export of the
    open receivable move lines (/web/export/xlsx): server time and peak memory of the process."""
    server = bench.server()
    session = server.session(book.ADMIN_LOGIN, book.ADMIN_PASSWORD)
    start, end = kpi_sql.period(datetime.date.today())
    ours_path = f"/ar_reports/xlsx?date_from={start}&date_to={end}"
    csrf = server.csrf_token(session)
    lines = bench.env["account.move.line"].search_count(OPEN_RECEIVABLE)
    export = json.dumps(
        {
            "model": "account.move.line",
            "fields": [
                {"name": name, "label": label, "type": bench.env["account.move.line"]._fields[name].type}
                for name, label in EXPORT_FIELDS
            ],
            "ids": False,
            "domain": OPEN_RECEIVABLE,
            "groupby": [],
            "context": {},
            "import_compat": False,
        }
    )

    def ours():
        return session.get(f"{server.url}{ours_path}", timeout=600)

    def anchor():
        return session.post(f"{server.url}/web/export/xlsx", data={"data": export, "csrf_token": csrf}, timeout=600)

    figures = {}
    for name, request in (("ours", ours), ("anchor", anchor)):
        request()  # warm: not counted
        server.requests()
        peaks = []
        for _run in range(RUNS):
            response, peak = server.peak_memory(request)
            if response.status_code != 200 or not response.content.startswith(b"PK"):
                raise RuntimeError(f"{name} XLSX: {response.status_code} {html.unescape(response.text)[-3000:]}")
            peaks.append(peak)
        logged = server.requests()
        if len(logged) != RUNS:
            raise RuntimeError(f"{len(logged)} of {RUNS} XLSX requests found in the server's log")
        figures[name] = {
            "seconds": median(seconds for *_rest, seconds in logged),
            "peak": max(peaks) if None not in peaks else None,
            "size": len(response.content),
        }

    # The workbook's own peak, in the bench's process: what Python allocates while rendering it.
    tracemalloc.start()
    bench.env["ar.xlsx.pack"].render(start, end, bench.env.companies.ids)
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    def mib(value):
        return f"{value / 2**20:.1f} MiB" if value is not None else "?"

    ours_f, anchor_f = figures["ours"], figures["anchor"]
    return [
        row(
            "xlsx_pack",
            ours_f["seconds"],
            "Odoo /web/export/xlsx",
            anchor_f["seconds"],
            f"server time; ours: the AR workbook {start} to {end} ({ours_f['size'] // 1024} KiB), peak "
            f"resident memory +{mib(ours_f['peak'])} ({mib(python_peak)} allocated by Python at its peak, "
            f"tracemalloc); Odoo: list export of the {lines} open receivable lines ({len(EXPORT_FIELDS)} "
            f"columns, {anchor_f['size'] // 1024} KiB), +{mib(anchor_f['peak'])} (peak resident memory: growth "
            "of the serving process's VmHWM)",
        )
    ]


def case_portal_load(bench):
    """Concurrent portal sessions on /my/ar against Odoo's /my/invoices, workers=4."""
    server = bench.server()
    logins = book.load_logins(bench.env)
    count, seconds = bench.settings["sessions"], bench.settings["load_seconds"]
    with ThreadPoolExecutor(WORKERS) as pool:
        sessions = list(
            pool.map(lambda i: server.session(logins[i % len(logins)], logins[i % len(logins)]), range(count))
        )
    results = {}
    for path in ("/my/ar", "/my/invoices"):
        server.get(sessions[0], path)
        results[path] = load(server, sessions, path, seconds)
    ours, odoo_page = results["/my/ar"], results["/my/invoices"]
    errors = ours["errors"] + odoo_page["errors"]
    if errors:
        raise AssertionError(
            f"portal_load: {errors} failed requests, e.g. {ours['first_error'] or odoo_page['first_error']}"
        )
    return [
        row(
            "portal_load",
            ours["p95"],
            "Odoo /my/invoices",
            odoo_page["p95"],
            f"p95 latency, {count} sessions of {len(logins)} portal users at once for {seconds} s each, "
            f"workers={WORKERS}: {ours['rps']:.1f} vs {odoo_page['rps']:.1f} requests/s, p50 "
            f"{ours['p50']:.3f} vs {odoo_page['p50']:.3f} s, 0 errors",
        )
    ]


CASES = {
    "generator": case_generator,
    "followup_run": case_followup_run,
    "worklist_open": case_worklist_open,
    "kpi_12m": case_kpi_12m,
    "portal_statement": case_portal_statement,
    "xlsx_pack": case_xlsx_pack,
    "portal_load": case_portal_load,
}
# The rows a whole run writes (followup_run writes the rerun's row too).
ROWS = ["generator", "followup_run", "followup_rerun", "worklist_open", "kpi_12m"] + [
    "portal_statement",
    "xlsx_pack",
    "portal_load",
]


def book_args(size):
    """./ar generate's arguments for the book of `size`, for the launcher."""
    return " ".join(f"--{key.replace('_', '-')} {value}" for key, value in SIZES[size].items())


def book_stamp(size):
    """What the kept book of `size` was built from: a change rebuilds it."""
    return f"{book_args(size)} (bench records v{book.VERSION}, {SETTINGS[size]['portal_invoices']} portal invoices)"


def print_table(rows):
    print(f"{'case':<17} {'size':<7} {'ours (s)':>9} {'anchor':<27} {'anchor (s)':>10} {'ratio':>7}  detail")
    for line in rows:
        anchor_s = f"{line['anchor_s']:.4f}" if line["anchor_s"] is not None else "-"
        ratio = f"{line['ratio']:.2f}" if line["ratio"] is not None else "-"
        print(
            f"{line['name']:<17} {line['size']:<7} {line['ours_s']:>9.4f} {line['anchor'] or '-':<27} "
            f"{anchor_s:>10} {ratio:>7}  {line['detail']}"
        )


def markdown_table(rows):
    """The README's table of `rows` (bench/results.json)."""
    lines = [
        "| case | size | ours (s) | anchor | anchor (s) | ours / anchor | detail |",
        "| --- | --- | ---: | --- | ---: | ---: | --- |",
    ]
    for line in rows:
        anchor_s = f"{line['anchor_s']:.4f}" if line["anchor_s"] is not None else "-"
        ratio = f"{line['ratio']:.2f}" if line["ratio"] is not None else "-"
        lines.append(
            f"| {line['name']} | {line['size']} | {line['ours_s']:.4f} | {line['anchor'] or '-'} | {anchor_s} "
            f"| {ratio} | {line['detail']} |"
        )
    return "\n".join(lines)


def main():
    if sys.argv[1:] == ["--markdown"]:
        print(markdown_table(json.loads(RESULTS.read_text())))
        return 0
    if sys.argv[1:2] in (["--book-args"], ["--book-stamp"]):
        if sys.argv[2] not in SIZES:
            return 2
        print(book_args(sys.argv[2]) if sys.argv[1] == "--book-args" else book_stamp(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(prog="./ar bench")
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--only", nargs="+", choices=sorted(CASES), help="these cases only")
    parser.add_argument("--prepare", action="store_true", help="only add the bench's records to the book")
    args = parser.parse_args()

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if book.prepare(env, SETTINGS[args.size]["portal_invoices"]):
            print(f"ar bench: the bench's records added to {args.db}", file=sys.stderr)
        book.oca_policy(env)
    if args.prepare:
        return 0
    bench = Bench(args.config, args.db, args.size)
    rows, failed = [], []
    try:
        for name, case in CASES.items():
            if args.only and name not in args.only:
                continue
            with registry.cursor() as cr:
                bench.env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    lines = case(bench)
                except Exception as error:
                    # The other cases still run and their rows are written; the bench fails.
                    traceback.print_exc()
                    failed.append(f"{name}: {error}")
                    lines = []
                for line in lines:
                    ours, anchor = line["ours_s"], line["anchor_s"]
                    line["size"] = args.size
                    line["ratio"] = round(ours / anchor, 3) if anchor else None
                    line["ours_s"] = round(ours, 4)
                    line["anchor_s"] = round(anchor, 4) if anchor else None
                    rows.append(line)
                cr.rollback()
    except BaseException:
        bench.close(keep_log=True)
        raise
    bench.close(keep_log=bool(failed))

    print_table(rows)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    done = {(line["name"], line["size"]) for line in rows}
    kept = [line for line in previous if (line["name"], line["size"]) not in done]
    RESULTS.parent.mkdir(exist_ok=True)
    order = {name: index for index, name in enumerate(ROWS)}
    merged = sorted(kept + rows, key=lambda line: (line["size"], order.get(line["name"], len(order))))
    RESULTS.write_text(json.dumps(merged, indent=2) + "\n")
    for failure in failed:
        print(f"ar bench: FAILED {failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
