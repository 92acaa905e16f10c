"""Bad input on every form of the customer's account page: a catalogue of wrong amounts, dates,
ids, texts and files, each refused with a message the customer understands and creating nothing;
then random values thrown at the forms (hypothesis), none of which may break the server."""

import html
import json
import logging
import re
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from odoo.tests import tagged

from .common import ArPortalCase
from .test_portal_access_matrix import COUNTED_MODELS, payment_access_token

_logger = logging.getLogger(__name__)

# Hypothesis keeps a cache of the constants it reads in the code under .hypothesis in the current
# folder, even without its example database: out of the checkout.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "ar_portal_hypothesis")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCRIPT = '<script>alert("ar")</script>'
MEGABYTE = "Lorem ipsum " * (1024 * 1024 // 12 + 1)
# Random examples per form in the property-based run: 7 forms, 0.1 to 0.3 s a request.
EXAMPLES_PER_FORM = 25

# How the payment route may refuse a call: the suite's messages, or Odoo's own for a tampered call.
EXPECTED_JSON_ERRORS = (
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.UserError",
    "werkzeug.exceptions.BadRequest",
)
# Amounts no form takes, with the message each gets wherever an amount is typed.
BAD_AMOUNTS = [
    ("abc", "as a number"),
    ("12..5", "as a number"),
    ("nan", "as a number"),
    ("-inf", "as a number"),
    ("1e999", "as a number"),
    ("-5", "above zero"),
    ("0", "above zero"),
    ("0.001", "above zero"),
    ("1e308", "too large"),
]


@tagged("post_install", "-at_install")
class TestPortalBadInput(ArPortalCase):
    tried = 0
    examples = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason = cls.env["ar.reason.code"].search([("kind", "=", "dispute")], limit=1)
        cls.other_reason = cls.env["ar.reason.code"].search([("kind", "!=", "dispute")], limit=1)
        cls.dispute_a = (
            cls.env["ar.dispute"]
            .with_user(cls.user_a)
            ._open_from_portal(cls.invoices_a[2], cls.reason, 20, "The pallet was short by two bags.")
        )
        cls.dispute_b = (
            cls.env["ar.dispute"]
            .with_user(cls.user_b)
            ._open_from_portal(cls.invoices_b, cls.reason, 20, "Harbour's own dispute.")
        )
        cls.current_a = cls._invoices(cls.customer_a, [90.0], days_overdue=-10)
        cls.method = cls.env.ref("payment_demo.payment_method_demo")

    @classmethod
    def tearDownClass(cls):
        _logger.info(
            "portal bad input: %s bad inputs refused, %s random examples without a server error",
            cls.tried,
            cls.examples,
        )
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.authenticate("ar_portal_a", "ar_portal_a")
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open("/web/login").text).group(1)

    # ------------------------------------------------------------------------------------
    # Helpers

    def _counts(self):
        return {
            model: self.env[model].sudo().with_context(active_test=False).search_count([]) for model in COUNTED_MODELS
        }

    def _send(self, url, form=None, files=None):
        """GET `url`, or POST the form with the session's CSRF token when there is one."""
        if form is None and not files:
            return self.url_open(url, allow_redirects=False, timeout=30)
        return self.opener.post(
            self.base_url() + url,
            data={**(form or {}), "csrf_token": self.csrf},
            files=files,
            timeout=60,
            allow_redirects=False,
        )

    @staticmethod
    def _error(response):
        """The error message the page shows the customer."""
        match = re.search(r'id="ar_portal_error"[^>]*>(.*?)</div>', response.text, re.S)
        return html.unescape(match.group(1)).strip() if match else ""

    def _refused(self, url, form=None, message=None, files=None, status=400):
        """Send a bad input: refused with `status` and the error `message` shown, nothing created,
        and no markup of the customer's coming back unescaped."""
        type(self).tried += 1
        before = self._counts()
        response = self._send(url, form, files)
        self.assertEqual(response.status_code, status, response.text[:500])
        if message:
            self.assertIn(message, self._error(response))
        self.assertNotIn("<script>alert", response.text)
        self.assertEqual(self._counts(), before, "nothing created")
        return response

    def _catalogue(self, url, base, cases, files=None):
        for change, message in cases:
            with self.subTest(url=url, change={key: str(value)[:40] for key, value in change.items()}):
                self._refused(url, {**base, **change}, message, files=files)

    def _jsonrpc(self, url, params):
        body = json.dumps({"id": 0, "jsonrpc": "2.0", "method": "call", "params": params})
        return self.url_open(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)

    def _transaction_params(self, invoices, amount, **values):
        ids = ",".join(map(str, invoices.ids))
        return {
            "provider_id": self.provider.id,
            "payment_method_id": self.method.id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/my/ar",
            "is_validation": False,
            "access_token": payment_access_token(self.env, self.user_a.partner_id.id, amount, self.currency.id, ids),
            **values,
        }

    # ------------------------------------------------------------------------------------
    # The catalogue, form by form

    def test_pay_refuses_bad_amounts_and_ids(self):
        first = self.invoices_a[0]
        cases = [({"amount": amount}, message) for amount, message in BAD_AMOUNTS]
        cases += [
            ({"amount": "100.01"}, "You can pay at most"),
            ({"amount": "99999999999"}, "You can pay at most"),
            ({"invoice_ids": "999999999"}, "Choose among your open invoices"),
            ({"invoice_ids": str(self.invoices_b.id)}, "Choose among your open invoices"),
            ({"invoice_ids": f"{first.id},{self.invoices_b.id}"}, "Choose among your open invoices"),
            ({"invoice_ids": "abc"}, "Choose among your open invoices"),
            ({"invoice_ids": "-1"}, "Choose among your open invoices"),
            ({"invoice_ids": ""}, "Tick at least one invoice"),
        ]
        self._catalogue("/my/ar/pay", {"invoice_ids": str(first.id), "amount": "10"}, cases)
        for change, message in cases[:3]:
            query = "&".join(f"{key}={value}" for key, value in {"invoice_ids": first.id, **change}.items())
            self._refused(f"/my/ar/pay?{query}", message=message)

    def test_transaction_refuses_bad_amounts_tokens_and_ids(self):
        first = self.invoices_a[0]
        cases = [
            (f"/my/ar/pay/transaction/{first.id}", self._transaction_params(first, "abc"), "as a number"),
            (f"/my/ar/pay/transaction/{first.id}", self._transaction_params(first, -5.0), "above zero"),
            (f"/my/ar/pay/transaction/{first.id}", self._transaction_params(first, 0), "above zero"),
            (f"/my/ar/pay/transaction/{first.id}", self._transaction_params(first, 1e308), "too large"),
            (f"/my/ar/pay/transaction/{first.id}", self._transaction_params(first, 100.01), "You can pay at most"),
            (f"/my/ar/pay/transaction/{first.id}", self._transaction_params(first, [10]), "as a number"),
            (f"/my/ar/pay/transaction/{self.invoices_b.id}", self._transaction_params(first, 10.0), "Choose among"),
            ("/my/ar/pay/transaction/999999999", self._transaction_params(first, 10.0), "Choose among"),
            ("/my/ar/pay/transaction/abc", self._transaction_params(first, 10.0), "Choose among"),
            (
                f"/my/ar/pay/transaction/{first.id}",
                self._transaction_params(first, 10.0, access_token="forged"),
                "The payment was changed",
            ),
            (
                f"/my/ar/pay/transaction/{first.id}",
                self._transaction_params(first, 10.0, access_token=None),
                "The payment was changed",
            ),
            (
                f"/my/ar/pay/transaction/{first.id}",
                self._transaction_params(first, 10.0, access_token={"token": 1}),
                "The payment was changed",
            ),
            (
                f"/my/ar/pay/transaction/{first.id}",
                self._transaction_params(first, 10.0, access_token="\u00e9t\u00e9"),
                "The payment was changed",
            ),
        ]
        for url, params, message in cases:
            with self.subTest(url=url, amount=params["amount"], token=str(params["access_token"])[:10]):
                type(self).tried += 1
                before = self._counts()
                response = self._jsonrpc(url, params)
                self.assertEqual(response.status_code, 200)
                error = response.json()["error"]["data"]
                self.assertEqual(error["name"], "odoo.exceptions.ValidationError", error.get("debug", "")[-800:])
                self.assertIn(message, error["message"])
                self.assertEqual(self._counts(), before)

    def test_promise_refuses_bad_amounts_dates_ids_and_text(self):
        first = self.invoices_a[0]
        max_days = self.company.ar_portal_promise_max_days
        base = {"invoice_ids": str(first.id), "amount": "50", "promise_date": str(self.today + timedelta(days=5))}
        cases = [({"amount": amount}, message) for amount, message in BAD_AMOUNTS]
        cases += [
            ({"amount": ""}, "as a number"),
            ({"amount": "100.01"}, "You can promise only up to"),
            ({"amount": "99999999999"}, "You can promise only up to"),
            ({"promise_date": str(self.today - timedelta(days=1))}, "in the past"),
            ({"promise_date": "2001-01-01"}, "in the past"),
            ({"promise_date": str(self.today + timedelta(days=max_days + 1))}, "please call us"),
            ({"promise_date": "9999-12-31"}, "please call us"),
            ({"promise_date": "2030-02-30"}, "Enter the date you will pay by"),
            ({"promise_date": "31/12/2030"}, "Enter the date you will pay by"),
            ({"promise_date": "tomorrow"}, "Enter the date you will pay by"),
            ({"promise_date": ""}, "Enter the date you will pay by"),
            ({"invoice_ids": "999999999"}, "Choose among your open invoices"),
            ({"invoice_ids": str(self.invoices_b.id)}, "Choose among your open invoices"),
            ({"invoice_ids": "abc"}, "Choose among your open invoices"),
            ({"note": MEGABYTE}, "at most 5000 characters"),
            ({"note": "x" * 5001}, "at most 5000 characters"),
            ({"amount": "abc", "note": SCRIPT}, "as a number"),
        ]
        self._catalogue("/my/ar/promise", base, cases)

    def test_promise_with_script_is_recorded_without_it(self):
        base = {"amount": "50", "promise_date": str(self.today + timedelta(days=5))}
        response = self._send("/my/ar/promise", {**base, "note": f"{SCRIPT}Paid on <b>Friday</b>"})
        self.assertEqual(response.status_code, 303)
        promise = self.env["ar.promise"].search([("partner_id", "=", self.customer_a.id)])
        self.assertIn("Paid on", promise.note)
        self.assertNotIn("<", promise.note)
        self.assertNotIn("alert", promise.note)
        self.assertNotIn("<script>alert", self.url_open("/my/ar").text)

    def test_dispute_refuses_bad_amounts_reasons_text_and_files(self):
        first = self.invoices_a[0]
        url = f"/my/ar/dispute/new?invoice_id={first.id}"
        base = {"reason_id": str(self.reason.id), "amount": "40", "message": "Two bags were torn."}
        cases = [({"amount": amount}, message) for amount, message in BAD_AMOUNTS]
        cases += [
            ({"amount": "100.01"}, "You can dispute at most"),
            ({"amount": "99999999999"}, "You can dispute at most"),
            ({"reason_id": "999999999"}, "Choose the reason of your dispute"),
            ({"reason_id": str(self.other_reason.id)}, "Choose the reason of your dispute"),
            ({"reason_id": "abc"}, "Choose the reason of your dispute"),
            ({"reason_id": ""}, "Choose the reason of your dispute"),
            ({"message": ""}, "Tell us why you dispute this amount"),
            ({"message": "   \n "}, "Tell us why you dispute this amount"),
            ({"message": "<p><br></p>"}, "Tell us why you dispute this amount"),
            ({"message": MEGABYTE}, "at most 5000 characters"),
            ({"message": SCRIPT}, "Tell us why you dispute this amount"),
            ({"amount": "x", "message": SCRIPT + "Wrong price"}, "as a number"),
        ]
        self._catalogue(url, base, cases)
        self._files_catalogue(url, base)
        for invoice_id in ("999999999", str(self.invoices_b.id), "abc", str(self.current_a.id + 1000000)):
            with self.subTest(invoice_id=invoice_id):
                self._refused(f"/my/ar/dispute/new?invoice_id={invoice_id}", status=404)
                self._refused(f"/my/ar/dispute/new?invoice_id={invoice_id}", base, status=404)

    def _files_catalogue(self, url, base, many=True):
        """Evidence that is not taken: too big, empty, not a PDF or an image, too many."""
        cases = [
            ({"attachments": ("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf")}, "larger than 5 MB"),
            ({"attachments": ("empty.pdf", b"", "application/pdf")}, "empty.pdf is empty"),
            ({"attachments": ("run.exe", b"MZ\x90\x00 binary", "application/pdf")}, "not a PDF, PNG or JPEG"),
            ({"attachments": ("page.pdf", b"<html><body>hello</body></html>", "application/pdf")}, "not a PDF"),
            (
                {"attachments": (f"{SCRIPT}.exe", b"MZ\x90\x00", "application/octet-stream")},
                '<script>alert("ar")</script>.exe is not a PDF',
            ),
        ]
        if many:
            cases.append(
                ([("attachments", (f"note{index}.pdf", PDF, "application/pdf")) for index in range(6)], "at most 5")
            )
        for files, message in cases:
            with self.subTest(url=url, files=str(files)[:60]):
                self._refused(url, base, message, files=files)

    def test_dispute_message_refuses_bad_text_files_and_disputes(self):
        url = f"/my/ar/dispute/{self.dispute_a.id}/message"
        cases = [
            ({"message": ""}, "Write your message first"),
            ({"message": "  "}, "Write your message first"),
            ({"message": SCRIPT}, "Write your message first"),
            ({"message": MEGABYTE}, "at most 5000 characters"),
            ({"message": "y" * 5001}, "at most 5000 characters"),
        ]
        self._catalogue(url, {}, cases)
        self._files_catalogue(url, {"message": "Here is the photo."})
        for dispute_id in (self.dispute_b.id, 999999999):
            with self.subTest(dispute_id=dispute_id):
                self._refused(f"/my/ar/dispute/{dispute_id}/message", {"message": "Hello"}, status=404)
        self._refused("/my/ar/dispute/abc/message", {"message": "Hello"}, status=404)

    def test_unknown_and_foreign_records_are_not_found(self):
        for url in (
            "/my/ar/invoice/999999999",
            f"/my/ar/invoice/{self.invoices_b.id}",
            "/my/ar/invoice/abc",
            "/my/ar/dispute/999999999",
            f"/my/ar/dispute/{self.dispute_b.id}",
            "/my/ar/dispute/-1",
        ):
            with self.subTest(url=url):
                response = self._refused(url, status=404)
                self.assertNotIn("Harbour", response.text)

    def test_malformed_links_open_nothing(self):
        self.authenticate(None, None)
        for token in ("%00", "abc%00def", "' OR 1=1 --", "%C3%A9t%C3%A9", "x" * 101, "token=1&token=2"):
            with self.subTest(token=token[:20]):
                response = self._refused(f"/my/ar?token={token}", status=403)
                self.assertIn("This link has expired or was revoked", response.text)

    def test_dispute_message_with_script_is_shown_escaped(self):
        url = f"/my/ar/dispute/{self.dispute_a.id}/message"
        response = self.opener.post(
            self.base_url() + url, data={"message": f"{SCRIPT} still waiting", "csrf_token": self.csrf}, timeout=30
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("still waiting", response.text)
        self.assertNotIn("<script>alert", response.text)
        self.assertNotIn("alert(", self.dispute_a.message_ids[:1].body)

    def test_plan_refuses_bad_counts_frequencies_amounts_and_ids(self):
        first = self.invoices_a[0]
        base = {"invoice_ids": str(first.id), "frequency": "monthly", "installment_count": "2"}
        cases = [
            ({"installment_count": count}, "Choose between 1 and 36 installments")
            for count in ("abc", "-3", "0", "37", "1e9", "2.5", "")
        ]
        cases += [
            ({"frequency": "daily"}, "Choose how often you would pay"),
            ({"frequency": ""}, "Choose how often you would pay"),
            ({"frequency": SCRIPT}, "Choose how often you would pay"),
            ({"down_payment": "abc"}, "as a number"),
            ({"down_payment": "nan"}, "as a number"),
            ({"down_payment": "1e999"}, "as a number"),
            ({"down_payment": "1e308"}, "too large"),
            ({"down_payment": "-10"}, "of zero or more"),
            ({"down_payment": "100"}, "The down payment must be between zero and"),
            ({"down_payment": "99999999999"}, "The down payment must be between zero and"),
            ({"invoice_ids": "999999999"}, "Choose among your overdue invoices"),
            ({"invoice_ids": str(self.invoices_b.id)}, "Choose among your overdue invoices"),
            ({"invoice_ids": str(self.current_a.id)}, "Choose among your overdue invoices"),
            ({"invoice_ids": "abc"}, "Choose among your overdue invoices"),
            ({"invoice_ids": ""}, "Tick at least one invoice"),
        ]
        self._catalogue("/my/ar/plan", base, cases)

    def test_remittance_refuses_bad_amounts_dates_ids_text_and_files(self):
        first = self.invoices_a[0]
        base = {f"amount_{first.id}": "50", "reference": "TRF-1", "date": str(self.today - timedelta(days=1))}
        cases = [({f"amount_{first.id}": amount}, message) for amount, message in BAD_AMOUNTS]
        cases += [
            ({f"amount_{first.id}": "100.01"}, "left to pay: the transfer cannot pay more on it"),
            ({f"amount_{first.id}": "99999999999"}, "left to pay: the transfer cannot pay more on it"),
            ({f"amount_{first.id}": ""}, "Enter the amount the transfer pays on at least one invoice"),
            ({f"amount_{self.invoices_b.id}": "10"}, "Choose among your open invoices"),
            ({"amount_999999999": "10"}, "Choose among your open invoices"),
            ({"amount_abc": "10"}, "Choose among your open invoices"),
            ({"date": str(self.today + timedelta(days=1))}, "in the future"),
            ({"date": "9999-12-31"}, "in the future"),
            ({"date": "1900-01-01"}, "before"),
            ({"date": str(first.invoice_date - timedelta(days=1))}, f"before {first.name} was issued"),
            ({"date": "2030-02-30"}, "Enter the date of the transfer"),
            ({"date": "yesterday"}, "Enter the date of the transfer"),
            ({"reference": ""}, "Enter the transfer's reference"),
            ({"reference": SCRIPT}, "Enter the transfer's reference"),
            ({"reference": "R" * 101}, "at most 100 characters"),
            ({"reference": MEGABYTE}, "at most"),
        ]
        self._catalogue("/my/ar/remittance", base, cases)
        self._files_catalogue("/my/ar/remittance", base, many=False)

    # ------------------------------------------------------------------------------------
    # Random values

    def _random_form(self, data):
        """One of the forms, filled with values drawn by hypothesis: (url, form or JSON params)."""
        value = st.one_of(
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
            st.integers().map(str),
            st.floats().map(str),
            st.dates().map(str),
            st.sampled_from(["", "0", "-1", "1e308", "nan", "1,234.5", "1.234,5", SCRIPT, "\x00", "999999999"]),
        )
        ids = st.one_of(value, st.sampled_from([str(invoice.id) for invoice in self.invoices_a | self.invoices_b]))
        first = self.invoices_a[0]
        form = data.draw(st.sampled_from(["pay", "promise", "dispute", "message", "plan", "remittance", "json"]))
        if form == "pay":
            return "/my/ar/pay", {"invoice_ids": data.draw(ids), "amount": data.draw(value)}
        if form == "promise":
            return "/my/ar/promise", {
                "invoice_ids": data.draw(ids),
                "amount": data.draw(value),
                "promise_date": data.draw(value),
                "note": data.draw(value),
            }
        if form == "dispute":
            return f"/my/ar/dispute/new?invoice_id={first.id}", {
                "reason_id": data.draw(st.one_of(value, st.just(str(self.reason.id)))),
                "amount": data.draw(value),
                "message": data.draw(value),
            }
        if form == "message":
            return f"/my/ar/dispute/{self.dispute_a.id}/message", {"message": data.draw(value)}
        if form == "plan":
            return "/my/ar/plan", {
                "invoice_ids": data.draw(ids),
                "frequency": data.draw(st.one_of(value, st.sampled_from(["weekly", "biweekly", "monthly"]))),
                "installment_count": data.draw(value),
                "down_payment": data.draw(value),
            }
        if form == "remittance":
            return "/my/ar/remittance", {
                f"amount_{data.draw(ids)}": data.draw(value),
                "reference": data.draw(value),
                "date": data.draw(value),
            }
        json_value = st.one_of(value, st.none(), st.integers(), st.floats(), st.lists(st.integers(), max_size=2))
        params = self._transaction_params(first, data.draw(json_value))
        for key in data.draw(st.sets(st.sampled_from(sorted(params)), max_size=3)):
            params[key] = data.draw(json_value)
        return f"/my/ar/pay/transaction/{data.draw(ids)}", params

    @settings(
        max_examples=7 * EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def test_random_values_never_break_a_form(self, data):
        """No server error, whatever is typed: a form either goes through, or says what is wrong
        (a 400 with its message), or the record asked for is not found."""
        url, values = self._random_form(data)
        type(self).examples += 1
        if "/transaction/" in url:
            response = self._jsonrpc(url, values)
            if response.status_code == 404:  # no invoice in the path: no route
                return
            error = response.json().get("error")
            if error:
                self.assertIn(error["data"]["name"], EXPECTED_JSON_ERRORS, error["data"].get("debug", "")[-800:])
                self.assertTrue(error["data"]["message"])
            return
        response = self._send(url, values)
        self.assertLess(response.status_code, 500, response.text[-800:])
        self.assertNotIn("<script>alert", response.text)
        if response.status_code == 400:
            self.assertTrue(self._error(response), "a refused form says why")
