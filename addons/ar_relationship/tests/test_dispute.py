import base64

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from .ar_common import ArAccountingCase, ar_users


@tagged("post_install", "-at_install")
class TestDispute(ArAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer, cls.collector, cls.manager = ar_users(cls.env)
        cls.Dispute = cls.env["ar.dispute"]
        cls.writeoff_account = cls.company_data["default_account_expense"]
        cls.env.company.write(
            {
                "ar_writeoff_account_id": cls.writeoff_account.id,
                "ar_writeoff_approval_amount": 100.0,
                "ar_deduction_max_amount": 250.0,
                "ar_deduction_max_percent": 5.0,
            }
        )
        cls.customer = cls._customer("Lakeshore Bakery")
        cls.billing = cls.customer.child_ids
        cls.customer.write({"ar_collector_id": cls.collector.id, "ar_billing_contact_id": cls.billing.id})
        cls.invoice = cls._invoice(cls.customer, cls._day("2026-01-01"))
        cls.pricing = cls.env.ref("ar_relationship.ar_reason_code_dispute_pricing")
        cls.damaged = cls.env.ref("ar_relationship.ar_reason_code_dispute_damaged_goods")
        cls.shortage = cls.env.ref("ar_relationship.ar_reason_code_deduction_shortage")
        cls.late_discount = cls.env.ref("ar_relationship.ar_reason_code_deduction_late_discount")

    def _dispute(self, invoice=None, amount=300.0, reason=None, **values):
        reason = reason if reason is not None else self.pricing
        return self.Dispute.create(
            {
                "invoice_id": (invoice or self.invoice).id,
                "amount": amount,
                "reason_id": reason.id,
                "kind": reason.kind if reason else "dispute",
                **values,
            }
        )

    def _timeline(self, dispute):
        return self.env["ar.touchpoint"].search(
            [("res_model", "=", "ar.dispute"), ("res_id", "=", dispute.id)], order="id"
        )

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def _resolve(self, dispute, resolution, user=None, **values):
        """Fill the resolution form as the user does from the dispute's button."""
        action = dispute.with_user(user or self.env.user).with_context(ar_resolution=resolution).action_open_resolve()
        with Form(
            self.env[action["res_model"]].with_user(user or self.env.user).with_context(**action["context"])
        ) as form:
            for name, value in values.items():
                setattr(form, name, value)
        return form.record.action_confirm()

    # ------------------------------------------------------------------------------------
    # Transitions and their accounting

    def test_opening_logs_on_the_timeline_numbers_it_and_sets_the_deadline(self):
        with freeze_time("2026-02-10"), Form(self.Dispute.with_user(self.collector)) as form:
            form.partner_id = self.customer
            form.invoice_id = self.invoice
            form.reason_id = self.damaged
            form.amount = 300.0
            form.description = "Two pallets arrived crushed"
        dispute = form.record
        self.assertTrue(dispute.name.startswith("DSP/"))
        self.assertEqual((dispute.partner_id, dispute.state, dispute.origin), (self.customer, "new", "back_office"))
        self.assertEqual(dispute.deadline, self._day("2026-03-03"), "opened plus the reason's 21 days")
        touchpoint = self._timeline(dispute)
        self.assertEqual(
            (touchpoint.kind, touchpoint.outcome, touchpoint.partner_id), ("dispute", "disputed", self.customer)
        )
        self.assertEqual(touchpoint.invoice_ids, self.invoice)
        self.assertIn("300.00 contested (Damaged goods)", touchpoint.summary)
        self.assertEqual(touchpoint.body, "Two pallets arrived crushed")

    def test_valid_by_credit_note_credits_the_amount_taxes_included_and_reconciles(self):
        tax = self.company_data["default_tax_sale"]
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-01-05",
                "invoice_payment_term_id": self.term_30.id,
                "invoice_line_ids": [
                    Command.create({"name": "Flour", "quantity": 3, "price_unit": 333.33, "tax_ids": tax.ids}),
                    Command.create({"name": "Delivery", "quantity": 1, "price_unit": 45.0, "tax_ids": []}),
                ],
            }
        )
        invoice.action_post()
        with freeze_time("2026-02-10"):
            dispute = self._dispute(invoice, amount=317.45)
            dispute.with_user(self.collector).action_investigate()
        with freeze_time("2026-02-20"):
            self._resolve(dispute, "credit_note", user=self.collector)
        credit_note = dispute.resolution_move_id
        self.assertEqual((credit_note.move_type, credit_note.state), ("out_refund", "posted"))
        self.assertEqual(credit_note.reversed_entry_id, invoice)
        self.assertAlmostEqual(credit_note.amount_total, 317.45)
        self.assertTrue(credit_note.amount_tax, "the tax is credited in proportion")
        self.assertEqual(credit_note.payment_state, "paid", "reconciled with the invoice")
        self.assertAlmostEqual(invoice.amount_residual, invoice.amount_total - 317.45)
        self.assertEqual(self._receivable(credit_note).matched_debit_ids.debit_move_id, self._receivable(invoice))
        self.assertEqual((dispute.state, dispute.resolution_type), ("valid", "credit_note"))
        self.assertEqual((dispute.date_resolved, dispute.days_to_resolve), (self._day("2026-02-20"), 10))
        summaries = self._timeline(dispute).mapped("summary")
        self.assertEqual(len(summaries), 3, "opened, investigating, accepted")
        self.assertIn("under investigation by ar_collector", summaries[1])
        self.assertIn(f"accepted: credit note {credit_note.name} of", summaries[2])

    def test_valid_by_write_off_posts_a_balanced_entry_and_reconciles(self):
        with freeze_time("2026-02-05"):
            self._pay(self.invoice, self._day("2026-02-05"), 970.0)
        deduction = self.Dispute.search([("invoice_id", "=", self.invoice.id)])
        deduction.reason_id = self.shortage
        with freeze_time("2026-02-12"):
            self._resolve(deduction, "write_off", user=self.manager)
        entry = deduction.resolution_move_id
        self.assertEqual((entry.move_type, entry.state), ("entry", "posted"))
        self.assertAlmostEqual(sum(entry.line_ids.mapped("debit")), sum(entry.line_ids.mapped("credit")))
        expense = entry.line_ids.filtered(lambda line: line.account_id == self.writeoff_account)
        self.assertAlmostEqual(expense.debit, 30.0)
        receivable = self._receivable(entry)
        self.assertAlmostEqual(receivable.credit, 30.0)
        self.assertTrue(receivable.reconciled)
        self.assertEqual(self.invoice.payment_state, "paid")
        self.assertEqual(
            (deduction.state, deduction.resolution_type, deduction.resolution_amount), ("valid", "write_off", 30.0)
        )
        self.assertIn("30.00 written off", self._timeline(deduction)[-1].summary)

    def test_write_off_above_the_threshold_and_approval_reasons_take_an_ar_manager(self):
        dispute = self._dispute(amount=150.0)
        with self.assertRaisesRegex(UserError, "above .*100.00: an AR manager approves it"):
            self._resolve(dispute, "write_off", user=self.collector)
        # The collector accepts a part within the threshold; the rest is due again.
        self._resolve(dispute, "write_off", user=self.collector, amount=80.0)
        self.assertEqual((dispute.state, dispute.resolution_amount), ("valid", 80.0))
        self.assertAlmostEqual(self.invoice.amount_residual, 920.0)
        # A reason that needs approval: even a credit note waits for an AR manager.
        deduction = self._dispute(amount=20.0, reason=self.shortage)
        with self.assertRaisesRegex(UserError, "needs an AR manager"):
            self._resolve(deduction, "credit_note", user=self.collector)
        self._resolve(deduction, "write_off", user=self.manager)
        self.assertEqual(deduction.state, "valid")

    def test_invalid_puts_the_amount_back_in_followup_and_tells_the_customer(self):
        self.env.company.ar_followup_human_amount = 0
        for key in ("first", "second"):
            self.env.ref(f"ar_relationship.ar_followup_level_{key}").sudo().copy({"company_id": self.env.company.id})
        Step = self.env["ar.followup.step"]
        with freeze_time("2026-02-16"):
            dispute = self._dispute(amount=1000.0)
            item = Step._plan(self.customer)[0]
            self.assertEqual(item["mode"], "paused")
            self.assertEqual(item["reasons"], [f"{self.invoice.name} in dispute"])
            self._resolve(dispute, "rejected", user=self.collector, message="<p>The price is the contract's.</p>")
            item = Step._plan(self.customer)[0]
        self.assertEqual(dispute.state, "invalid")
        self.assertNotEqual(item["mode"], "paused")
        self.assertAlmostEqual(item["amount"], 1000.0, msg="the whole residual is followed up again")
        message = self.invoice.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        self.assertEqual(message.partner_ids, self.billing)
        self.assertIn("The price is the contract's.", message.body)
        self.assertEqual(message.author_id, self.collector.partner_id)
        self.assertIn("1,000.00 due again", self._timeline(dispute)[-1].summary)

    def test_close_files_a_resolved_dispute_or_withdraws_an_open_one(self):
        withdrawn = self._dispute(amount=100.0)
        withdrawn.with_user(self.collector).action_close()
        self.assertEqual((withdrawn.state, withdrawn.resolution_type), ("closed", "withdrawn"))
        self.assertIn("100.00 due again", self._timeline(withdrawn)[-1].summary)
        rejected = self._dispute(amount=100.0)
        rejected._ar_reject()
        rejected.action_close()
        self.assertEqual((rejected.state, rejected.resolution_type), ("closed", "rejected"))
        with self.assertRaisesRegex(UserError, "already resolved"):
            rejected._ar_resolve_credit_note()

    def test_amount_is_never_above_what_the_invoice_can_bear(self):
        # assertRaises, not assertRaisesRegex: only the former rolls back the refused dispute.
        with self.assertRaises(ValidationError) as refused:
            self._dispute(amount=1200.0)
        self.assertRegex(str(refused.exception), "has .*1,000.00 left to pay: it cannot bear .*1,200.00")
        self._dispute(amount=700.0)
        with self.assertRaises(ValidationError):
            self._dispute(amount=400.0)
        self._pay(self.invoice, self._day("2026-01-20"), 200.0)
        dispute = self._dispute(amount=100.0)
        self.assertEqual(self.invoice._ar_disputed_amounts(), {self.invoice.id: 800.0})
        with self.assertRaisesRegex(UserError, "between 0 and the disputed .*100.00"):
            dispute._ar_resolve_credit_note(150.0)

    def test_invoice_paid_in_full_closes_its_open_disputes(self):
        self._pay(self.invoice, self._day("2026-02-05"), 980.0)
        deduction = self.Dispute.search([("invoice_id", "=", self.invoice.id)])
        self.assertEqual(deduction.state, "new")
        self._pay(self.invoice, self._day("2026-02-20"), 20.0)
        self.assertEqual((deduction.state, deduction.resolution_type), ("closed", "paid"))
        self.assertIn("paid in full", self._timeline(deduction)[-1].summary)

    def test_open_disputes_count_in_the_customer_health(self):
        self._dispute(amount=250.0)
        self.customer._ar_refresh_behaviour()
        self.assertEqual(self.customer.ar_open_dispute_amount, 250.0)
        self.assertIn("invoices under dispute", self.customer.ar_health_explanation)
        self.assertEqual((self.invoice.ar_dispute_count, self.customer.ar_dispute_count), (1, 1))

    # ------------------------------------------------------------------------------------
    # Routing

    def test_routing_rules_by_reason_amount_and_tier_first_match_wins(self):
        Routing = self.env["ar.dispute.routing"]
        team = self.env["ar.dispute.team"].create({"name": "Big cases", "user_ids": [Command.set(self.manager.ids)]})
        Routing.create({"sequence": 1, "name": "Key accounts", "tier": "key", "user_id": self.viewer.id})
        Routing.create({"sequence": 2, "name": "Big", "min_amount": 500.0, "team_id": team.id})
        Routing.create(
            {"sequence": 3, "name": "Damage", "reason_ids": [Command.set(self.damaged.ids)], "user_id": self.manager.id}
        )
        by_reason = self._dispute(amount=100.0, reason=self.damaged)
        self.assertEqual((by_reason.user_id, by_reason.team_id), (self.manager, self.env["ar.dispute.team"]))
        by_amount = self._dispute(amount=600.0, reason=self.damaged)
        self.assertEqual((by_amount.user_id, by_amount.team_id), (self.manager, team))
        by_fallback = self._dispute(amount=100.0)
        self.assertEqual(by_fallback.user_id, self.collector, "no rule, no reason owner: the customer's collector")
        self.customer.ar_tier = "key"
        by_tier = self._dispute(self._invoice(self.customer, self._day("2026-01-02")), amount=600.0)
        self.assertEqual(by_tier.user_id, self.viewer, "the first matching rule wins")

    def test_reason_owner_then_team_in_turn(self):
        other = new_test_user(
            self.env, login="ar_collector2", groups="base.group_user,ar_relationship.group_ar_collector"
        )
        team = self.env["ar.dispute.team"].create(
            {"name": "Desk", "user_ids": [Command.set((self.collector | other).ids)]}
        )
        self.pricing.team_id = team
        owners = [
            self._dispute(self._invoice(self.customer, self._day("2026-01-02")), amount=10.0).user_id for _i in range(3)
        ]
        first, second = (self.collector, other) if self.collector.id < other.id else (other, self.collector)
        self.assertEqual(owners, [first, second, first], "members take turns")
        self.assertEqual(team.last_user_id, first)
        self.pricing.user_id = self.manager
        dispute = self._dispute(amount=10.0)
        self.assertEqual((dispute.user_id, dispute.team_id), (self.manager, team), "the reason's owner comes first")
        activity = dispute.activity_ids
        self.assertEqual((activity.user_id, activity.date_deadline), (self.manager, dispute.deadline))

    # ------------------------------------------------------------------------------------
    # Deductions found where they happen

    def test_short_payment_within_the_limits_proposes_a_deduction(self):
        self._pay(self.invoice, self._day("2026-02-05"), 975.0)
        deduction = self.Dispute.search([("invoice_id", "=", self.invoice.id)])
        self.assertEqual(
            (deduction.kind, deduction.state, deduction.origin, deduction.amount),
            ("deduction", "new", "payment", 25.0),
        )
        self.assertEqual(deduction.date_opened, self._day("2026-02-05"), "opened the day of the payment")
        self.assertFalse(deduction.reason_id, "nothing to suggest: a reason to qualify")
        self.assertEqual(self._timeline(deduction).direction, "in")
        # Above 5% of the invoice, or above 250: no deduction, a partial payment.
        half = self._invoice(self.customer, self._day("2026-01-02"))
        self._pay(half, self._day("2026-02-05"), 900.0)
        large = self._invoice(self.customer, self._day("2026-01-03"), amount=10000.0)
        self._pay(large, self._day("2026-02-05"), 9700.0)
        self.assertFalse(self.Dispute.search([("invoice_id", "in", (half | large).ids)]))

    def test_remainder_equal_to_an_early_discount_taken_late_suggests_the_reason(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-01-01",
                "invoice_payment_term_id": self.env.ref("account.account_payment_term_30days_early_discount").id,
                "invoice_line_ids": [Command.create({"name": "Oats", "price_unit": 1000.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        # 2/7 net 30: 980 was enough until January 8th; paid on the 20th.
        self._pay(invoice, self._day("2026-01-20"), 980.0)
        deduction = self.Dispute.search([("invoice_id", "=", invoice.id)])
        self.assertEqual((deduction.amount, deduction.reason_id), (20.0, self.late_discount))
        self.assertIn("after the early-payment discount's last day", deduction.description)

    def test_register_payment_records_the_difference_as_a_deduction(self):
        form = Form(
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=self.invoice.ids)
        )
        form.payment_date = self._day("2026-02-05")
        form.journal_id = self.bank
        form.amount = 700.0
        self.assertEqual(form.payment_difference_handling, "open")
        form.ar_deduction = True
        form.ar_deduction_reason_id = self.shortage
        form.save()._create_payments()
        deduction = self.Dispute.search([("invoice_id", "=", self.invoice.id)])
        self.assertEqual(
            (deduction.amount, deduction.reason_id, deduction.origin, deduction.state),
            (300.0, self.shortage, "payment", "new"),
        )
        # Within the limits the payment proposes one already: the form gives it the reason, no second one.
        invoice = self._invoice(self.customer, self._day("2026-01-02"))
        form = Form(
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids)
        )
        form.amount = 990.0
        form.ar_deduction = True
        form.ar_deduction_reason_id = self.shortage
        form.save()._create_payments()
        deduction = self.Dispute.search([("invoice_id", "=", invoice.id)])
        self.assertEqual((len(deduction), deduction.amount, deduction.reason_id), (1, 10.0, self.shortage))

    def test_batch_action_creates_deductions_for_the_short_paid_invoices(self):
        self.env.company.ar_deduction_max_amount = 0.0  # payments propose none: the batch does
        unpaid = self._invoice(self.customer, self._day("2026-01-02"))
        self._pay(self.invoice, self._day("2026-02-05"), 960.0)
        self.assertFalse(self.Dispute.search([("invoice_id", "=", self.invoice.id)]))
        self.env.company.ar_deduction_max_amount = 250.0
        result = (self.invoice | unpaid).with_user(self.collector).action_ar_create_deductions()
        deduction = self.Dispute.search([("invoice_id", "=", self.invoice.id)])
        self.assertEqual((deduction.kind, deduction.amount, deduction.state), ("deduction", 40.0, "new"))
        self.assertIn(f"{unpaid.name} (not partly paid)", result["params"]["message"])
        self.assertEqual(result["params"]["next"]["domain"], [("id", "in", deduction.ids)])
        with self.assertRaisesRegex(UserError, "already in dispute"):
            self.invoice.with_user(self.collector).action_ar_create_deductions()

    # ------------------------------------------------------------------------------------
    # Deadlines, aging, rights, portal

    def test_deadline_overdue_and_aging(self):
        with freeze_time("2026-02-01"):
            late = self._dispute(amount=100.0, reason=self.damaged)  # 21 days: due 2026-02-22
            done = self._dispute(amount=100.0, reason=self.damaged)
            done._ar_reject()
        with freeze_time("2026-02-23"):
            self.assertTrue(late.is_overdue)
            self.assertFalse(done.is_overdue, "a resolved dispute is never overdue")
            overdue = self.Dispute.search([("is_overdue", "=", True), ("invoice_id", "=", self.invoice.id)])
            self.assertEqual(overdue, late)
        with freeze_time("2026-04-15"):
            self.Dispute._cron_refresh_age()
        self.assertEqual((late.days_open, late.age_bucket), (73, "61_90"))

    def test_rights_viewer_reads_collector_works_manager_deletes(self):
        dispute = self._dispute(amount=100.0)
        self.assertEqual(dispute.with_user(self.viewer).amount, 100.0)
        with self.assertRaises(AccessError):
            dispute.with_user(self.viewer).write({"description": "changed"})
        with self.assertRaises(AccessError):
            self.Dispute.with_user(self.viewer).create({"invoice_id": self.invoice.id, "amount": 10.0})
        created = self.Dispute.with_user(self.collector).create(
            {"invoice_id": self.invoice.id, "amount": 10.0, "reason_id": self.pricing.id}
        )
        created.with_user(self.collector).description = "Customer sent photos"
        with self.assertRaises(AccessError):
            created.with_user(self.collector).unlink()
        with self.assertRaises(AccessError):
            self.env["ar.dispute.routing"].with_user(self.collector).create(
                {"name": "Mine", "user_id": self.collector.id}
            )
        with self.assertRaises(AccessError):
            self.env["ar.dispute.team"].with_user(self.collector).create({"name": "Mine"})
        self.assertTrue(self.env["ar.dispute.team"].with_user(self.viewer).search_count([]) >= 0)
        created.with_user(self.manager).unlink()
        self.assertFalse(created.exists())

    def test_portal_dispute_is_checked_routed_and_keeps_the_evidence(self):
        portal = new_test_user(self.env, login="bakery_portal", groups="base.group_portal", partner_id=self.billing.id)
        Dispute = self.Dispute.with_user(portal)
        with self.assertRaisesRegex(UserError, "at most .*1,000.00"):
            Dispute._open_from_portal(self.invoice.id, self.pricing.id, "1500", "Too expensive")
        with self.assertRaisesRegex(UserError, "Choose the reason"):
            Dispute._open_from_portal(self.invoice.id, self.shortage.id, "100", "Too expensive")
        with self.assertRaisesRegex(UserError, "as a number"):
            Dispute._open_from_portal(self.invoice.id, self.pricing.id, "a lot", "Too expensive")
        with self.assertRaisesRegex(UserError, "Tell us why"):
            Dispute._open_from_portal(self.invoice.id, self.pricing.id, "100", "  ")
        stranger = self._invoice(self._customer("Someone Else"), self._day("2026-01-02"))
        with self.assertRaisesRegex(UserError, "cannot be disputed from your account"):
            Dispute._open_from_portal(stranger.id, self.pricing.id, "100", "Not mine")
        dispute = Dispute._open_from_portal(
            self.invoice, self.pricing, "120.50", "The unit price is not the contract's", [("quote.pdf", b"%PDF-1.4")]
        )
        self.assertEqual((dispute.origin, dispute.amount, dispute.state), ("portal", 120.5, "new"))
        self.assertEqual(dispute.user_id, self.collector, "routed like any other")
        message = dispute.message_ids.filtered(lambda m: m.author_id == self.billing)
        self.assertEqual(message.attachment_ids.name, "quote.pdf")
        self.assertEqual(base64.b64decode(message.attachment_ids.datas), b"%PDF-1.4")
        self.assertNotIn(self.billing, dispute.message_partner_ids, "the customer does not follow our notes")
        self.assertEqual((self._timeline(dispute).direction, self._timeline(dispute).contact_id), ("in", self.billing))

    def test_disputed_amounts_cost_one_query_for_any_number_of_invoices(self):
        invoices = self.invoice | self._invoice(self.customer, self._day("2026-01-02"))
        for invoice in invoices:
            self._dispute(invoice, amount=50.0)
        self.env.flush_all()
        with self.assertQueryCount(1):
            self.assertEqual(set(invoices._ar_disputed_amounts().values()), {50.0})

    def test_dispute_list_and_counts_cost_the_same_for_many_records(self):
        invoices = self.invoice
        for day in range(2, 10):
            invoices |= self._invoice(self.customer, self._day(f"2026-01-{day:02d}"))
        disputes = self.Dispute.browse([self._dispute(invoice, amount=10.0).id for invoice in invoices])
        list_fields = ["name", "partner_id", "invoice_id", "reason_id", "user_id", "deadline", "is_overdue", "amount"]

        def queries(records, read):
            self.env.invalidate_all()
            self.env.cr.flush()
            before = self.cr.sql_log_count
            read(records)
            return self.cr.sql_log_count - before

        for read in (
            lambda records: records.read(list_fields),
            lambda records: records.invoice_id.mapped("ar_dispute_count"),
        ):
            queries(disputes, read)  # warms the caches of access rules
            self.assertEqual(queries(disputes[:2], read), queries(disputes, read), "2 and 9 records cost the same")


@tagged("post_install", "-at_install")
class TestDisputeDemo(TransactionCase):
    def test_demo_disputes_on_the_disputing_and_short_paying_customers(self):
        disputer = self.env.ref("ar_relationship.res_partner_ar_disputer_demo")
        shorts = self.env.ref("ar_relationship.res_partner_ar_short1_demo") | self.env.ref(
            "ar_relationship.res_partner_ar_short2_demo"
        )
        held = self.env["ar.dispute"].search([("partner_id", "=", disputer.id)])
        self.assertEqual(held.state, "investigating")
        self.assertEqual(held.reason_id, self.env.ref("ar_relationship.ar_reason_code_dispute_pricing"))
        deductions = self.env["ar.dispute"].search([("partner_id", "in", shorts.ids), ("kind", "=", "deduction")])
        self.assertGreaterEqual(set(deductions.mapped("state")), {"new", "investigating", "valid", "invalid"})
        self.assertGreaterEqual(len(deductions.reason_id), 3)
        self.assertIn(self.env.ref("ar_relationship.ar_reason_code_deduction_late_discount"), deductions.reason_id)
        resolved = deductions.filtered(lambda deduction: deduction.state == "valid")
        self.assertTrue(all(deduction.resolution_move_id.state == "posted" for deduction in resolved))
        self.assertTrue(all(deduction.days_to_resolve > 0 for deduction in resolved))
