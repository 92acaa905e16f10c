import io

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools.pdf import PdfFileReader

from .ar_common import ArAccountingCase, ar_users

TODAY = "2025-06-30"
REPORT = "ar_relationship.action_report_ar_statement"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestStatement(ArAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        day = cls._day
        # Invoices on 30-day terms, falling due 120, 75, 45 and 15 days before today, and in 15
        # days; a partial payment before the period and one in it; an invoice paid in the
        # period; a credit note and a payment nobody has applied yet.
        cls.customer = cls._customer("Statement Traders")
        cls.inv_120 = cls._invoice(cls.customer, day("2025-01-31"), 5000.0)
        cls.inv_75 = cls._invoice(cls.customer, day("2025-03-17"), 4000.0)
        cls.inv_45 = cls._invoice(cls.customer, day("2025-04-16"), 3000.0)
        cls.inv_15 = cls._invoice(cls.customer, day("2025-05-16"), 2000.0)
        cls.inv_future = cls._invoice(cls.customer, day("2025-06-15"), 1000.0)
        cls.inv_paid = cls._invoice(cls.customer, day("2025-02-01"), 1500.0)
        cls._pay(cls.inv_120, day("2025-02-15"), 1000.0)
        cls._pay(cls.inv_45, day("2025-06-10"), 1000.0)
        cls._pay(cls.inv_paid, day("2025-04-10"))
        cls.credit_note = cls._credit_note(cls.customer, day("2025-06-20"), 500.0)
        cls.unapplied = cls._unapplied_payment(cls.customer, day("2025-06-30"), 700.0)

        cls.quiet = cls._customer("Quiet Partners")
        # Due today, 30, 90 and 91 days ago: the edges of the buckets.
        cls.edges = cls._customer("Edge Cases")
        for invoice_day, amount in [("2025-05-31", 10.0), ("2025-05-01", 20.0), ("2025-03-02", 40.0)]:
            cls._invoice(cls.edges, day(invoice_day), amount)
        cls._invoice(cls.edges, day("2025-03-01"), 80.0)

        cls.others = cls.env["res.partner"]
        for index in range(7):
            other = cls._customer(f"Other Customer {index}")
            invoice = cls._invoice(other, day("2025-04-01"), 100.0 * (index + 1))
            cls._pay(invoice, day("2025-05-15"), 50.0)
            cls.others |= other

    @classmethod
    def _credit_note(cls, customer, day, amount):
        credit_note = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": customer.id,
                "invoice_date": day,
                "invoice_date_due": day,
                "date": day,
                "invoice_line_ids": [
                    Command.create({"name": "Returned goods", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        credit_note.action_post()
        return credit_note

    @classmethod
    def _unapplied_payment(cls, customer, day, amount):
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": amount,
                "date": day,
                "journal_id": cls.bank.id,
                "memo": "Wire from Statement Traders",
            }
        )
        payment.action_post()
        return payment

    def _ledger_balance(self, partner, date_to):
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("partner_id.commercial_partner_id", "=", partner.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("date", "<=", date_to),
            ]
        )
        return sum(lines.mapped("balance"))

    def _statement(self, partner, date_from=None, date_to=None):
        return partner._ar_statement_data(date_from, date_to)[partner.commercial_partner_id.id]

    def _html(self, partners, data=None):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(REPORT, partners.ids, data=data)
        return html.decode()

    def test_aging_buckets_hold_the_open_amounts_by_days_past_due(self):
        statement = self._statement(self.customer)
        self.assertEqual(
            statement["aging"],
            {
                "current": 300.0,  # the invoice due in 15 days, less the payment not applied yet
                "1_30": 1500.0,  # due 15 days ago, less the credit note of 10 days ago
                "31_60": 2000.0,  # 3000 of which 1000 paid
                "61_90": 4000.0,
                "over_90": 4000.0,  # 5000 of which 1000 paid before the period
            },
        )
        self.assertEqual(statement["open_total"], 11800.0)
        self.assertEqual(statement["overdue_total"], 11500.0)

    def test_bucket_edges_due_today_is_current_and_91_days_is_over_90(self):
        statement = self._statement(self.edges)
        self.assertEqual(
            statement["aging"], {"current": 10.0, "1_30": 20.0, "31_60": 0.0, "61_90": 40.0, "over_90": 80.0}
        )
        self.assertEqual([item["days_overdue"] for item in statement["open_items"]], [91, 90, 30, 0])

    def test_open_items_list_what_is_still_owed_with_original_and_open_amounts(self):
        items = self._statement(self.customer)["open_items"]
        self.assertEqual(
            [(item["name"], item["kind"], item["amount"], item["open"], item["days_overdue"]) for item in items],
            [
                (self.inv_120.name, "invoice", 5000.0, 4000.0, 120),
                (self.inv_75.name, "invoice", 4000.0, 4000.0, 75),
                (self.inv_45.name, "invoice", 3000.0, 2000.0, 45),
                (self.inv_15.name, "invoice", 2000.0, 2000.0, 15),
                (self.credit_note.name, "credit_note", -500.0, -500.0, 0),
                (self.unapplied.move_id.name, "payment", -700.0, -700.0, 0),
                (self.inv_future.name, "invoice", 1000.0, 1000.0, 0),
            ],
        )
        self.assertEqual(items[0]["date"], self._day("2025-01-31"))
        self.assertEqual(items[0]["date_due"], self._day("2025-03-02"))
        self.assertNotIn(self.inv_paid.name, [item["name"] for item in items])

    def test_credit_note_and_unapplied_payment_lower_the_open_total_in_their_bucket(self):
        items = {item["name"]: item for item in self._statement(self.customer)["open_items"]}
        self.assertEqual(items[self.credit_note.name]["bucket"], "1_30")
        self.assertEqual(items[self.unapplied.move_id.name]["bucket"], "current")
        self.assertEqual(items[self.unapplied.move_id.name]["ref"], "Wire from Statement Traders")

    def test_payments_in_period_exclude_those_before_it(self):
        statement = self._statement(self.customer)
        self.assertEqual((statement["date_from"], statement["date_to"]), (self._day("2025-03-01"), self._day(TODAY)))
        self.assertEqual(
            [(payment["date"], payment["amount"]) for payment in statement["payments"]],
            [(self._day("2025-04-10"), 1500.0), (self._day("2025-06-10"), 1000.0), (self._day(TODAY), 700.0)],
        )
        self.assertEqual(statement["payment_total"], 3200.0)

    def test_balance_equals_the_ledger_and_the_open_items(self):
        for date_to in ["2025-04-01", "2025-06-05", TODAY]:
            statement = self._statement(self.customer, "2025-01-01", date_to)
            self.assertEqual(statement["balance"], self._ledger_balance(self.customer, date_to), date_to)
            self.assertEqual(statement["balance"], statement["open_total"], date_to)
            self.assertEqual(statement["open_total"], sum(item["open"] for item in statement["open_items"]))
        self.assertEqual(self._statement(self.customer)["balance"], 11800.0)

    def test_statement_at_an_earlier_date_shows_invoices_paid_since_as_open(self):
        statement = self._statement(self.customer, "2025-01-01", "2025-04-01")
        items = {item["name"]: item["open"] for item in statement["open_items"]}
        self.assertEqual(items, {self.inv_120.name: 4000.0, self.inv_paid.name: 1500.0, self.inv_75.name: 4000.0})
        self.assertEqual(statement["balance"], 9500.0)
        self.assertEqual([payment["amount"] for payment in statement["payments"]], [1000.0])

    def test_partner_with_nothing_open_has_a_zero_statement(self):
        statement = self._statement(self.quiet)
        self.assertEqual(statement["open_items"], [])
        self.assertEqual(statement["payments"], [])
        self.assertEqual(statement["balance"], 0.0)
        self.assertEqual(set(statement["aging"].values()), {0.0})
        self.assertIn("Nothing is open on your account.", self._html(self.quiet))

    def test_contact_prints_the_statement_of_its_company_once(self):
        contact = self.customer.child_ids[:1]
        data = (contact | self.customer)._ar_statement_data()
        self.assertEqual(list(data), [self.customer.id])
        values = self.env["report.ar_relationship.report_ar_statement"]._get_report_values(
            (contact | self.customer).ids
        )
        self.assertEqual(values["docs"], self.customer)

    def test_other_company_lines_are_not_on_the_statement(self):
        company_2 = self.setup_other_company()["company"]
        invoice = (
            self.env["account.move"]
            .with_company(company_2)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2025-06-01",
                    "invoice_line_ids": [
                        Command.create({"name": "Elsewhere", "quantity": 1, "price_unit": 999.0, "tax_ids": []})
                    ],
                }
            )
        )
        invoice.action_post()
        statement = self._statement(self.customer)
        self.assertEqual(statement["balance"], 11800.0)
        self.assertNotIn(999.0, [item["open"] for item in statement["open_items"]])
        in_company_2 = self.customer.with_company(company_2)._ar_statement_data()[self.customer.id]
        self.assertEqual(in_company_2["balance"], 999.0)

    def test_html_shows_the_figures_contact_and_collector(self):
        self.customer.ar_collector_id = self.env["res.users"].create(
            {"name": "Carla Collector", "login": "carla", "email": "carla@example.com", "phone": "+1 555 0100"}
        )
        self.customer.ar_billing_contact_id = self.customer.child_ids[:1]
        html = self._html(self.customer)
        for text in [
            "Statement of account",
            "Statement Traders",
            "AP of Statement Traders",
            self.inv_120.name,
            self.credit_note.name,
            "4,000.00",  # an aging bucket and the open amount of the oldest invoice
            "11,800.00",  # open total and balance
            "3,200.00",  # payments received in the period
            "Wire from Statement Traders",
            "Carla Collector",
            "carla@example.com",
            "+1 555 0100",
        ]:
            self.assertIn(text, html)
        self.assertNotIn(self.inv_paid.name, html.split("Payments Received")[0].split("Open Items")[1])

    def test_without_collector_the_company_is_the_contact(self):
        self.env.company.write({"email": "ar@company.example", "phone": "+1 555 0199"})
        html = self._html(self.quiet)
        self.assertIn(self.env.company.name, html)
        self.assertIn("ar@company.example", html)

    def test_dates_come_from_the_report_data(self):
        html = self._html(self.customer, data={"date_from": "2025-01-01", "date_to": "2025-04-01"})
        self.assertIn("9,500.00", html)
        self.assertIn(self.inv_paid.name, html)
        self.assertNotIn(self.inv_15.name, html)

    def test_pdf_renders_one_statement_per_customer(self):
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, report_type = report._render_qweb_pdf(REPORT, self.customer.ids)
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        partners = self.customer | self.quiet | self.edges
        batch, _type = report._render_qweb_pdf(REPORT, partners.ids)
        self.assertTrue(batch.startswith(b"%PDF"))
        self.assertGreaterEqual(len(PdfFileReader(io.BytesIO(batch)).pages), 3)
        html = self._html(partners)
        self.assertEqual(html.count("Statement of account"), 3)

    def test_viewer_without_accounting_rights_prints_statements(self):
        viewer = ar_users(self.env)[0]
        self.assertFalse(viewer.has_group("account.group_account_invoice"))
        html, _type = (
            self.env["ir.actions.report"].with_user(viewer)._render_qweb_html(REPORT, self.customer.ids, data=None)
        )
        self.assertIn("11,800.00", html.decode())

    def test_wizard_prints_the_customers_selected_for_the_dates_chosen(self):
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        contact = self.customer.child_ids[:1]
        wizard_form = Form(
            self.env["ar.statement.print"].with_context(
                active_model="res.partner", active_ids=(contact | self.quiet).ids
            )
        )
        self.assertEqual(wizard_form.date_from, self._day("2025-03-01"))
        self.assertEqual(wizard_form.date_to, self._day(TODAY))
        wizard_form.date_from = "2025-01-01"
        wizard = wizard_form.save()
        self.assertEqual(wizard.partner_ids, self.customer | self.quiet)
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "ar_relationship.report_ar_statement")
        self.assertEqual(sorted(action["context"]["active_ids"]), sorted((self.customer | self.quiet).ids))
        self.assertEqual(
            {**action["data"], "partner_ids": sorted(action["data"]["partner_ids"])},
            {"partner_ids": sorted((self.customer | self.quiet).ids), "date_from": "2025-01-01", "date_to": TODAY},
        )
        # The web client sends the data without the record ids.
        html, _type = self.env["ir.actions.report"]._render_qweb_html(REPORT, None, data=action["data"])
        self.assertEqual(html.decode().count("Statement of account"), 2)
        self.assertIn("4,200.00", html.decode())  # the payments from January on

    def test_wizard_refuses_a_period_starting_after_the_statement_date(self):
        with self.assertRaisesRegex(ValidationError, "must start on or before the statement date"):
            self.env["ar.statement.print"].create(
                {"partner_ids": [Command.set(self.customer.ids)], "date_from": "2025-07-01", "date_to": TODAY}
            )

    def test_statement_values_cost_the_same_queries_for_2_and_10_customers(self):
        two = self.customer | self.edges
        ten = two | self.quiet | self.others
        self.assertEqual(len(ten), 10)
        self._report_queries(two)  # warms the caches of access rules, currencies and templates
        two_queries = self._report_queries(two)
        # Whatever other modules add to reading partners and lines, 10 customers cost what 2 cost.
        with self.assertQueryCount(two_queries):
            self._report_queries(ten)

    def _report_queries(self, partners):
        """The queries the statement values of `partners` cost, from a cold cache."""
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        values = self.env["report.ar_relationship.report_ar_statement"]._get_report_values(partners.ids)
        self.assertEqual(list(values["statements"]), partners.ids)
        return self.cr.sql_log_count - before
