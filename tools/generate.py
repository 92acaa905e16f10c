"""./ar generate: build a receivable book in an existing database with the AR suite installed."""

import argparse
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api


def main():
    parser = argparse.ArgumentParser(prog="./ar generate", description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--invoices", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--late-share",
        type=float,
        default=0.3,
        help="share of the fully paid invoices that were paid after their due date",
    )
    parser.add_argument(
        "--open-share",
        type=float,
        default=0.0,
        help="share of the invoices already due that are still unpaid (at least)",
    )
    parser.add_argument("--months", type=int, default=18)
    args = parser.parse_args()

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.db, "--log-level=info"])
    registry = odoo.modules.registry.Registry(args.db)
    start = time.monotonic()
    try:
        # The cursor commits only when the whole book is built: an error leaves nothing behind.
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            stats = env["ar.book.generator"].generate(
                args.customers,
                args.invoices,
                seed=args.seed,
                late_share=args.late_share,
                months=args.months,
                open_share=args.open_share,
            )
    except odoo.exceptions.UserError as error:
        print(f"ar generate: {error}", file=sys.stderr)
        return 2
    elapsed = time.monotonic() - start
    print(
        f"ar generate: {stats['customers']} customers, {stats['invoices']} invoices, "
        f"{stats['credit_notes']} credit notes, {stats['payments']} payments in {elapsed:.0f} s "
        f"({stats['invoices'] / elapsed:.0f} invoices/s) in database {args.db}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
