"""./ar bench: each case side by side with its anchor, on a generated book of a given size.

Writes bench/results.json: a list of {name, size, ours_s, anchor, anchor_s, ratio, detail}.
"""

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"

# The generated book of each size: ./ar generate's arguments.
SIZES = {
    "small": {"customers": 30, "invoices": 300, "seed": 1, "late_share": 0.3},
    "medium": {"customers": 3000, "invoices": 60000, "seed": 1, "late_share": 0.3},
    "large": {"customers": 20000, "invoices": 250000, "seed": 1, "late_share": 0.3},
}
RUNS = 3


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


def case_generator(env, size):
    """Invoices per second of the book generator (a 200-invoice book on top of the cached one)."""
    count = 200

    def generate(env):
        return env["ar.book.generator"].generate(customers=20, invoices=count, seed=99)

    seconds = statistics.median(timed(env, generate)[0] for _run in range(RUNS))
    return {"ours_s": seconds, "anchor": None, "anchor_s": None, "detail": f"{count / seconds:.1f} invoices/s"}


def case_followup_run(env, size):
    """The follow-up engine over every customer of the book (levels decided, emails queued and
    activities created, no SMTP), then the same run again with nothing changed."""
    steps = env["ar.followup.step"]

    def both(env):
        start = time.perf_counter()
        first = len(steps._run())
        env.flush_all()
        middle = time.perf_counter()
        second = len(steps._run())
        env.flush_all()
        return first, second, middle - start, time.perf_counter() - middle

    runs = [timed(env, both)[1] for _run in range(RUNS)]
    first, second = runs[0][0], runs[0][1]
    return {
        "ours_s": statistics.median(run[2] for run in runs),
        "anchor": None,
        "anchor_s": None,
        "detail": f"{first} steps taken; a rerun takes {second} in {statistics.median(run[3] for run in runs):.3f} s",
    }


def case_worklist_open(env, size):
    """Opening the worklist of every collector: the list view's rows and fields."""
    fields_shown = ["partner_id", "collector_id", "priority", "reason", "overdue_amount", "overdue_days"]

    def open_list(env):
        return len(env["ar.worklist"].search_read([], fields_shown, limit=80)), env["ar.worklist"].search_count([])

    runs = [timed(env, open_list) for _run in range(RUNS)]
    shown, total = runs[0][1]
    return {
        "ours_s": statistics.median(seconds for seconds, _result in runs),
        "anchor": None,
        "anchor_s": None,
        "detail": f"first {shown} of {total} customers needing action",
    }


def case_kpi_12m(env, size):
    """ar.kpi.compute over the last 12 months."""
    end = datetime.date.today()
    start = end - datetime.timedelta(days=364)
    seconds = statistics.median(timed(env, lambda env: env["ar.kpi"].compute(start, end))[0] for _run in range(RUNS))
    return {"ours_s": seconds, "anchor": None, "anchor_s": None, "detail": f"{start} to {end}"}


CASES = {
    "generator": case_generator,
    "followup_run": case_followup_run,
    "worklist_open": case_worklist_open,
    "kpi_12m": case_kpi_12m,
}


def book_args(size):
    """./ar generate's arguments for the book of `size`, for the launcher."""
    return " ".join(f"--{key.replace('_', '-')} {value}" for key, value in SIZES[size].items())


def main():
    if sys.argv[1:2] == ["--book-args"]:
        if sys.argv[2] not in SIZES:
            return 2
        print(book_args(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(prog="./ar bench")
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--only", choices=sorted(CASES))
    args = parser.parse_args()

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    rows = []
    for name, case in CASES.items():
        if args.only and name != args.only:
            continue
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            row = {"name": name, "size": args.size, **case(env, args.size)}
            cr.rollback()
        ours, anchor = row["ours_s"], row["anchor_s"]
        row["ratio"] = round(ours / anchor, 3) if anchor else None
        row["ours_s"] = round(ours, 4)
        row["anchor_s"] = round(anchor, 4) if anchor else None
        rows.append(row)

    print(f"{'case':<20} {'size':<7} {'ours (s)':>10} {'anchor':<28} {'anchor (s)':>10} {'ratio':>7}  detail")
    for row in rows:
        print(
            f"{row['name']:<20} {row['size']:<7} {row['ours_s']:>10.3f} {row['anchor'] or '-':<28} "
            f"{row['anchor_s'] if row['anchor_s'] is not None else '-':>10} "
            f"{row['ratio'] if row['ratio'] is not None else '-':>7}  {row['detail']}"
        )
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    done = {(row["name"], row["size"]) for row in rows}
    kept = [row for row in previous if (row["name"], row["size"]) not in done]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(kept + rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
