from datetime import date

from odoo import Command
from odoo.addons.ar_relationship.tests.ar_common import ArAccountingCase

D = date.fromisoformat


class ArBookCase(ArAccountingCase):
    """A small book whose KPIs are worked out by hand in test_kpi.py, period 2026-01-01 to
    2026-03-31."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a, b, c = (cls._customer(name) for name in ("Alpha", "Bravo", "Charlie"))
        cls.a, cls.b, cls.c = a, b, c
        # 30-day terms: each invoice falls due 30 days after its date.
        a1 = cls._invoice(a, D("2025-12-01"), 1000)  # due 2025-12-31, paid 20 days late
        cls._pay(a1, D("2026-01-20"))
        a2 = cls._invoice(a, D("2026-01-10"), 2000)  # due 2026-02-09, paid on time
        cls._pay(a2, D("2026-02-05"))
        cls.a3 = cls._invoice(a, D("2026-02-15"), 3000)  # due 2026-03-17: 14 days late on 03-31
        cls.b1 = cls._invoice(b, D("2025-11-01"), 500)  # due 2025-12-01: 120 days late
        b2 = cls._invoice(b, D("2026-03-20"), 1500)  # due 2026-04-19: current
        b3 = cls._invoice(b, D("2026-01-05"), 800)  # due 2026-02-04, paid 34 days late
        cls._pay(b3, D("2026-03-10"))
        refund = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": b.id,
                "invoice_date": D("2026-03-25"),
                "date": D("2026-03-25"),
                "reversed_entry_id": b2.id,
                "invoice_line_ids": [Command.create({"name": "Discount", "price_unit": 200, "tax_ids": []})],
            }
        )
        refund.action_post()  # reconciled with b2: 1,300 left
        c1 = cls._invoice(c, D("2026-01-20"), 600)  # due 2026-02-19, 200 paid: 400 open, 40 days late
        cls._pay(c1, D("2026-03-01"), amount=200)
        cls.c2 = cls._invoice(c, D("2025-12-15"), 700)  # due 2026-01-14: 76 days late
