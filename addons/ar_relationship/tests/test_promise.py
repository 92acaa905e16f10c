from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .ar_common import ArAccountingCase, ar_users


@tagged("post_install", "-at_install")
class TestPromise(ArAccountingCase):
    """Invoices of 1,000 and 500 dated May 2025 on 30-day terms; on June 10 the customer
    promises to pay the first one by June 20. The company gives 3 grace days (the default)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer, cls.collector, cls.manager = ar_users(cls.env)
        cls.customer = cls._customer("Harbor Foods")
        cls.contact = cls.customer.child_ids
        cls.customer.ar_collector_id = cls.collector
        cls.invoice = cls._invoice(cls.customer, cls._day("2025-05-01"), 1000.0)
        cls.other_invoice = cls._invoice(cls.customer, cls._day("2025-05-05"), 500.0)

    def _record(self, invoices=None, day="2025-06-10", **values):
        """Fill "Record promise" as the collector does from the invoices, on `day`."""
        invoices = invoices or self.invoice
        with freeze_time(day):
            wizard = (
                self.env["ar.promise.record"]
                .with_user(self.collector)
                .with_context(active_model="account.move", active_ids=invoices.ids)
            )
            with Form(wizard) as form:
                form.promise_date = self._day("2025-06-20")
                for name, value in values.items():
                    setattr(form, name, value)
            form.record.action_record()
        return self.env["ar.promise"].search([("invoice_ids", "in", invoices.ids)], limit=1)

    def _cron(self, day):
        with freeze_time(day):
            self.env["ar.promise"]._cron_ar_evaluate()

    def _exclusions(self, day):
        with freeze_time(day):
            return (self.invoice | self.other_invoice)._ar_followup_exclusions()

    def _touchpoints(self, promise):
        return self.env["ar.touchpoint"].search(
            [("res_model", "=", "ar.promise"), ("res_id", "=", promise.id)], order="id"
        )

    # ------------------------------------------------------------------------------------
    # Recording

    def test_record_promise_from_invoice_logs_it_on_the_timeline(self):
        promise = self._record(contact_id=self.contact, channel="email")
        self.assertRecordValues(
            promise,
            [
                {
                    "partner_id": self.customer.id,
                    "contact_id": self.contact.id,
                    "amount": 1000.0,
                    "date": self._day("2025-06-10"),
                    "promise_date": self._day("2025-06-20"),
                    "grace_until": self._day("2025-06-23"),
                    "user_id": self.collector.id,
                    "channel": "email",
                    "state": "open",
                }
            ],
        )
        touchpoint = self._touchpoints(promise)
        self.assertEqual(touchpoint.summary, "Promised to pay $\xa01,000.00 by 06/20/2025")
        self.assertRecordValues(
            touchpoint,
            [{"kind": "promise", "direction": "in", "outcome": "promised", "user_id": self.collector.id}],
        )
        self.assertEqual(touchpoint.invoice_ids, self.invoice)

    def test_record_promise_from_customer_proposes_overdue_invoices_and_billing_contact(self):
        self.customer.ar_billing_contact_id = self.contact
        with freeze_time("2025-06-04"):
            form = Form(
                self.env["ar.promise.record"]
                .with_user(self.collector)
                .with_context(active_model="res.partner", active_id=self.customer.id)
            )
            # The second invoice falls due today: not overdue yet.
            self.assertEqual(form.invoice_ids[:], self.invoice)
            self.assertEqual(form.contact_id, self.contact)
            self.assertEqual(form.amount, 1000.0)

    def test_record_promise_refuses_amount_above_residual_zero_amount_and_past_date(self):
        with self.assertRaisesRegex(UserError, r"promises \$\xa01,200.00 but only \$\xa01,000.00 is left"):
            self._record(amount=1200.0)
        with self.assertRaisesRegex(UserError, "must be above zero"):
            self._record(amount=0.0)
        with self.assertRaisesRegex(UserError, "in the past"):
            self._record(day="2025-06-21")
        self.assertFalse(self.env["ar.promise"].search([("partner_id", "=", self.customer.id)]))

    def test_promise_needs_invoices_of_its_customer(self):
        stranger = self._invoice(self._customer("Other Co"), self._day("2025-05-01"))
        with self.assertRaisesRegex(ValidationError, "are not invoices of Harbor Foods"):
            self.env["ar.promise"].create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(stranger.ids)],
                    "amount": 100.0,
                    "date": "2025-06-10",
                    "promise_date": "2025-06-20",
                }
            )

    # ------------------------------------------------------------------------------------
    # Follow-up pause

    def test_open_promise_pauses_followup_until_date_plus_grace_days(self):
        self._record()
        reason = "Promise to pay $\xa01,000.00 by 06/20/2025 (grace until 06/23/2025)"
        self.assertEqual(self._exclusions("2025-06-10"), {self.invoice.id: reason})
        self.assertEqual(self._exclusions("2025-06-23"), {self.invoice.id: reason})
        # The grace days are over: reminders resume even before the nightly check.
        self.assertEqual(self._exclusions("2025-06-24"), {})
        with freeze_time("2025-06-12"):
            self.invoice.invalidate_recordset(["ar_followup_blocked_reason"])
            self.assertEqual(self.invoice.ar_followup_blocked_reason, reason)
            self.assertFalse(self.other_invoice.ar_followup_blocked_reason)

    def test_grace_days_come_from_the_settings(self):
        settings = self.env["res.config.settings"].create({"ar_grace_days": 5})
        settings.execute()
        self.assertEqual(self.env.company.ar_grace_days, 5)
        promise = self._record()
        self.assertEqual(promise.grace_until, self._day("2025-06-25"))

    # ------------------------------------------------------------------------------------
    # Evaluation

    def test_payment_by_the_date_keeps_the_promise(self):
        promise = self._record()
        with freeze_time("2025-06-19"):
            self._pay(self.invoice, self._day("2025-06-19"))
        self.assertRecordValues(
            promise, [{"state": "kept", "paid_amount": 1000.0, "closed_date": self._day("2025-06-19")}]
        )
        self.assertEqual(
            self._touchpoints(promise)[-1].summary,
            "Promise kept: $\xa01,000.00 promised by 06/20/2025, $\xa01,000.00 paid",
        )
        self.assertFalse(promise.activity_ids)

    def test_payment_within_the_grace_days_keeps_the_promise(self):
        promise = self._record()
        with freeze_time("2025-06-23"):
            self._pay(self.invoice, self._day("2025-06-23"))
        self.assertEqual(promise.state, "kept")

    def test_two_payments_adding_up_keep_the_promise(self):
        promise = self._record()
        with freeze_time("2025-06-15"):
            self._pay(self.invoice, self._day("2025-06-15"), 400.0)
        self.assertRecordValues(promise, [{"state": "open", "paid_amount": 400.0}])
        with freeze_time("2025-06-18"):
            self._pay(self.invoice, self._day("2025-06-18"), 600.0)
        self.assertRecordValues(promise, [{"state": "kept", "paid_amount": 1000.0}])

    def test_part_paid_by_the_end_of_grace_is_partially_kept_and_resumes_followup(self):
        promise = self._record()
        with freeze_time("2025-06-15"):
            self._pay(self.invoice, self._day("2025-06-15"), 400.0)
        self._cron("2025-06-23")
        self.assertEqual(promise.state, "open", "the last grace day is still open")
        self._cron("2025-06-24")
        self.assertRecordValues(
            promise, [{"state": "partial", "paid_amount": 400.0, "closed_date": self._day("2025-06-24")}]
        )
        self.assertEqual(
            self._touchpoints(promise)[-1].summary,
            "Promise partially kept: $\xa0400.00 paid of $\xa01,000.00 promised by 06/20/2025",
        )
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        self.assertEqual(self._exclusions("2025-06-24"), {})

    def test_nothing_paid_breaks_the_promise_with_a_task_for_the_collector(self):
        promise = self._record()
        self._cron("2025-06-24")
        self.assertRecordValues(promise, [{"state": "broken", "paid_amount": 0.0}])
        touchpoint = self._touchpoints(promise)[-1]
        self.assertEqual(touchpoint.summary, "Promise broken: nothing paid of $\xa01,000.00 promised by 06/20/2025")
        self.assertEqual(touchpoint.kind, "promise")
        self.assertTrue(touchpoint.is_automatic)
        self.assertRecordValues(
            promise.activity_ids,
            [{"user_id": self.collector.id, "summary": "Call Harbor Foods: promise not kept"}],
        )
        self.assertEqual(self._exclusions("2025-06-24"), {}, "follow-up resumes on the invoice")
        with freeze_time("2025-06-24"):
            self.customer._ar_refresh_behaviour()
        self.assertEqual(self.customer.ar_broken_promise_count, 1)
        self.assertIn("1 promise broken in 12 months", self.customer.ar_health_explanation)

    def test_broken_promise_task_goes_to_whoever_recorded_it_without_collector(self):
        self.customer.ar_collector_id = False
        promise = self._record()
        # The cron runs as the superuser; the collector who recorded the promise gets the task.
        self._cron("2025-06-24")
        self.assertEqual(promise.activity_ids.user_id, self.collector)

    def test_payment_before_the_promise_does_not_count(self):
        with freeze_time("2025-06-05"):
            self._pay(self.invoice, self._day("2025-06-05"), 300.0)
        promise = self._record(amount=700.0)
        self._cron("2025-06-24")
        self.assertRecordValues(promise, [{"state": "broken", "paid_amount": 0.0}])

    def test_payment_after_the_grace_days_comes_too_late(self):
        promise = self._record()
        with freeze_time("2025-06-26"):
            self._pay(self.invoice, self._day("2025-06-26"))
        # Evaluated when the payment came in, the promise was already due.
        self.assertRecordValues(promise, [{"state": "broken", "closed_date": self._day("2025-06-24")}])

    def test_credit_note_is_no_payment_but_leaves_nothing_to_pay(self):
        promise = self._record()
        with freeze_time("2025-06-15"):
            self.invoice._reverse_moves([{"invoice_date": "2025-06-15", "date": "2025-06-15"}], cancel=True)
        self.assertEqual(self.invoice.payment_state, "reversed")
        self.assertRecordValues(promise, [{"state": "kept", "paid_amount": 0.0}])

    def test_customer_will_not_pay_breaks_the_promise_now(self):
        promise = self._record()
        with freeze_time("2025-06-12"):
            promise.with_user(self.collector).action_mark_broken()
        self.assertRecordValues(promise, [{"state": "broken", "closed_date": self._day("2025-06-12")}])
        self.assertEqual(self._exclusions("2025-06-12"), {})

    def test_nightly_check_settles_in_batches_and_reports_progress(self):
        for _index in range(3):
            self._record()
        with (
            freeze_time("2025-06-24"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress") as progress,
        ):
            self.env["ar.promise"]._cron_ar_evaluate(batch_size=2)
            progress.assert_called_once_with(done=2, remaining=1)
            self.env["ar.promise"]._cron_ar_evaluate(batch_size=2)
            progress.assert_called_with(done=1, remaining=0)
        self.assertEqual(set(self.env["ar.promise"].search([]).mapped("state")), {"broken"})

    # ------------------------------------------------------------------------------------
    # Kept rate, health

    def test_kept_rate_per_customer_and_per_contact(self):
        other_contact = self.env["res.partner"].create({"name": "Bob AP", "parent_id": self.customer.id})
        kept = self._record(contact_id=self.contact)
        with freeze_time("2025-06-15"):
            self._pay(self.invoice, self._day("2025-06-15"))
        self._record(invoices=self.other_invoice, contact_id=self.contact)
        third = self._invoice(self.customer, self._day("2025-05-20"), 200.0)
        self._record(invoices=third, contact_id=other_contact)
        self._record(invoices=third, contact_id=other_contact, amount=100.0)
        with freeze_time("2025-06-22"):
            self._pay(third, self._day("2025-06-22"))
        self._cron("2025-06-24")
        self.assertEqual(kept.state, "kept")
        states = self.env["ar.promise"].search([("partner_id", "=", self.customer.id)]).mapped("state")
        self.assertEqual(sorted(states), ["broken", "kept", "kept", "kept"])
        partners = self.customer | self.contact | other_contact
        partners.invalidate_recordset(["ar_promise_kept_rate", "ar_promise_settled_count"])
        self.assertRecordValues(
            partners,
            [
                {"ar_promise_settled_count": 4, "ar_promise_kept_rate": 0.75},
                {"ar_promise_settled_count": 2, "ar_promise_kept_rate": 0.5},
                {"ar_promise_settled_count": 2, "ar_promise_kept_rate": 1.0},
            ],
        )

    def test_open_promises_count_in_the_customer_health(self):
        self._record()
        with freeze_time("2025-06-12"):
            self.customer._ar_refresh_behaviour()
        self.assertEqual(self.customer.ar_open_promise_count, 1)

    # ------------------------------------------------------------------------------------
    # SQL against the ORM

    def test_payments_in_windows_agree_with_the_reconciliation_records(self):
        with freeze_time("2025-06-30"):
            self._pay(self.invoice, self._day("2025-06-02"), 100.0)
            self._pay(self.invoice, self._day("2025-06-12"), 200.0)
            self._pay(self.invoice, self._day("2025-06-25"), 300.0)
            self._pay(self.other_invoice, self._day("2025-06-15"), 50.0)
        windows = {
            1: (self.invoice.ids, self._day("2025-06-10"), self._day("2025-06-23")),
            2: ((self.invoice | self.other_invoice).ids, self._day("2025-06-01"), None),
            3: (self.other_invoice.ids, self._day("2025-06-16"), None),
        }

        def orm(invoice_ids, first, last):
            lines = self.env["account.move"].browse(invoice_ids).line_ids
            partials = lines.filtered(lambda line: line.account_type == "asset_receivable").matched_credit_ids
            paid = [
                (partial.amount, partial.credit_move_id.date)
                for partial in partials
                if partial.credit_move_id.move_id.origin_payment_id
                and first <= partial.credit_move_id.date <= (last or partial.credit_move_id.date)
            ]
            return (sum(amount for amount, _day in paid), max(day for _amount, day in paid)) if paid else None

        expected = {key: orm(*window) for key, window in windows.items() if orm(*window)}
        self.assertEqual(self.env["account.move"]._ar_payments_in_windows(windows), expected)
        self.assertEqual(expected[1], (200.0, self._day("2025-06-12")))
        self.assertEqual(expected[2], (650.0, self._day("2025-06-25")))
        self.assertNotIn(3, expected)

    # ------------------------------------------------------------------------------------
    # Rights

    def test_viewer_reads_promises_but_cannot_record_them(self):
        promise = self._record()
        self.assertEqual(promise.with_user(self.viewer).state, "open")
        with self.assertRaises(AccessError):
            self.env["ar.promise.record"].with_user(self.viewer).create({"partner_id": self.customer.id})
        with self.assertRaises(AccessError):
            self.env["ar.promise"].with_user(self.viewer).create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self.invoice.ids)],
                    "amount": 10.0,
                    "promise_date": "2030-01-01",
                }
            )

    def test_collector_records_and_edits_but_only_a_manager_deletes(self):
        promise = self._record()
        promise.with_user(self.collector).note = "Confirmed by email"
        with self.assertRaises(AccessError):
            promise.with_user(self.collector).unlink()
        promise.with_user(self.manager).unlink()
        self.assertFalse(promise.exists())

    def test_promises_of_another_company_are_hidden(self):
        promise = self._record()
        other_company = self.setup_other_company()["company"]
        outsider = new_test_user(
            self.env,
            login="ar_outsider",
            groups="base.group_user,ar_relationship.group_ar_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(self.env["ar.promise"].with_user(outsider).search([("id", "=", promise.id)]))
