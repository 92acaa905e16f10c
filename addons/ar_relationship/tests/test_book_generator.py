import random
import re
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import late_share


class Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestBookGenerator(TransactionCase):
    def _generate(self, **kwargs):
        args = {"customers": 12, "invoices": 150, "seed": 7, "late_share": 0.4, "months": 12}
        args.update(kwargs)
        before = self.env["res.partner"].search([]).ids
        stats = self.env["ar.book.generator"].generate(**args)
        partners = self.env["res.partner"].search([("id", "not in", before), ("is_company", "=", True)])
        return stats, partners

    def _book(self, partners):
        return self.env["account.move"].search(
            [("partner_id", "in", partners.ids), ("move_type", "in", ("out_invoice", "out_refund"))],
            order="invoice_date, id",
        )

    def test_receivable_balance_equals_open_residuals(self):
        # A seed whose book has invoices in every payment state.
        stats, partners = self._generate(seed=9)
        self.assertEqual((stats["customers"], stats["invoices"]), (12, 150))
        moves = self._book(partners)
        receivable = self.env["account.move.line"].search(
            [
                ("partner_id", "in", partners.ids),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
        )
        currency = self.env.company.currency_id
        balance = sum(receivable.mapped("balance"))
        open_residuals = sum(moves.mapped(lambda m: m.amount_residual * (1 if m.move_type == "out_invoice" else -1)))
        self.assertTrue(currency.compare_amounts(balance, open_residuals) == 0, (balance, open_residuals))
        self.assertTrue(currency.compare_amounts(balance, 0) > 0)
        for move in receivable.move_id:
            self.assertTrue(currency.is_zero(sum(move.line_ids.mapped("balance"))), move.name)
        # Every entry the generator touched is posted and reconciled through Odoo, not faked.
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        states = set(moves.filtered(lambda m: m.move_type == "out_invoice").mapped("payment_state"))
        self.assertTrue({"paid", "not_paid", "partial"} <= states, states)

    def test_share_of_late_payments_is_what_was_asked(self):
        for asked in (0.15, 0.5):
            _stats, partners = self._generate(late_share=asked, seed=11)
            invoices = self._book(partners).filtered(lambda m: m.move_type == "out_invoice")
            self.assertAlmostEqual(late_share(invoices), asked, delta=0.02)

    def _signature(self, seed):
        try:
            with self.env.cr.savepoint():
                _stats, partners = self._generate(seed=seed, invoices=60, customers=6)
                signature = [
                    (
                        m.partner_id.name,
                        m.move_type,
                        m.invoice_date,
                        m.invoice_date_due,
                        m.amount_total,
                        m.amount_residual,
                    )
                    for m in self._book(partners)
                ]
                raise Rollback
        except Rollback:
            self.env.invalidate_all()
        return signature

    def test_same_seed_same_book(self):
        first = self._signature(3)
        self.assertEqual(first, self._signature(3))
        self.assertNotEqual(first, self._signature(4))

    def test_open_share_leaves_due_invoices_unpaid(self):
        _stats, partners = self._generate(open_share=0.3, seed=5)
        invoices = self._book(partners).filtered(lambda m: m.move_type == "out_invoice")
        due = invoices.filtered(lambda m: m.invoice_date_due < date.today())
        overdue = due.filtered(lambda m: m.payment_state in ("not_paid", "partial"))
        self.assertGreaterEqual(len(overdue), round(0.3 * len(due)))
        self.assertLess(len(overdue), round(0.5 * len(due)))

    def test_a_book_planned_another_day_is_the_same_book(self):
        """The demo is built on install day: whatever the day, the same customers pay the same
        invoices as late, even when end-of-month terms make due dates move with the calendar."""
        Generator = self.env["ar.book.generator"]

        def planned(today):
            plan = []
            for index in range(60):
                day = today - timedelta(days=7 * index)
                # Every third invoice is due at the end of the following month.
                due = day + relativedelta(months=1, day=31) if index % 3 == 0 else day + timedelta(days=30)
                plan.append(
                    {
                        "partner": index % 4,
                        "profile": ("chronic", "average", "reliable", "short")[index % 4],
                        "date": day,
                        "due": due,
                    }
                )
            Generator._plan_payments(plan, random.Random(5), today, None)
            return [
                (index, line["credit"], line["split"], line["short"], line["late"], line["late_days"])
                + (() if index % 3 == 0 else ((line["pay_date"] - line["date"]).days,))
                for index, line in enumerate(plan)
            ]

        first = planned(date(2026, 1, 1))
        for days in range(1, 60, 3):
            self.assertEqual(planned(date(2026, 1, 1) + timedelta(days=days)), first)

    def test_bad_arguments_create_nothing(self):
        count = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, "at least one customer"):
            self.env["ar.book.generator"].generate(customers=0, invoices=10)
        with self.assertRaisesRegex(UserError, "between 0 and 1"):
            self.env["ar.book.generator"].generate(customers=2, invoices=10, late_share=1.5)
        with self.assertRaisesRegex(UserError, "unpaid invoices must be between 0 and 1"):
            self.env["ar.book.generator"].generate(customers=2, invoices=10, open_share=-0.1)
        self.assertEqual(self.env["account.move"].search_count([]), count)

    # ------------------------------------------------------------------------------------
    # The bulk writer writes what the ORM writes

    BOOK_TABLES = (
        "res_partner",
        "account_move",
        "account_move_line",
        "account_payment",
        "account_partial_reconcile",
        "account_full_reconcile",
        "ar_touchpoint",
        "ar_dispute",
        "mail_followers",
    )
    # Relation tables of the book: (table, its two columns and the tables they point to).
    BOOK_RELATIONS = (
        ("account_move_line_account_tax_rel", "account_move_line_id", "account_move_line", "account_tax_id", None),
        ("ar_touchpoint_account_move_rel", "touchpoint_id", "ar_touchpoint", "move_id", "account_move"),
        (
            "mail_followers_mail_message_subtype_rel",
            "mail_followers_id",
            "mail_followers",
            "mail_message_subtype_id",
            None,
        ),
    )

    def _rows(self, table, after):
        self.env.cr.execute(f"SELECT * FROM {table} WHERE id > %s ORDER BY id", [after])  # noqa: S608
        names = [column.name for column in self.env.cr.description]
        return [dict(zip(names, row, strict=True)) for row in self.env.cr.fetchall()]

    def _foreign_keys(self, table):
        self.env.cr.execute(
            """SELECT a.attname, r.relname FROM pg_constraint c
                 JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'f' AND t.relname = %s""",
            [table],
        )
        return dict(self.env.cr.fetchall())

    def _snapshot(self, bulk):
        """Every column of every row the generator wrote, ids replaced by what the rows are."""
        self.env.flush_all()
        starts = {}
        for table in self.BOOK_TABLES:
            self.env.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            starts[table] = self.env.cr.fetchone()[0]
        try:
            with self.env.cr.savepoint():
                self.env["ar.book.generator"].generate(
                    # Seed 67 gives these 8 customers every payment term, short, chronic and new payers.
                    customers=8,
                    invoices=90,
                    seed=67,
                    late_share=0.35,
                    months=14,
                    bulk=bulk,
                )
                self.env.flush_all()
                rows = {table: self._rows(table, starts[table]) for table in self.BOOK_TABLES}
                relations = {}
                for table, left, left_table, right, _right_table in self.BOOK_RELATIONS:
                    self.env.cr.execute(
                        f"SELECT {left}, {right} FROM {table} WHERE {left} > %s",  # noqa: S608
                        [starts[left_table]],
                    )
                    relations[table] = self.env.cr.fetchall()
                raise Rollback
        except Rollback:
            self.env.invalidate_all()
        keys = {table: {} for table in self.BOOK_TABLES}
        keys["res_partner"] = {row["id"]: ("partner", row["name"], row["email"]) for row in rows["res_partner"]}
        keys["account_move"] = {row["id"]: row["name"] for row in rows["account_move"]}
        keys["account_payment"] = {row["id"]: row["name"] for row in rows["account_payment"]}
        for row in rows["account_move_line"]:
            keys["account_move_line"][row["id"]] = (
                keys["account_move"][row["move_id"]],
                row["display_type"],
                row["account_id"],
            )
        for row in rows["account_partial_reconcile"]:
            keys["account_partial_reconcile"][row["id"]] = (
                keys["account_move_line"][row["debit_move_id"]],
                keys["account_move_line"][row["credit_move_id"]],
            )
        for row in rows["account_full_reconcile"]:
            keys["account_full_reconcile"][row["id"]] = tuple(
                sorted(
                    keys["account_move_line"][line["id"]]
                    for line in rows["account_move_line"]
                    if line["full_reconcile_id"] == row["id"]
                )
            )
        # Dispute numbers come from an ir.sequence, which a rollback does not give back.
        numbers = re.compile(r"DSP/\d+/\d+")
        for row in rows["ar_dispute"]:
            keys["ar_dispute"][row["id"]] = ("dispute", keys["account_move"].get(row["invoice_id"]))
        for row in rows["ar_touchpoint"]:
            record = keys["account_move" if row["res_model"] == "account.move" else "ar_dispute"].get(row["res_id"])
            keys["ar_touchpoint"][row["id"]] = (row["res_model"], record, numbers.sub("DSP", row["summary"]))
        for row in rows["mail_followers"]:
            keys["mail_followers"][row["id"]] = (
                keys["account_move"].get(row["res_id"]),
                keys["res_partner"].get(row["partner_id"]),
            )

        def key(table, value):
            return keys[table].get(value, value) if table in keys else value

        snapshot = {}
        for table in self.BOOK_TABLES:
            foreign = self._foreign_keys(table)
            normalized = []
            for row in rows[table]:
                # Rows are paired by what they are, for the comparison.
                values = {"_key": repr(keys[table].get(row["id"]))}
                for column, value in row.items():
                    if column in ("id", "create_date", "write_date"):
                        continue
                    if column in foreign:
                        value = key(foreign[column], value)
                    elif column == "res_id":
                        value = key("account_move" if row.get("res_model") == "account.move" else "ar_dispute", value)
                    elif column == "matching_number" and value:
                        value = key("account_partial_reconcile", int(value[1:])) if value[0] == "P" else "full"
                    elif isinstance(value, str):
                        value = numbers.sub("DSP", value)
                    elif isinstance(value, datetime) and value.date() == date.today():
                        # Today's events are timestamped "now", which moves from one run to the next.
                        value = "today"
                    values[column] = value
                normalized.append(values)
            snapshot[table] = sorted(normalized, key=lambda values: (values["_key"], repr(values)))
        for table, _left, left_table, _right, right_table in self.BOOK_RELATIONS:
            snapshot[table] = sorted(
                (repr(key(left_table, a)), repr(key(right_table, b) if right_table else b)) for a, b in relations[table]
            )
        return snapshot

    def test_paid_date_filled_on_install_is_the_one_the_orm_computes(self):
        _stats, partners = self._generate(customers=6, invoices=60)
        Move = self.env["account.move"]
        moves = Move.search([("partner_id", "in", partners.ids)])
        self.env.add_to_compute(Move._fields["ar_paid_date"], moves)
        computed = {move.id: move.ar_paid_date for move in moves}
        self.assertTrue(any(computed.values()) and not all(computed.values()))
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_move SET ar_paid_date = NULL")
        Move._ar_fill_paid_date()
        Move.invalidate_model(["ar_paid_date"])
        self.assertEqual({move.id: move.ar_paid_date for move in moves}, computed)

    def test_bulk_book_is_the_book_the_orm_writes(self):
        orm, bulk = self._snapshot(bulk=False), self._snapshot(bulk=True)
        # The customers last: their figures follow from the rest.
        for table in sorted(orm, key=lambda table: table == "res_partner"):
            self.assertEqual(len(orm[table]), len(bulk[table]), table)
            if table in self.BOOK_TABLES:
                differences = {
                    column
                    for orm_row, bulk_row in zip(orm[table], bulk[table], strict=True)
                    for column in orm_row
                    if orm_row[column] != bulk_row[column]
                }
                examples = {
                    column: next(
                        (o[column], b[column])
                        for o, b in zip(orm[table], bulk[table], strict=True)
                        if o[column] != b[column]
                    )
                    for column in differences
                }
                self.assertFalse(differences, f"{table}: orm vs bulk: {examples}")
            else:
                self.assertEqual(orm[table], bulk[table], table)
        self.assertGreater(len(orm["account_payment"]), 50)
