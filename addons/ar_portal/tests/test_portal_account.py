import re
from datetime import timedelta
from unittest.mock import patch

from odoo import sql_db
from odoo.addons.ar_portal.controllers.portal import ArCustomerPortal
from odoo.tests import tagged
from odoo.tools import SQL

from .common import ArPortalCase

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@tagged("post_install", "-at_install")
class TestPortalAccount(ArPortalCase):
    def test_account_page_shows_own_balance_and_invoices_only(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        page = self.url_open("/my/ar").text
        for invoice in self.invoices_a:
            self.assertIn(invoice.name, page)
        self.assertNotIn(self.invoices_b.name, page)
        self.assertIn("750.00", page, "the balance of the three invoices")
        self.assertIn("/my/ar/statement", page)
        home = self.url_open("/my").text
        self.assertIn("/my/ar", home, "a card on the portal home")
        invoice_page = self.url_open(f"/my/ar/invoice/{self.invoices_a[0].id}")
        self.assertIn(f"/my/invoices/{self.invoices_a[0].id}", invoice_page.url)
        self.assertIn('href="/my/ar"', invoice_page.text, "Odoo's invoice page links to the account page")

    def test_statement_pdf_is_the_customers(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        response = self.url_open("/my/ar/statement")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("Statement%20Fjord%20Bakery.pdf", response.headers["Content-Disposition"])

    def test_pay_page_refuses_bad_amounts_and_foreign_invoices(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        first = self.invoices_a[0]
        cases = {
            f"invoice_ids={first.id}&amount=abc": "as a number",
            f"invoice_ids={first.id}&amount=-5": "above zero",
            f"invoice_ids={first.id}&amount=nan": "as a number",
            f"invoice_ids={first.id}&amount=1e999": "as a number",
            f"invoice_ids={first.id}&amount=100,01": "at most",
            f"invoice_ids={first.id}&amount=0": "above zero",
            f"invoice_ids={first.id}&amount=100.01": "at most",
            f"invoice_ids={self.invoices_b.id}": "Choose among your open invoices",
            f"invoice_ids={first.id},{self.invoices_b.id}": "Choose among your open invoices",
            "invoice_ids=": "Tick at least one invoice",
        }
        for query, message in cases.items():
            with self.subTest(query=query):
                response = self.url_open(f"/my/ar/pay?{query}")
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertNotIn("o_payment_form", response.text)

    def test_one_transaction_pays_several_invoices(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        invoices = self.invoices_a[:2]
        values = self._transaction(invoices)
        transaction = self._settle(values["reference"], "done")
        self.assertEqual(transaction.invoice_ids, invoices)
        self.assertEqual(transaction.amount, 350.0)
        self.assertTrue(all(state in ("paid", "in_payment") for state in invoices.mapped("payment_state")))
        touchpoints = self.env["ar.touchpoint"].search(
            [("partner_id", "=", self.customer_a.id), ("kind", "=", "payment")]
        )
        self.assertEqual(touchpoints.invoice_ids, invoices, "the payment is on the customer's timeline")

    def test_partial_payment_and_cancelled_payment(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        invoice = self.invoices_a[1]
        values = self._transaction(invoice, amount="100,00")
        self._settle(values["reference"], "done")
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.amount_residual, 150.0)
        values = self._transaction(invoice, amount="150")
        transaction = self._settle(values["reference"], "cancel")
        self.assertEqual(transaction.state, "cancel")
        self.assertFalse(transaction.payment_id, "a cancelled payment records nothing")
        self.assertEqual(invoice.amount_residual, 150.0)

    def test_transaction_refuses_a_changed_amount(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        invoice = self.invoices_a[0]
        page = self.url_open(f"/my/ar/pay?invoice_ids={invoice.id}&amount=50").text
        token = re.search(r'data-access-token="([^"]*)"', page).group(1)
        with self.assertRaisesRegex(Exception, "ValidationError"):
            self.make_jsonrpc_request(
                f"/my/ar/pay/transaction/{invoice.id}",
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                    "amount": 40.0,
                    "flow": "direct",
                    "tokenization_requested": False,
                    "landing_route": "/my/ar",
                    "is_validation": False,
                    "access_token": token,
                },
            )
        with self.assertRaisesRegex(Exception, "ValidationError"):
            self.make_jsonrpc_request(
                f"/my/ar/pay/transaction/{invoice.id},{self.invoices_b.id}",
                {"amount": 400.0, "access_token": token, "flow": "direct", "provider_id": self.provider.id},
            )
        self.assertFalse(self.env["payment.transaction"].search([("invoice_ids", "in", invoice.ids)]))

    def test_promise_bad_input_creates_nothing(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        invoice = self.invoices_a[0]
        good = {"invoice_ids": str(invoice.id), "amount": "100", "promise_date": str(self.today + timedelta(days=5))}
        cases = [
            ({"amount": "ten"}, "as a number"),
            ({"amount": "-1"}, "above zero"),
            ({"amount": "0"}, "above zero"),
            ({"amount": "100.5"}, "only"),
            ({"promise_date": str(self.today - timedelta(days=1))}, "in the past"),
            ({"promise_date": str(self.today + timedelta(days=31))}, "please call us"),
            ({"promise_date": "tomorrow"}, "Enter the date"),
            ({"invoice_ids": str(self.invoices_b.id)}, "Choose among your open invoices"),
        ]
        for change, message in cases:
            with self.subTest(change=change):
                response = self._post("/my/ar/promise", {**good, **change})
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertFalse(self.env["ar.promise"].search([("partner_id", "in", (self.customer_a | self.customer_b).ids)]))
        response = self._post("/my/ar/promise", {**good, "note": "<script>alert(1)</script>Paid <b>Friday</b>"})
        self.assertIn("promise to pay was sent", response.text)
        promise = self.env["ar.promise"].search([("partner_id", "=", self.customer_a.id)])
        self.assertRecordValues(promise, [{"amount": 100.0, "channel": "portal", "state": "open"}])
        self.assertNotIn("<", promise.note)
        self.assertNotIn("alert", promise.note)

    def test_promise_for_the_whole_balance(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        self._post("/my/ar/promise", {"amount": "750", "promise_date": str(self.today + timedelta(days=3))})
        promise = self.env["ar.promise"].search([("partner_id", "=", self.customer_a.id)])
        self.assertEqual(promise.invoice_ids, self.invoices_a)

    def test_post_without_csrf_is_refused(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        response = self._post(
            "/my/ar/promise",
            {"amount": "100", "promise_date": str(self.today + timedelta(days=5))},
            csrf=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["ar.promise"].search([("partner_id", "=", self.customer_a.id)]))

    def test_rate_limit_refuses_past_the_limit(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        values = {"amount": "10", "promise_date": str(self.today + timedelta(days=5))}
        with patch.object(ArCustomerPortal, "_ar_rate_limit", 1):
            self._post("/my/ar/promise", values)
            response = self._post("/my/ar/promise", values)
        self.assertIn("many requests", response.text)
        self.assertEqual(self.env["ar.promise"].search_count([("partner_id", "=", self.customer_a.id)]), 1)

    def test_dispute_bad_input_creates_nothing(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        invoice = self.invoices_a[0]
        reason = self.env["ar.reason.code"].search([("kind", "=", "dispute")], limit=1)
        other_kind = self.env["ar.reason.code"].search([("kind", "!=", "dispute")], limit=1)
        url = f"/my/ar/dispute/new?invoice_id={invoice.id}"
        good = {"reason_id": str(reason.id), "amount": "40", "message": "Two bags were torn."}
        cases = [
            ({"reason_id": str(other_kind.id)}, {}, "Choose the reason"),
            ({"reason_id": "999999"}, {}, "Choose the reason"),
            ({"amount": "x"}, {}, "as a number"),
            ({"amount": "0"}, {}, "above zero"),
            ({"amount": "100.01"}, {}, "at most"),
            ({"message": "   "}, {}, "Tell us why"),
            ({}, {"attachments": ("run.exe", b"MZ\x90\x00 binary", "application/pdf")}, "not a PDF"),
            ({}, {"attachments": ("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf")}, "larger than"),
        ]
        for change, files, message in cases:
            with self.subTest(change=change, files=bool(files)):
                response = self._post(url, {**good, **change}, files=files or None)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertFalse(self.env["ar.dispute"].search([("invoice_id", "=", invoice.id)]))
        response = self.url_open(f"/my/ar/dispute/new?invoice_id={self.invoices_b.id}")
        self.assertEqual(response.status_code, 404, "another customer's invoice")

    def test_dispute_with_evidence_and_conversation(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        invoice = self.invoices_a[0]
        reason = self.env["ar.reason.code"].search([("kind", "=", "dispute")], limit=1)
        response = self._post(
            f"/my/ar/dispute/new?invoice_id={invoice.id}",
            {"reason_id": str(reason.id), "amount": "", "message": "Wrong <img src=x onerror=alert(1)> price"},
            files={"attachments": ("delivery-note.pdf", PDF, "application/pdf")},
        )
        dispute = self.env["ar.dispute"].search([("invoice_id", "=", invoice.id)])
        self.assertRecordValues(dispute, [{"amount": 100.0, "origin": "portal", "state": "new"}])
        self.assertTrue(dispute.user_id, "routed to an owner")
        self.assertIn(f"/my/ar/dispute/{dispute.id}", response.url)
        self.assertIn("delivery-note.pdf", response.text)
        self.assertNotIn("alert(1)", response.text)
        self.assertNotIn('<img src="x"', response.text)
        self.assertEqual(dispute.message_ids.attachment_ids.mapped("name"), ["delivery-note.pdf"])
        response = self._post(f"/my/ar/dispute/{dispute.id}/message", {"message": ""})
        self.assertIn("Write your message", response.text)
        self._post(
            f"/my/ar/dispute/{dispute.id}/message",
            {"message": "Photo of the label"},
            files={"attachments": ("label.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
        )
        dispute.with_user(dispute.user_id).message_post(
            body="We are checking with the warehouse.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        dispute.with_user(dispute.user_id).message_post(body="Internal: check price list", subtype_xmlid="mail.mt_note")
        page = self.url_open(f"/my/ar/dispute/{dispute.id}").text
        self.assertIn("Photo of the label", page)
        self.assertIn("label.png", page)
        self.assertIn("checking with the warehouse", page)
        self.assertNotIn("Internal: check price list", page)

    def test_payment_plan_within_policy_starts_and_outside_waits(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        current = self._invoices(self.customer_a, [90.0], days_overdue=-10)
        response = self._post(
            "/my/ar/plan", {"invoice_ids": str(current.id), "frequency": "monthly", "installment_count": "3"}
        )
        self.assertIn("Choose among your overdue invoices", response.text)
        response = self._post(
            "/my/ar/plan",
            {"invoice_ids": str(self.invoices_a[0].id), "frequency": "monthly", "installment_count": "0"},
        )
        self.assertIn("between 1 and 36", response.text)
        self.assertFalse(self.env["ar.payment.plan"].search([("partner_id", "=", self.customer_a.id)]))
        self._post(
            "/my/ar/plan",
            {"invoice_ids": str(self.invoices_a[0].id), "frequency": "monthly", "installment_count": "2"},
        )
        plan = self.env["ar.payment.plan"].search([("partner_id", "=", self.customer_a.id)])
        self.assertRecordValues(plan, [{"state": "active", "amount_total": 100.0}])
        self.assertIn(plan.name, self.url_open("/my/ar").text)
        self._post(
            "/my/ar/plan",
            {
                "invoice_ids": str(self.invoices_a[1].id),
                "frequency": "monthly",
                "installment_count": "12",
                "down_payment": "0",
            },
        )
        waiting = self.env["ar.payment.plan"].search([("partner_id", "=", self.customer_a.id)]) - plan
        self.assertRecordValues(waiting, [{"state": "proposed", "needs_approval": True, "portal_request": True}])
        waiting.with_user(self.env.ref("base.user_admin")).action_approve()
        self.assertEqual(waiting.state, "active", "the customer's request was its agreement")

    def test_remittance_advice_becomes_touchpoint_and_invoice_note(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        first, second = self.invoices_a[:2]
        cases = [
            ({f"amount_{first.id}": "100.01"}, "left to pay"),
            ({f"amount_{first.id}": "-3"}, "above zero"),
            ({f"amount_{self.invoices_b.id}": "10"}, "Choose among your open invoices"),
            ({}, "at least one invoice"),
            ({f"amount_{first.id}": "50", "reference": ""}, "reference"),
            ({f"amount_{first.id}": "50", "date": str(self.today + timedelta(days=2))}, "future"),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                response = self._post("/my/ar/remittance", {"reference": "TRF-1", **values})
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self._post(
            "/my/ar/remittance",
            {f"amount_{first.id}": "100", f"amount_{second.id}": "50", "reference": "TRF-2207"},
            files={"attachments": ("advice.pdf", PDF, "application/pdf")},
        )
        touchpoint = self.env["ar.touchpoint"].search(
            [("partner_id", "=", self.customer_a.id), ("kind", "=", "portal")]
        )
        self.assertEqual(len(touchpoint), 1)
        self.assertIn("TRF-2207", touchpoint.summary)
        self.assertEqual(touchpoint.invoice_ids, first | second)
        note = first.message_ids.filtered(lambda message: "TRF-2207" in (message.body or ""))
        self.assertEqual(note.attachment_ids.mapped("name"), ["advice.pdf"])

    def test_other_customer_reaches_nothing(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        reason = self.env["ar.reason.code"].search([("kind", "=", "dispute")], limit=1)
        self._post(
            f"/my/ar/dispute/new?invoice_id={self.invoices_a[0].id}",
            {"reason_id": str(reason.id), "amount": "10", "message": "Short delivery"},
        )
        dispute = self.env["ar.dispute"].search([("invoice_id", "=", self.invoices_a[0].id)])
        self.authenticate("ar_portal_b", "ar_portal_b")
        self.assertNotIn(self.invoices_a[0].name, self.url_open("/my/ar").text)
        self.assertEqual(self.url_open(f"/my/ar/dispute/{dispute.id}").status_code, 404)
        self.assertEqual(self.url_open(f"/my/ar/invoice/{self.invoices_a[0].id}").status_code, 404)
        self.assertEqual(self.url_open(f"/my/ar/pay?invoice_ids={self.invoices_a[0].id}").status_code, 400)
        response = self._post(f"/my/ar/dispute/{dispute.id}/message", {"message": "hello"})
        self.assertEqual(response.status_code, 404)
        response = self._post("/my/ar/remittance", {f"amount_{self.invoices_a[0].id}": "10", "reference": "X"})
        self.assertIn("Choose among your open invoices", response.text)
        response = self._post(
            "/my/ar/plan", {"invoice_ids": str(self.invoices_a[0].id), "frequency": "monthly", "installment_count": "2"}
        )
        self.assertIn("Choose among your overdue invoices", response.text)
        self.assertEqual(len(dispute.message_ids.filtered(lambda message: "hello" in (message.body or ""))), 0)
        self.assertFalse(self.env["ar.payment.plan"].search([("partner_id", "=", self.customer_a.id)]))

    def _page_queries(self, url):
        self.url_open(url)  # warm the caches and the templates
        start = sql_db.sql_counter
        self.url_open(url)
        return sql_db.sql_counter - start

    def test_account_page_queries_do_not_grow_with_invoices(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        self._invoices(self.customer_a, [60.0, 70.0])
        five = self._page_queries("/my/ar")
        self._invoices(self.customer_a, [10.0 + index for index in range(45)])
        fifty = self._page_queries("/my/ar")
        self.assertEqual(five, fifty, f"/my/ar costs {five} queries with 5 open invoices and {fifty} with 50")

    def test_account_page_finds_the_open_invoices_through_the_index(self):
        domain = ArCustomerPortal()._ar_open_invoices_domain(self.customer_a)
        Move = self.env["account.move"]
        for sql in (
            Move._search(domain, order="invoice_date_due, id").select(),
            Move._search(domain).select("COUNT(*)"),
        ):
            # Few rows here: without seq scans the planner shows whether the index can serve it.
            self.env.cr.execute("SET LOCAL enable_seqscan = off")
            self.env.cr.execute(SQL("EXPLAIN %s", sql))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            self.env.cr.execute("SET LOCAL enable_seqscan = on")
            self.assertIn("ar_account_move_open_invoice_idx", plan)

    def test_account_page_lists_open_invoices_by_page_with_totals_over_all(self):
        self.authenticate("ar_portal_a", "ar_portal_a")
        five = self._page_queries("/my/ar")
        older = self._invoices(self.customer_a, [10.0] * 50, days_overdue=40)
        first = self.url_open("/my/ar").text
        second = self.url_open("/my/ar/page/2").text
        listed = [re.findall(r'data-invoice="([^"]+)"', page) for page in (first, second)]
        self.assertEqual(listed[0], older.sorted(lambda move: (move.invoice_date_due, move.id)).mapped("name"))
        self.assertEqual(
            listed[1], self.invoices_a.sorted(lambda move: (move.invoice_date_due, move.id)).mapped("name")
        )
        self.assertIn('href="/my/ar/page/2"', first)
        self.assertIn("51-53 of 53", second)
        for page in (first, second):
            self.assertIn("1,250.00", page, "the balance of all 53 invoices, on every page")
        self.assertEqual(re.findall(r'data-invoice="([^"]+)"', self.url_open("/my/ar?page=2").text), listed[1])
        self.assertEqual(re.findall(r'data-invoice="([^"]+)"', self.url_open("/my/ar/page/9").text), listed[1])
        queries = {url: self._page_queries(url) for url in ("/my/ar", "/my/ar/page/2")}
        self.assertEqual(
            set(queries.values()), {five}, f"/my/ar costs {five} queries with 3 invoices, {queries} with 53"
        )
        values = self._transaction(self.invoices_a[-1] | older[0])
        transaction = self.env["payment.transaction"].search([("reference", "=", values["reference"])])
        self.assertEqual(transaction.invoice_ids, self.invoices_a[-1] | older[0], "invoices of two pages paid at once")
        self.assertEqual(transaction.amount, 410.0)
