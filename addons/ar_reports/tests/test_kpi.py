from odoo import Command
from odoo.tests import tagged

from .common import ArBookCase, D


@tagged("post_install", "-at_install")
class TestKpi(ArBookCase):
    """Every KPI on the small book of ArBookCase, the expected figures worked out by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kpi = cls.env["ar.kpi"].compute(D("2026-01-01"), D("2026-03-31"), cls.env.company.ids)

    def test_keys_are_exactly_the_documented_ones(self):
        self.assertEqual(
            set(self.kpi),
            {
                "dso",
                "best_possible_dso",
                "add",
                "cei",
                "late_payments_by_month",
                "avg_days_to_resolve_delinquency",
                "top_late_reasons",
                "deductions_by_month",
                "top_deduction_reasons",
                "avg_days_to_resolve_deduction",
                "top_delinquent_customers",
                "aging",
                "promise_kept_rate",
            },
        )

    def test_aging_at_the_end_of_the_period(self):
        self.assertEqual(
            self.kpi["aging"], {"current": 1300.0, "d1_30": 3000.0, "d31_60": 400.0, "d61_90": 700.0, "over_90": 500.0}
        )

    def test_dso_best_possible_dso_add_and_cei(self):
        # Credit sales: 2,000 + 3,000 + 1,500 + 800 + 600 - 200 = 7,700 over 90 days.
        # Receivable on 03-31: 5,900, of which 1,300 not yet due; on 12-31: 1,000 + 500 + 700.
        self.assertAlmostEqual(self.kpi["dso"], 5900 / 7700 * 90)
        self.assertAlmostEqual(self.kpi["best_possible_dso"], 1300 / 7700 * 90)
        self.assertAlmostEqual(self.kpi["add"], 4600 / 7700 * 90)
        self.assertAlmostEqual(self.kpi["cei"], (2200 + 7700 - 5900) / (2200 + 7700 - 1300) * 100)

    def test_late_payments_by_month_and_days_to_resolve(self):
        self.assertEqual(
            self.kpi["late_payments_by_month"],
            [{"month": "2026-01", "count": 1, "amount": 1000.0}, {"month": "2026-03", "count": 1, "amount": 800.0}],
        )
        self.assertEqual(self.kpi["avg_days_to_resolve_delinquency"], (20 + 34) / 2)

    def test_top_delinquent_customers(self):
        self.assertEqual(
            self.kpi["top_delinquent_customers"],
            [
                {"partner_id": self.a.id, "overdue_amount": 3000.0, "oldest_days_overdue": 14},
                {"partner_id": self.c.id, "overdue_amount": 1100.0, "oldest_days_overdue": 76},
                {"partner_id": self.b.id, "overdue_amount": 500.0, "oldest_days_overdue": 120},
            ],
        )

    def test_top_late_reasons_from_touchpoints(self):
        cash = self.env.ref("ar_relationship.ar_reason_code_late_cash_flow")
        not_received = self.env.ref("ar_relationship.ar_reason_code_late_invoice_not_received")
        Touchpoint = self.env["ar.touchpoint"]
        for partner, invoice, reason, day in (
            (self.a, self.a3, cash, "2026-03-20"),
            (self.c, self.c2, cash, "2026-02-01"),
            (self.b, self.b1, not_received, "2026-01-15"),
            (self.b, self.b1, cash, "2026-04-05"),  # after the period
        ):
            Touchpoint.create(
                {
                    "partner_id": partner.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "kind": "call",
                    "summary": "Called",
                    "reason_id": reason.id,
                    "date": f"{day} 10:00:00",
                }
            )
        kpi = self.env["ar.kpi"].compute(D("2026-01-01"), D("2026-03-31"), self.env.company.ids)
        self.assertEqual(
            kpi["top_late_reasons"],
            [
                {"reason_code_id": cash.id, "count": 2, "amount": 3700.0},
                {"reason_code_id": not_received.id, "count": 1, "amount": 500.0},
            ],
        )

    def test_aging_sql_equals_a_plain_orm_computation(self):
        day = D("2026-03-31")
        lines = self.env["account.move.line"].search(
            [("account_type", "=", "asset_receivable"), ("parent_state", "=", "posted"), ("date", "<=", day)]
        )
        expected = {}
        for line in lines:
            applied = sum(p.amount for p in line.matched_credit_ids if p.max_date <= day) - sum(
                p.amount for p in line.matched_debit_ids if p.max_date <= day
            )
            partner = line.partner_id.commercial_partner_id.id
            expected[partner] = expected.get(partner, 0.0) + line.balance - applied
        rows = self.env["ar.kpi"]._aging_by_partner(day, tuple(self.env.company.ids))
        computed = {
            row["partner_id"]: sum(row[b] for b in ("current", "d1_30", "d31_60", "d61_90", "over_90")) for row in rows
        }
        self.assertEqual(computed, {k: v for k, v in expected.items() if v})
