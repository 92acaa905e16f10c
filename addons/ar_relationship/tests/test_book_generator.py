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
        stats, partners = self._generate()
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

    def test_bad_arguments_create_nothing(self):
        count = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, "at least one customer"):
            self.env["ar.book.generator"].generate(customers=0, invoices=10)
        with self.assertRaisesRegex(UserError, "between 0 and 1"):
            self.env["ar.book.generator"].generate(customers=2, invoices=10, late_share=1.5)
        self.assertEqual(self.env["account.move"].search_count([]), count)
