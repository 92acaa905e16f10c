from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .ar_common import ArAccountingCase, ar_users

TODAY = "2025-06-30"
# What the worklist's list view reads.
LIST_FIELDS = [
    "priority",
    "partner_id",
    "reason",
    "currency_id",
    "overdue_amount",
    "overdue_days",
    "health_level",
    "last_contact_date",
    "collector_id",
    "is_snoozed",
    "snoozed_until",
]


@tagged("post_install", "-at_install")
class TestWorklist(ArAccountingCase):
    """On June 30, 2025 (30-day terms, 3 grace days):

    - Atlas: 60,000 overdue 91 days, health at risk, called two days ago;
    - Fjord: 1,200 overdue 60 days under a payment plan whose first installment was missed;
    - Cedar: 2,000 overdue 30 days, its promise for June 25 broken yesterday;
    - Birch: 800 overdue 11 days, never contacted;
    - Delta: 5,000 overdue, promised for today;
    - Evergreen: 3,000 overdue, promised for July 10: nothing to do;
    - Granite: overdue but snoozed until July 5.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer, cls.collector, cls.manager = ar_users(cls.env)
        cls.collector2 = new_test_user(
            cls.env,
            login="ar_collector2",
            groups="base.group_user,account.group_account_invoice,ar_relationship.group_ar_collector",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )
        day = cls._day
        cls.atlas = cls._worklist_customer("Atlas", cls.collector, [("2025-03-01", 30000.0), ("2025-03-01", 30000.0)])
        cls.birch = cls._worklist_customer("Birch", cls.collector, [("2025-05-20", 800.0)])
        cls.cedar = cls._worklist_customer("Cedar", cls.collector, [("2025-05-01", 2000.0)])
        cls.delta = cls._worklist_customer("Delta", cls.collector2, [("2025-05-01", 5000.0)])
        cls.evergreen = cls._worklist_customer("Evergreen", cls.collector2, [("2025-05-01", 3000.0)])
        cls.fjord = cls._worklist_customer("Fjord", False, [("2025-04-01", 1200.0)])
        cls.granite = cls._worklist_customer("Granite", False, [("2025-05-01", 700.0)])
        Promise = cls.env["ar.promise"]
        with freeze_time("2025-06-10"):
            cedar_promise = Promise.create(cls._promise_vals(cls.cedar, "2025-06-10", "2025-06-25"))
        with freeze_time("2025-06-29"):
            cedar_promise._ar_evaluate()
        with freeze_time("2025-06-20"):
            Promise.create(cls._promise_vals(cls.delta, "2025-06-20", "2025-06-30"))
            Promise.create(cls._promise_vals(cls.evergreen, "2025-06-20", "2025-07-10"))
        with freeze_time("2025-05-15"):
            plan = cls.env["ar.payment.plan"].create(
                {
                    "partner_id": cls.fjord.id,
                    "invoice_ids": [Command.set(cls._invoices(cls.fjord).ids)],
                    "date": "2025-05-15",
                    "amount_total": 1200.0,
                    "line_ids": [
                        Command.create({"date": "2025-05-20", "amount": 400.0, "is_down_payment": True}),
                        Command.create({"date": "2025-08-20", "amount": 800.0}),
                    ],
                }
            )
            plan.action_propose()
            plan.action_approve()
            plan.action_activate()
        with freeze_time("2025-06-30"):
            plan._ar_evaluate()
        cls.granite.ar_snoozed_until = day("2025-07-05")
        with freeze_time("2025-06-28 10:00:00"):
            cls.env["ar.touchpoint"].create({"partner_id": cls.atlas.id, "kind": "call", "summary": "Called AP"})
        # The health comes from the accounting (tested elsewhere); set here to read the points.
        cls.env.flush_all()
        health = {cls.atlas: (30, "at_risk"), cls.cedar: (60, "watch"), cls.fjord: (55, "watch")}
        for partner in cls.atlas | cls.birch | cls.cedar | cls.delta | cls.evergreen | cls.fjord | cls.granite:
            score, level = health.get(partner, (90, "good"))
            partner.write({"ar_health_score": score, "ar_health_level": level})

    @classmethod
    def _worklist_customer(cls, name, collector, invoices):
        customer = cls._customer(name)
        customer.ar_collector_id = collector
        for day, amount in invoices:
            cls._invoice(customer, cls._day(day), amount)
        return customer

    @classmethod
    def _invoices(cls, customer):
        return cls.env["account.move"].search([("partner_id", "=", customer.id), ("move_type", "=", "out_invoice")])

    @classmethod
    def _promise_vals(cls, customer, day, promise_date):
        invoices = cls._invoices(customer)
        return {
            "partner_id": customer.id,
            "invoice_ids": [Command.set(invoices.ids)],
            "amount": sum(invoices.mapped("amount_total")),
            "date": day,
            "promise_date": promise_date,
        }

    def _rows(self, user=None, domain=None):
        with freeze_time(TODAY):
            worklist = self.env["ar.worklist"].with_user(user or self.manager)
            rows = worklist.search(domain if domain is not None else [("is_snoozed", "=", False)])
            return [(row.partner_id.name, row.priority, row.reason) for row in rows]

    # ------------------------------------------------------------------------------------
    # Order and reasons

    def test_worklist_orders_customers_by_priority_and_says_why(self):
        self.assertEqual(
            self._rows(),
            [
                ("Atlas", 75, "2 invoices 91 days late; health 30/100"),
                (
                    "Fjord",
                    60,
                    "payment plan installment missed; 1 invoice 60 days late; no contact for 46 days; health 55/100",
                ),
                ("Cedar", 55, "promise broken yesterday; 1 invoice 30 days late; never contacted; health 60/100"),
                ("Birch", 20, "1 invoice 11 days late; never contacted"),
                ("Delta", 20, "promise of $\xa05,000.00 due today"),
            ],
        )

    def test_points_add_up_to_the_priority(self):
        with freeze_time(TODAY):
            atlas = self.env["ar.worklist"].search([("partner_id", "=", self.atlas.id)])
            self.assertRecordValues(
                atlas,
                [
                    {
                        "overdue_amount": 60000.0,
                        "overdue_count": 2,
                        "overdue_days": 91,
                        "amount_points": 30,
                        "days_points": 30,
                        "health_points": 15,
                        "broken_points": 0,
                        "plan_points": 0,
                        "promise_points": 0,
                        "contact_points": 0,
                        "last_contact_date": self._day("2025-06-28"),
                        "priority": 75,
                    }
                ],
            )

    def test_worklist_counts_what_followup_exclusions_leave(self):
        with freeze_time(TODAY):
            today = fields.Date.today()
            overdue = self.env["account.move"].search(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", today),
                    ("company_id", "=", self.env.company.id),
                ]
            )
            excluded = overdue._ar_followup_exclusions()
            expected = {}
            for invoice in overdue.filtered(lambda move: move.id not in excluded):
                partner = invoice.commercial_partner_id
                expected[partner] = expected.get(partner, 0) + 1
            rows = self.env["ar.worklist"].search([("overdue_count", ">", 0)])
            self.assertEqual({row.partner_id: row.overdue_count for row in rows}, expected)
        self.assertNotIn(self.delta, expected, "promised for today: still paused")
        self.assertNotIn(self.evergreen, expected)

    # ------------------------------------------------------------------------------------
    # Queues and rights

    def test_collector_sees_own_queue_and_manager_every_queue_and_the_unassigned(self):
        self.assertEqual([name for name, *_rest in self._rows(self.collector)], ["Atlas", "Cedar", "Birch"])
        self.assertEqual([name for name, *_rest in self._rows(self.collector2)], ["Delta"])
        unassigned = self._rows(self.manager, [("collector_id", "=", False)])
        self.assertEqual([name for name, *_rest in unassigned], ["Fjord", "Granite"])
        with self.assertRaises(AccessError):
            self._rows(self.viewer)
        with self.assertRaises(AccessError):
            self.env["ar.worklist.reassign"].with_user(self.viewer).create(
                {"partner_ids": self.atlas.ids, "collector_id": self.collector.id}
            )

    def test_snoozed_customer_comes_back_on_the_date(self):
        with freeze_time(TODAY):
            action = self.env["ar.worklist"].with_user(self.collector).browse(self.birch.id).action_snooze()
            with Form(
                self.env[action["res_model"]].with_user(self.collector).with_context(**action["context"])
            ) as form:
                self.assertEqual(form.partner_ids[:], self.birch)
                form.date = self._day("2025-07-03")
                form.reason = "AP manager calls back Thursday"
            form.record.action_snooze()
        self.assertNotIn("Birch", [name for name, *_rest in self._rows(self.collector)])
        self.assertIn("Birch", [name for name, *_rest in self._rows(self.collector, [("is_snoozed", "=", True)])])
        touchpoint = self.env["ar.touchpoint"].search([("partner_id", "=", self.birch.id)], limit=1)
        self.assertEqual(touchpoint.summary, "Snoozed in the worklist until 07/03/2025: AP manager calls back Thursday")
        with freeze_time("2025-07-03"):
            rows = self.env["ar.worklist"].with_user(self.collector).search([("is_snoozed", "=", False)])
            self.assertIn(self.birch, rows.partner_id)

    def test_reassign_moves_customers_to_another_queue(self):
        with freeze_time(TODAY):
            rows = self.env["ar.worklist"].with_user(self.collector).browse((self.atlas | self.birch).ids)
            action = rows.action_reassign()
            wizard = Form(self.env[action["res_model"]].with_user(self.collector).with_context(**action["context"]))
            wizard.collector_id = self.collector2
            wizard.save().action_reassign()
        self.assertEqual(self.atlas.ar_collector_id, self.collector2)
        self.assertEqual([name for name, *_rest in self._rows(self.collector2)], ["Atlas", "Birch", "Delta"])

    # ------------------------------------------------------------------------------------
    # One click from a row

    def test_row_opens_the_promise_and_plan_forms_on_its_customer(self):
        row = self.env["ar.worklist"].with_user(self.collector).browse(self.cedar.id)
        with freeze_time(TODAY):
            for action in (row.action_record_promise(), row.action_propose_plan()):
                form = Form(self.env[action["res_model"]].with_user(self.collector).with_context(**action["context"]))
                self.assertEqual(form.partner_id, self.cedar)
                self.assertEqual(form.invoice_ids[:], self._invoices(self.cedar))

    def test_row_logs_a_call_or_opens_a_dispute_on_its_customer(self):
        row = self.env["ar.worklist"].with_user(self.collector).browse(self.cedar.id)
        self.assertEqual(row.action_log_call()["context"]["default_kind"], "call")
        action = row.action_open_dispute()
        invoice = self._invoices(self.cedar)[:1]
        with Form(self.env[action["res_model"]].with_user(self.collector).with_context(**action["context"])) as form:
            self.assertEqual((form.partner_id, form.kind), (self.cedar, "dispute"))
            form.invoice_id = invoice
            form.reason_id = self.env.ref("ar_relationship.ar_reason_code_dispute_pricing")
            form.amount = 10
        dispute = form.record
        self.assertEqual((dispute.partner_id, dispute.invoice_id, dispute.state), (self.cedar, invoice, "new"))
        self.assertTrue(
            self.env["ar.touchpoint"].search([("partner_id", "=", self.cedar.id), ("kind", "=", "dispute")]),
            "the new dispute is on the customer's timeline",
        )

    def test_row_emails_the_overdue_invoices_to_the_billing_contact(self):
        self.atlas.ar_billing_contact_id = self.atlas.child_ids
        with freeze_time(TODAY):
            action = self.env["ar.worklist"].with_user(self.collector).browse(self.atlas.id).action_email()
            composer = Form(self.env[action["res_model"]].with_user(self.collector).with_context(**action["context"]))
            self.assertEqual(composer.partner_ids[:], self.atlas.child_ids)
            self.assertEqual(composer.subject, "Overdue invoices: Atlas")
            for invoice in self._invoices(self.atlas):
                self.assertIn(invoice.name, composer.body)
            self.assertIn("30,000.00", composer.body)

    # ------------------------------------------------------------------------------------
    # Cost

    def _extra_customers(self, count):
        customers = self.env["res.partner"].create(
            [
                {"name": f"Extra {index}", "is_company": True, "ar_collector_id": self.collector.id}
                for index in range(count)
            ]
        )
        self.env["account.move"].create(
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
        ).action_post()

    def _warm_worklist(self):
        """The worklist as the manager opens it, with the ORM's caches of rights and rules warm
        and no record in cache."""
        worklist = self.env["ar.worklist"].with_user(self.manager)
        worklist.search_read([], LIST_FIELDS)
        self.env.invalidate_all()
        return worklist

    def test_opening_the_worklist_costs_the_same_queries_for_5_and_50_customers(self):
        with freeze_time(TODAY):
            self._extra_customers(5)
            worklist = self._warm_worklist()
            before = self.cr.sql_log_count
            rows = worklist.search_read([], LIST_FIELDS)
            queries = self.cr.sql_log_count - before
            self.assertEqual(len(rows), 6 + 5)
            self._extra_customers(45)
            worklist = self._warm_worklist()
            with self.assertQueryCount(queries):
                rows = worklist.search_read([], LIST_FIELDS)
            self.assertEqual(len(rows), 6 + 50)
