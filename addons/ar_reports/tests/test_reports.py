from collections import Counter

from odoo import Command, fields
from odoo.tests import tagged

from .common import ArBookCase, D


@tagged("post_install", "-at_install")
class TestReportViews(ArBookCase):
    """Each SQL view against the same figures computed record by record with the ORM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Dispute = cls.env["ar.dispute"]
        promotion = cls.env.ref("ar_relationship.ar_reason_code_deduction_promotion")
        freight = cls.env.ref("ar_relationship.ar_reason_code_deduction_freight")
        cls.deductions = Dispute.create(
            [
                {
                    "invoice_id": cls.a3.id,
                    "kind": "deduction",
                    "amount": 50,
                    "reason_id": promotion.id,
                    "date_opened": D("2026-02-20"),
                },
                {
                    "invoice_id": cls.b1.id,
                    "kind": "deduction",
                    "amount": 20,
                    "reason_id": freight.id,
                    "date_opened": D("2026-03-05"),
                },
                {
                    "invoice_id": cls.c2.id,
                    "kind": "deduction",
                    "amount": 30,
                    "reason_id": promotion.id,
                    "date_opened": D("2026-03-07"),
                },
            ]
        )
        cls.deductions[0]._ar_reject("Not agreed", D("2026-03-02"))
        cash = cls.env.ref("ar_relationship.ar_reason_code_late_cash_flow")
        cls.env["ar.touchpoint"].create(
            {
                "partner_id": cls.a.id,
                "invoice_ids": [Command.set(cls.a3.ids)],
                "kind": "call",
                "summary": "Called",
                "reason_id": cash.id,
                "date": "2026-03-20 10:00:00",
            }
        )

    def test_late_payment_view_equals_the_orm(self):
        invoices = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("paid", "in_payment")),
                ("company_id", "=", self.env.company.id),
            ]
        )
        expected = set()
        for invoice in invoices:
            receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
            paid = max(receivable.matched_credit_ids.mapped("max_date"))
            if paid > invoice.invoice_date_due:
                expected.add((invoice.id, paid, (paid - invoice.invoice_date_due).days))
        rows = self.env["ar.late.payment.report"].search([("company_id", "=", self.env.company.id)])
        self.assertEqual({(row.invoice_id.id, row.paid_date, row.days_late) for row in rows}, expected)
        self.assertEqual(len(expected), 2)

    def test_aging_view_equals_the_orm(self):
        today = fields.Date.context_today(self.env["ar.aging.report"])
        lines = self.env["account.move.line"].search(
            [
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("company_id", "=", self.env.company.id),
            ]
        )
        expected = Counter()
        for line in lines:
            if line.date <= today:
                expected[line.partner_id.commercial_partner_id.id] += line.amount_residual
        rows = self.env["ar.aging.report"].search([("company_id", "=", self.env.company.id)])
        self.assertEqual(
            {row.partner_id.id: round(row.total, 2) for row in rows},
            {partner: round(amount, 2) for partner, amount in expected.items() if round(amount, 2)},
        )

    def test_deductions_by_month_and_days_to_resolve_equal_the_orm(self):
        groups = self.env["ar.dispute.report"]._read_group(
            [("kind", "=", "deduction"), ("company_id", "=", self.env.company.id)],
            ["date_opened:month"],
            ["__count", "amount:sum"],
        )
        by_month = {month.strftime("%Y-%m"): (count, amount) for month, count, amount in groups}
        expected = {}
        for deduction in self.deductions:
            month = deduction.date_opened.strftime("%Y-%m")
            count, amount = expected.get(month, (0, 0.0))
            expected[month] = (count + 1, amount + deduction.amount)
        self.assertEqual(by_month, expected)
        [(average,)] = self.env["ar.dispute.report"]._read_group(
            [("date_resolved", "!=", False), ("company_id", "=", self.env.company.id)],
            aggregates=["days_to_resolve:avg"],
        )
        self.assertEqual(average, (D("2026-03-02") - D("2026-02-20")).days)

    def test_reason_ranking_equals_the_orm(self):
        groups = self.env["ar.reason.report"]._read_group(
            [("company_id", "=", self.env.company.id)], ["reason_id"], ["__count", "amount:sum"]
        )
        ranking = {reason: (count, round(amount, 2)) for reason, count, amount in groups}
        expected = Counter()
        amounts = Counter()
        touchpoints = self.env["ar.touchpoint"].search(
            [("reason_id", "!=", False), ("company_id", "=", self.env.company.id)]
        )
        for touchpoint in touchpoints:
            expected[touchpoint.reason_id] += 1
            amounts[touchpoint.reason_id] += sum(touchpoint.invoice_ids.mapped("amount_total_signed"))
        for dispute in self.env["ar.dispute"].search([("company_id", "=", self.env.company.id)]):
            expected[dispute.reason_id] += 1
            amounts[dispute.reason_id] += dispute.amount
        self.assertEqual(ranking, {reason: (count, round(amounts[reason], 2)) for reason, count in expected.items()})
