from datetime import date, timedelta

from odoo import Command, fields
from odoo.addons.ar_relationship.tests.ar_common import ArAccountingCase, ar_users
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

D = date.fromisoformat
MARCH = ("2026-03-01", "2026-03-31")


@tagged("post_install", "-at_install")
class TestDashboard(ArAccountingCase):
    """The dashboard's figures and the records each of its clicks opens, on a small book: March
    2026 against the 31 days before (2026-01-29 to 2026-02-28)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha, cls.bravo = cls._customer("Alpha"), cls._customer("Bravo")
        # 30-day terms: each invoice falls due 30 days after its date.
        cls.a1 = cls._invoice(cls.alpha, D("2026-01-05"), 1000)  # due 02-04, never paid
        cls.b1 = cls._invoice(cls.bravo, D("2026-02-10"), 3000)  # due 03-12, paid 8 days late
        cls._pay(cls.b1, D("2026-03-20"))
        cls.b2 = cls._invoice(cls.bravo, D("2026-03-15"), 2000)  # due 04-14: not due on 03-31
        cls.reason = cls.env.ref("ar_relationship.ar_reason_code_deduction_promotion")
        cls.deduction = cls.env["ar.dispute"].create(
            {
                "invoice_id": cls.b2.id,
                "kind": "deduction",
                "amount": 150,
                "reason_id": cls.reason.id,
                "date_opened": D("2026-03-05"),
            }
        )
        cls.data = cls.env["ar.kpi"].dashboard_data(*MARCH, cls.env.company.ids)

    def _open(self, key, value=None, period=MARCH):
        action = self.env["ar.kpi"].action_open_kpi(key, *period, self.env.company.ids, value)
        return self.env[action["res_model"]].search(action["domain"])

    def _receivable(self, *invoices):
        return (
            invoices[0]
            .browse([i.id for i in invoices])
            .line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        )

    def test_tiles_show_the_change_against_the_previous_period(self):
        tiles = {tile["key"]: tile for tile in self.data["tiles"]}
        self.assertEqual((self.data["previous_from"], self.data["previous_to"]), ("2026-01-29", "2026-02-28"))
        # March: 2,000 sold; 3,000 open on 03-31, of which 1,000 overdue (a1).
        # Before: 3,000 sold (b1); 4,000 open on 02-28, of which 1,000 overdue (a1).
        self.assertAlmostEqual(tiles["dso"]["value"], 3000 / 2000 * 31)
        self.assertAlmostEqual(tiles["dso"]["previous"], 4000 / 3000 * 31)
        self.assertAlmostEqual(tiles["dso"]["change"], 3000 / 2000 * 31 - 4000 / 3000 * 31)
        self.assertAlmostEqual(tiles["overdue_share"]["value"], 1000 / 3000 * 100)
        self.assertAlmostEqual(tiles["overdue_share"]["previous"], 25.0)
        self.assertFalse(tiles["overdue_share"]["higher_is_better"])
        self.assertTrue(tiles["cei"]["higher_is_better"])
        # No promise was due in either period: nothing to compare.
        self.assertEqual((tiles["promise_kept_rate"]["value"], tiles["promise_kept_rate"]["change"]), (None, None))
        self.assertEqual(
            [tile["key"] for tile in self.data["tiles"]],
            ["dso", "best_possible_dso", "add", "cei", "overdue_share", "promise_kept_rate"],
        )

    def test_charts_and_top_lists_carry_names(self):
        self.assertEqual(
            [(row["month"], row["count"], row["amount"]) for row in self.data["late_payments_by_month"]],
            [("2026-03", 1, 3000.0)],
        )
        self.assertEqual(
            [(row["month"], row["amount"]) for row in self.data["deductions_by_month"]], [("2026-03", 150.0)]
        )
        self.assertEqual(
            [
                (row["name"], row["overdue_amount"], row["oldest_days_overdue"])
                for row in self.data["top_delinquent_customers"]
            ],
            [("Alpha", 1000.0, 55)],
        )
        self.assertEqual(
            [(row["name"], row["count"]) for row in self.data["top_deduction_reasons"]], [(self.reason.name, 1)]
        )

    def test_months_without_any_late_payment_are_on_the_axis_at_zero(self):
        data = self.env["ar.kpi"].dashboard_data("2026-01-15", "2026-03-31", self.env.company.ids)
        self.assertEqual(
            [(row["month"], row["count"]) for row in data["late_payments_by_month"]],
            [("2026-01", 0), ("2026-02", 0), ("2026-03", 1)],
        )

    def test_dso_tile_opens_the_receivable_open_at_the_end_of_the_period(self):
        self.assertEqual(self._open("dso"), self._receivable(self.a1, self.b2))
        # On 02-28, b1 was still open: it was paid in March.
        february = ("2026-02-01", "2026-02-28")
        lines = self._open("dso", period=february)
        self.assertEqual(lines, self._receivable(self.a1, self.b1))
        kpi = self.env["ar.kpi"].compute(*february, self.env.company.ids)
        self.assertAlmostEqual(sum(lines.mapped("balance")), sum(kpi["aging"].values()))

    def test_overdue_tiles_and_aging_buckets_open_their_part_of_the_receivable(self):
        self.assertEqual(self._open("overdue_share"), self._receivable(self.a1))
        self.assertEqual(self._open("add"), self._receivable(self.a1))
        self.assertEqual(self._open("best_possible_dso"), self._receivable(self.b2))
        self.assertEqual(self._open("current"), self._receivable(self.b2))
        self.assertEqual(self._open("d31_60"), self._receivable(self.a1))
        self.assertFalse(self._open("d1_30"))

    def test_month_bar_opens_the_invoices_paid_late_that_month(self):
        late = self._open("late_payment_month", "2026-03")
        self.assertEqual(late.invoice_id, self.b1)
        self.assertEqual(late.days_late, 8)
        self.assertFalse(self._open("late_payment_month", "2026-02", period=("2026-01-01", "2026-02-28")))

    def test_deduction_bar_and_reason_row_open_the_deductions(self):
        self.assertEqual(self._open("deduction_month", "2026-03"), self.deduction)
        self.assertEqual(self._open("deduction_reason", self.reason.id), self.deduction)

    def test_delinquent_row_opens_the_customers_open_invoices(self):
        action = self.env["ar.kpi"].action_open_kpi("delinquent_customer", *MARCH, self.env.company.ids, self.alpha.id)
        self.assertEqual(action["name"], "Open invoices of Alpha")
        self.assertEqual(self.env["account.move"].search(action["domain"]), self.a1)
        self.assertEqual(self._open("delinquent_customer", self.bravo.id), self.b2)

    def test_late_reason_row_opens_the_touchpoints_that_gave_it(self):
        reason = self.env.ref("ar_relationship.ar_reason_code_late_cash_flow")
        touchpoint = self.env["ar.touchpoint"].create(
            {
                "partner_id": self.alpha.id,
                "kind": "call",
                "summary": "Cash is tight",
                "reason_id": reason.id,
                "date": fields.Datetime.to_datetime("2026-03-10 10:00:00"),
                "invoice_ids": [Command.set(self.a1.ids)],
                "company_id": self.env.company.id,
            }
        )
        self.assertEqual(self._open("late_reason", reason.id), touchpoint)

    def _dashboard_queries(self):
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.env["ar.kpi"].dashboard_data(*MARCH, self.env.company.ids)
        return self.cr.sql_log_count - before

    def test_dashboard_costs_the_same_queries_for_more_customers(self):
        self._dashboard_queries()  # warm the caches that do not depend on the book
        few = self._dashboard_queries()
        self.assertGreater(few, 0)
        for name in ("Charlie", "Delta", "Echo", "Foxtrot", "Golf"):
            self._invoice(self._customer(name), D("2026-01-20"), 700)
        self.env.flush_all()
        self.assertEqual(self._dashboard_queries(), few)

    def test_only_the_users_companies_and_ar_viewers(self):
        viewer, _collector, _manager = ar_users(self.env)
        other = self.env["res.company"].create({"name": "Not mine"})
        with self.assertRaises(AccessError):
            self.env["ar.kpi"].with_user(viewer).dashboard_data(*MARCH, other.ids)
        with self.assertRaises(AccessError):
            self.env["ar.kpi"].with_user(viewer).action_open_kpi("dso", *MARCH, other.ids)
        portal = new_test_user(self.env, login="ar_dashboard_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["ar.kpi"].with_user(portal).dashboard_data(*MARCH)


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def test_dashboard_opens_the_invoices_of_a_delinquent_customer(self):
        customer = self.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        day = fields.Date.today() - timedelta(days=60)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": day,
                "invoice_date_due": day + timedelta(days=30),
                # Far above any demo customer: the first row of the top 10.
                "invoice_line_ids": [Command.create({"name": "Consulting", "price_unit": 10_000_000, "tax_ids": []})],
            }
        )
        invoice.action_post()
        # The back office's asset bundle is built on the first page load of a test run: on a
        # busy machine that alone can take most of the default minute.
        self.start_tour(
            "/odoo/action-ar_reports.ar_dashboard_action", "ar_reports_dashboard", login="admin", timeout=180
        )
