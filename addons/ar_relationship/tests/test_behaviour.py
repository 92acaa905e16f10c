from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .ar_common import ArAccountingCase

TODAY = "2025-06-30"


def orm_behaviour(partner, today):
    """The behaviour of one customer computed the slow, obvious way, record by record, to
    check the SQL of res.partner._ar_behaviour_metrics."""
    env = partner.env
    year_ago = today - relativedelta(years=1)
    recent = today - relativedelta(months=3)
    invoices = env["account.move"].search(
        [("commercial_partner_id", "=", partner.id), ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
    )
    scored = []
    for invoice in invoices:
        if invoice.payment_state in ("reversed", "invoicing_legacy") or invoice.invoice_date_due < year_ago:
            continue
        is_paid = invoice.payment_state in ("paid", "in_payment")
        if not is_paid and invoice.invoice_date_due >= today:
            continue
        receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        paid_date = max(receivable.matched_credit_ids.credit_move_id.mapped("date"), default=invoice.invoice_date)
        days_late = max(0, ((paid_date if is_paid else today) - invoice.invoice_date_due).days)
        scored.append((invoice, is_paid, paid_date, days_late))

    def average(values):
        return sum(values) / len(values) if values else None

    paid = [(inv, day) for inv, is_paid, day, _late in scored if is_paid]
    on_time = [inv for inv, is_paid, day, _late in scored if is_paid and day <= inv.invoice_date_due]
    lines = env["account.move.line"].search(
        [
            ("partner_id.commercial_partner_id", "=", partner.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
            ("date_maturity", "<", today),
        ]
    )
    return {
        "ar_avg_days_to_pay": average([(day - inv.invoice_date).days for inv, day in paid]) or 0.0,
        "ar_avg_days_late": average([late for *_rest, late in scored]) or 0.0,
        "ar_on_time_rate": len(on_time) / len(scored) if scored else 0.0,
        "recent": average([late for inv, _p, _d, late in scored if inv.invoice_date_due >= recent]),
        "earlier": average([late for inv, _p, _d, late in scored if inv.invoice_date_due < recent]),
        "ar_sales_12m": sum(invoices.filtered(lambda inv: inv.invoice_date >= year_ago).mapped("amount_total_signed")),
        "ar_overdue_amount": sum(lines.mapped("amount_residual")),
        "ar_overdue_count": len(lines.move_id),
        "ar_oldest_overdue_days": max([(today - day).days for day in lines.mapped("date_maturity")], default=0),
    }


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestBehaviour(ArAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls._day(TODAY)
        months = [cls._day(f"2025-0{month}-01") for month in range(1, 7)]
        # Pays every invoice 25 days after its date, 5 days before it falls due.
        cls.reliable = cls._customer("Reliable Foods")
        for day in months:
            invoice = cls._invoice(cls.reliable, day)
            if day + timedelta(days=25) <= cls.today:
                cls._pay(invoice, day + timedelta(days=25))
        # Paid the first three invoices 20 days late, then stopped paying.
        cls.late = cls._customer("Late Logistics")
        for day in months:
            invoice = cls._invoice(cls.late, day)
            if day.month <= 3:
                cls._pay(invoice, invoice.invoice_date_due + timedelta(days=20))
        # Pays half of each invoice on time, the rest 10 days late; one invoice is half paid.
        cls.split = cls._customer("Split Payments")
        for day in months[:4]:
            invoice = cls._invoice(cls.split, day, 800.0)
            cls._pay(invoice, day + timedelta(days=10), 400.0)
            if day.month < 4:
                cls._pay(invoice, invoice.invoice_date_due + timedelta(days=10))

    def test_reliable_customer_is_healthy_and_says_why(self):
        self.reliable._ar_refresh_behaviour()
        self.assertEqual(self.reliable.ar_on_time_rate, 1.0)
        self.assertEqual(self.reliable.ar_avg_days_to_pay, 25.0)
        self.assertEqual(self.reliable.ar_overdue_amount, 0.0)
        self.assertEqual(self.reliable.ar_trend, "stable")
        self.assertEqual(self.reliable.ar_health_score, 100)
        self.assertEqual(self.reliable.ar_health_level, "good")
        self.assertEqual(self.reliable.ar_health_explanation, "Pays on time: nothing lowers the score.")
        self.assertEqual(self.reliable.ar_customer_since, self._day("2025-01-01"))

    def test_late_customer_scores_low_with_the_factors_largest_first(self):
        late = self.late
        late._ar_refresh_behaviour()
        # April's invoice fell due on May 1st, May's on May 31st: both unpaid.
        self.assertEqual((late.ar_overdue_count, late.ar_oldest_overdue_days), (2, 60))
        self.assertEqual(late.ar_overdue_amount, 2000.0)
        self.assertEqual(late.ar_sales_12m, 6000.0)
        self.assertEqual(late.ar_on_time_rate, 0.0)
        # 20, 20, 20 days for the paid ones, 60 and 30 so far for the open ones.
        self.assertEqual(late.ar_avg_days_late, 30.0)
        self.assertEqual(late.ar_trend, "worsening")
        self.assertEqual(late.ar_health_score, 28)
        self.assertEqual(late.ar_health_level, "at_risk")
        self.assertEqual(
            late.ar_health_explanation,
            "on-time rate 0% over 12 months (-30); overdue amount is 33% of 12 months of invoicing (-17); "
            "2 invoices overdue, oldest 60 days (-15); payments worsening (-10)",
        )
        # The badge sales users see on the customer and on its contacts.
        self.assertEqual(late.child_ids.ar_health_badge, "28 / 100")
        self.assertEqual(late.child_ids.ar_health_badge_level, "at_risk")

    def test_disputes_and_broken_promises_come_from_the_hooks(self):
        partner_model = type(self.env["res.partner"])
        reliable = self.reliable
        with (
            patch.object(partner_model, "_ar_open_dispute_amounts", lambda partners: {reliable.id: 500.0}),
            patch.object(partner_model, "_ar_broken_promise_counts", lambda partners, since: {reliable.id: 2}),
            patch.object(partner_model, "_ar_open_promise_counts", lambda partners: {reliable.id: 1}),
        ):
            reliable._ar_refresh_behaviour()
        self.assertEqual(reliable.ar_open_dispute_amount, 500.0)
        self.assertEqual((reliable.ar_open_promise_count, reliable.ar_broken_promise_count), (1, 2))
        self.assertEqual(reliable.ar_health_score, 70)
        self.assertEqual(
            reliable.ar_health_explanation,
            "2 promises broken in 12 months (-20); invoices under dispute (-10)",
        )

    def test_sql_equals_the_plain_orm_computation(self):
        customers = self.reliable | self.late | self.split
        customers._ar_refresh_behaviour()
        for customer in customers:
            expected = orm_behaviour(customer, self.today)
            for fname in ("ar_avg_days_to_pay", "ar_avg_days_late", "ar_on_time_rate", "ar_sales_12m"):
                self.assertAlmostEqual(customer[fname], expected[fname], places=1, msg=f"{customer.name} {fname}")
            for fname in ("ar_overdue_amount", "ar_overdue_count", "ar_oldest_overdue_days"):
                self.assertEqual(customer[fname], expected[fname], f"{customer.name} {fname}")
            self.assertEqual(customer.ar_trend, customer._ar_trend(expected["recent"], expected["earlier"]))
        # The split payer: something to compare, not only zeros.
        self.assertEqual(self.split.ar_overdue_count, 1)
        self.assertGreater(self.split.ar_avg_days_late, 0)

    def test_payment_reconciled_updates_the_behaviour_and_logs_a_touchpoint(self):
        late = self.late
        late._ar_refresh_behaviour()
        self.assertEqual(late.ar_overdue_count, 2)
        april = self.env["account.move"].search(
            [("partner_id", "=", late.id), ("invoice_date", "=", "2025-04-01")], limit=1
        )
        self._pay(april, self.today, 400.0)
        self.assertEqual(late.ar_overdue_amount, 1600.0, "read after the payment, without any explicit refresh")
        touchpoint = self.env["ar.touchpoint"].search([("partner_id", "=", late.id), ("invoice_ids", "in", april.ids)])
        self.assertEqual(len(touchpoint), 1)
        self.assertEqual((touchpoint.kind, touchpoint.direction, touchpoint.outcome), ("payment", "in", "paid"))
        self.assertTrue(touchpoint.is_automatic)
        self.assertEqual(
            touchpoint.summary, f"Payment of $\xa0400.00 received on {april.name}, $\xa0600.00 left to pay"
        )
        self.assertEqual(late.ar_last_touchpoint_date, touchpoint.date)

        self._pay(april, self.today)
        self.assertEqual(late.ar_overdue_count, 1)
        touchpoints = self.env["ar.touchpoint"].search([("invoice_ids", "in", april.ids)], order="id")
        self.assertEqual(len(touchpoints), 2)
        self.assertEqual(touchpoints[1].summary, f"Payment of $\xa0600.00 received: {april.name} is paid")

    def test_payment_is_logged_once_even_when_reconciled_again(self):
        may = self.env["account.move"].search(
            [("partner_id", "=", self.late.id), ("invoice_date", "=", "2025-05-01")], limit=1
        )
        payment = self._pay(may, self.today)
        receivable = (may.line_ids | payment.move_id.line_ids).filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        receivable.remove_move_reconcile()
        self.assertEqual(may.payment_state, "not_paid")
        self.assertEqual(self.late.ar_overdue_count, 2, "unreconciling opens the invoice again")
        receivable.reconcile()
        self.assertEqual(self.env["ar.touchpoint"].search_count([("invoice_ids", "in", may.ids)]), 1)

    def test_past_payments_are_dated_on_their_day(self):
        touchpoints = self.env["ar.touchpoint"].search([("partner_id", "=", self.reliable.id)])
        self.assertEqual(len(touchpoints), 6)
        self.assertEqual(touchpoints[0].date.date(), self._day("2025-06-26"))
        self.assertEqual(touchpoints[-1].date.date(), self._day("2025-01-26"))

    def test_nightly_cron_refreshes_stale_customers_in_batches(self):
        customers = self.reliable | self.late | self.split
        customers._ar_refresh_behaviour()
        with freeze_time("2025-07-20"):
            self.env["res.partner"]._cron_ar_refresh_behaviour(batch_size=100000)
            self.assertEqual(set(customers.mapped("ar_behaviour_date")), {self._day("2025-07-20")})
            # June's invoice of the late customer fell due on July 1st: now overdue too.
            self.assertEqual((self.late.ar_overdue_count, self.late.ar_oldest_overdue_days), (3, 80))

    def test_cron_takes_one_batch_per_call_and_reports_its_progress(self):
        customers = self.reliable | self.late | self.split
        customers._ar_refresh_behaviour()
        progress = []
        cron_model = type(self.env["ir.cron"])
        with (
            freeze_time("2025-07-20"),
            patch.object(
                cron_model, "_notify_progress", lambda cron, done, remaining: progress.append((done, remaining))
            ),
        ):
            self.env["res.partner"]._cron_ar_refresh_behaviour(batch_size=2)
            self.env["res.partner"]._cron_ar_refresh_behaviour(batch_size=100000)
        (done, remaining), last = progress
        self.assertEqual(done, 2)
        self.assertGreaterEqual(remaining, 1, "our three customers were stale")
        self.assertEqual(last, (remaining, 0))
        self.assertEqual(set(customers.mapped("ar_behaviour_date")), {self._day("2025-07-20")})

    def test_refresh_costs_the_same_queries_for_5_and_50_customers(self):
        customers = self.env["res.partner"].create([{"name": f"Customer {i}", "is_company": True} for i in range(55)])
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": "2025-05-01",
                    "invoice_payment_term_id": self.term_30.id,
                    "invoice_line_ids": [Command.create({"name": "Service", "price_unit": 100.0, "tax_ids": []})],
                }
                for customer in customers
            ]
        )
        invoices.action_post()
        with freeze_time("2025-07-14"):
            self.env.invalidate_all()
            customers._ar_refresh_behaviour()  # warms the caches of access rules and currencies
        with freeze_time("2025-07-15"):
            five = self._refresh_queries(customers[:5])
            # Whatever the hooks of other modules add, 50 customers cost what 5 cost.
            with self.assertQueryCount(five):
                fifty = self._refresh_queries(customers[5:])
        self.assertEqual(five, fifty)
        self.assertEqual(set(customers.mapped("ar_oldest_overdue_days")), {45})

    def _refresh_queries(self, partners):
        """The queries that refreshing `partners` costs, from a cold cache to the database."""
        self.env.invalidate_all()
        self.env.cr.flush()
        before = self.cr.sql_log_count
        partners._ar_refresh_behaviour()
        self.env.cr.flush()
        return self.cr.sql_log_count - before
