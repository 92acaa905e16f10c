from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .ar_common import ArAccountingCase, ar_users


@tagged("post_install", "-at_install")
class TestPaymentPlan(ArAccountingCase):
    """Two overdue invoices of 1,000 and 500 (due May 31 and June 4, 2025). On June 10 the
    collector proposes a plan: by default 10% down payment that day, then three monthly
    installments from July 10. Grace days: 3; policy: 6 months, 10% down payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer, cls.collector, cls.manager = ar_users(cls.env)
        cls.customer = cls._customer("Summit Textiles")
        cls.customer.ar_collector_id = cls.collector
        cls.invoice = cls._invoice(cls.customer, cls._day("2025-05-01"), 1000.0)
        cls.other_invoice = cls._invoice(cls.customer, cls._day("2025-05-05"), 500.0)
        cls.invoices = cls.invoice | cls.other_invoice

    def _form(self, invoices=None, day="2025-06-10"):
        with freeze_time(day):
            return Form(
                self.env["ar.payment.plan.propose"]
                .with_user(self.collector)
                .with_context(active_model="account.move", active_ids=(invoices or self.invoices).ids)
            )

    def _propose(self, day="2025-06-10", invoices=None, **values):
        """Propose a plan as the collector does, on `day`."""
        form = self._form(invoices, day)
        with freeze_time(day):
            for name, value in values.items():
                setattr(form, name, value)
            wizard = form.save()
            action = wizard.action_propose()
        return self.env["ar.payment.plan"].browse(action["res_id"])

    def _active_plan(self, **values):
        plan = self._propose(**values)
        with freeze_time("2025-06-10"):
            plan.with_user(self.collector).action_activate()
        return plan

    def _schedule(self, plan_or_wizard):
        return [(str(line.date), line.amount) for line in plan_or_wizard.line_ids]

    def _check(self, day):
        with freeze_time(day):
            self.env["ar.payment.plan"]._cron_ar_evaluate()

    def _exclusions(self, day):
        with freeze_time(day):
            return self.invoices._ar_followup_exclusions()

    def _touchpoints(self, plan):
        return self.env["ar.touchpoint"].search(
            [("res_model", "=", "ar.payment.plan"), ("res_id", "=", plan.id)], order="id"
        )

    # ------------------------------------------------------------------------------------
    # Schedule

    def test_monthly_plan_with_down_payment_adds_up_to_the_residual(self):
        plan = self._propose()
        self.assertEqual(
            self._schedule(plan),
            [("2025-06-10", 150.0), ("2025-07-10", 450.0), ("2025-08-10", 450.0), ("2025-09-10", 450.0)],
        )
        self.assertRecordValues(
            plan,
            [
                {
                    "partner_id": self.customer.id,
                    "state": "proposed",
                    "amount_total": 1500.0,
                    "down_payment": 150.0,
                    "needs_approval": False,
                    "user_id": self.collector.id,
                }
            ],
        )
        self.assertTrue(plan.name.startswith("PLAN/"))
        self.assertEqual(
            self._touchpoints(plan).summary,
            f"Payment plan {plan.name} proposed: 4 installments from 06/10/2025 to 09/10/2025",
        )

    def test_last_installment_takes_the_rounding(self):
        form = self._form(self.invoice)
        with freeze_time("2025-06-10"):
            form.down_payment = 0.0
            self.assertEqual(
                [(str(line["date"]), line["amount"]) for line in form.line_ids._records],
                [("2025-07-10", 333.33), ("2025-08-10", 333.33), ("2025-09-10", 333.34)],
            )

    def test_weekly_and_every_two_weeks_schedules(self):
        form = self._form()
        with freeze_time("2025-06-10"):
            form.frequency = "weekly"
            form.installment_count = 2
            self.assertEqual(
                [(str(line["date"]), line["amount"]) for line in form.line_ids._records],
                [("2025-06-10", 150.0), ("2025-06-17", 675.0), ("2025-06-24", 675.0)],
            )
            form.frequency = "biweekly"
            self.assertEqual(
                [str(line["date"]) for line in form.line_ids._records], ["2025-06-10", "2025-06-24", "2025-07-08"]
            )

    def test_custom_dates_are_spread_evenly_on_request(self):
        form = self._form()
        with freeze_time("2025-06-10"):
            form.frequency = "custom"
            with form.line_ids.edit(1) as line:
                line.date = self._day("2025-06-30")
            with form.line_ids.new() as line:
                line.date = self._day("2025-12-01")
            wizard = form.save()
            with self.assertRaisesRegex(UserError, "The installment of 12/01/2025 must be above zero"):
                wizard.action_propose()
            wizard.line_ids[-1].amount = 1.0
            with self.assertRaisesRegex(UserError, r"add up to \$\xa01,501.00 but \$\xa01,500.00 is left to pay"):
                wizard.action_propose()
            wizard.action_spread()
            self.assertEqual(
                self._schedule(wizard),
                [
                    ("2025-06-10", 150.0),
                    ("2025-06-30", 337.5),
                    ("2025-08-10", 337.5),
                    ("2025-09-10", 337.5),
                    ("2025-12-01", 337.5),
                ],
            )
            plan = self.env["ar.payment.plan"].browse(wizard.action_propose()["res_id"])
        self.assertEqual(plan.frequency, "custom")
        self.assertEqual(len(plan.line_ids), 5)

    def test_propose_refuses_past_dates_bad_down_payment_and_planned_invoices(self):
        form = self._form()
        with freeze_time("2025-06-10"):
            form.down_payment_date = self._day("2025-06-01")
            with self.assertRaisesRegex(UserError, "The installment of 06/01/2025 is in the past"):
                form.save().action_propose()
            form.down_payment_date = self._day("2025-06-10")
            form.down_payment = 1500.0
            with self.assertRaisesRegex(UserError, "down payment must be between zero and"):
                form.save().action_propose()
        plan = self._propose()
        with self.assertRaisesRegex(UserError, f"are already in payment plan {plan.name}"):
            self._propose()

    def test_plan_drafted_by_hand_covers_what_is_left_on_its_invoices(self):
        with freeze_time("2025-06-10"):
            with Form(self.env["ar.payment.plan"].with_user(self.collector)) as form:
                form.partner_id = self.customer
                form.invoice_ids.add(self.invoice)
                form.invoice_ids.add(self.other_invoice)
                self.assertEqual(form.amount_total, 1500.0)
                with form.line_ids.new() as line:
                    line.date = self._day("2025-06-30")
                    line.amount = 1500.0
            plan = form.record
            plan.with_user(self.collector).action_propose()
            plan.with_user(self.manager).action_approve()
            plan.with_user(self.collector).action_activate()
            self._pay(self.invoice, self._day("2025-06-12"), 100.0)
        self.assertRecordValues(plan, [{"amount_total": 1500.0, "paid_amount": 100.0, "residual_amount": 1400.0}])

    def test_installments_change_only_in_draft(self):
        plan = self._propose()
        with self.assertRaisesRegex(UserError, "change only in draft"):
            plan.line_ids[0].with_user(self.collector).amount = 100.0
        plan.with_user(self.collector).action_draft()
        plan.line_ids[0].with_user(self.collector).amount = 100.0
        with self.assertRaisesRegex(UserError, r"add up to \$\xa01,450.00 but the plan covers \$\xa01,500.00"):
            plan.with_user(self.collector).action_propose()

    # ------------------------------------------------------------------------------------
    # Policy and approval

    def test_plan_outside_policy_needs_an_ar_manager_approval(self):
        form = self._form()
        with freeze_time("2025-06-10"):
            form.down_payment = 0.0
            form.installment_count = 9
            self.assertEqual(
                form.policy_note,
                "Outside the policy (longer than 6 months; down payment under 10.0%): an AR manager will approve it.",
            )
            plan = self.env["ar.payment.plan"].browse(form.save().action_propose()["res_id"])
        self.assertRecordValues(plan, [{"needs_approval": True, "state": "proposed"}])
        self.assertEqual(
            plan.policy_breach,
            "lasts until 03/10/2026, longer than 6 months; down payment of 0.0% under the 10.0% minimum",
        )
        with self.assertRaisesRegex(UserError, "an AR manager must approve it first"):
            plan.with_user(self.collector).action_activate()
        with self.assertRaises(AccessError):
            plan.with_user(self.collector).action_approve()
        with freeze_time("2025-06-11"):
            plan.with_user(self.manager).action_approve()
            plan.with_user(self.collector).action_activate()
        self.assertRecordValues(
            plan,
            [{"state": "active", "approved_by_id": self.manager.id, "approved_date": self._day("2025-06-11")}],
        )

    def test_policy_limits_come_from_the_settings(self):
        self.env["res.config.settings"].create({"ar_plan_max_months": 12, "ar_plan_min_down_payment": 0.0}).execute()
        plan = self._propose(down_payment=0.0, installment_count=9)
        self.assertFalse(plan.needs_approval)

    # ------------------------------------------------------------------------------------
    # Installments and follow-up

    def test_payments_go_to_the_oldest_installments_first(self):
        plan = self._active_plan()
        with freeze_time("2025-07-20"):
            self._pay(self.invoice, self._day("2025-06-10"), 150.0)
            self._pay(self.invoice, self._day("2025-07-15"), 500.0)
            plan.line_ids.invalidate_recordset(["paid_amount", "status"])
            self.assertEqual(
                [(line.paid_amount, line.status) for line in plan.line_ids],
                [(150.0, "paid"), (450.0, "paid"), (50.0, "due"), (0.0, "due")],
            )
            self.assertRecordValues(plan, [{"paid_amount": 650.0, "residual_amount": 850.0, "at_risk": False}])
        with freeze_time("2025-08-11"):
            plan.line_ids.invalidate_recordset(["paid_amount", "status"])
            self.assertEqual(plan.line_ids.mapped("status"), ["paid", "paid", "late", "due"])

    def test_active_plan_on_schedule_keeps_its_invoices_out_of_followup(self):
        plan = self._propose()
        self.assertEqual(self._exclusions("2025-06-10"), {}, "a proposed plan pauses nothing")
        with freeze_time("2025-06-10"):
            plan.with_user(self.collector).action_activate()
        reason = f"Payment plan {plan.name} on schedule"
        self.assertEqual(self._exclusions("2025-06-12"), {self.invoice.id: reason, self.other_invoice.id: reason})
        self.assertEqual(
            self._touchpoints(plan)[-1].summary, f"Agreed to payment plan {plan.name}: $\xa01,500.00 in 4 installments"
        )

    def test_missed_installment_puts_the_plan_at_risk_and_resumes_followup(self):
        plan = self._active_plan()
        self._check("2025-06-13")
        self.assertFalse(plan.at_risk, "the down payment is late but within the grace days")
        self._check("2025-06-14")
        self.assertRecordValues(plan, [{"state": "active", "at_risk": True}])
        self.assertEqual(
            self._touchpoints(plan)[-1].summary,
            f"Payment plan {plan.name} at risk: installment of $\xa0150.00 due 06/10/2025 missed",
        )
        self.assertRecordValues(
            plan.activity_ids, [{"user_id": self.collector.id, "summary": "Call Summit Textiles: installment missed"}]
        )
        self.assertEqual(self._exclusions("2025-06-14"), {})
        # Paying the missed installment puts the plan back on schedule, at once.
        with freeze_time("2025-06-16"):
            self._pay(self.invoice, self._day("2025-06-16"), 150.0)
        self.assertFalse(plan.at_risk)
        self.assertEqual(self._touchpoints(plan)[-1].summary, f"Payment plan {plan.name} back on schedule")
        self.assertEqual(len(self._exclusions("2025-06-16")), 2)

    def test_second_missed_installment_defaults_the_plan(self):
        plan = self._active_plan()
        with freeze_time("2025-06-10"):
            self._pay(self.invoice, self._day("2025-06-10"), 150.0)
        self._check("2025-07-14")
        self.assertRecordValues(plan, [{"state": "active", "at_risk": True}])
        self._check("2025-08-14")
        self.assertRecordValues(plan, [{"state": "defaulted"}])
        self.assertEqual(
            self._touchpoints(plan)[-1].summary,
            f"Payment plan {plan.name} defaulted: 2 installments missed, $\xa01,350.00 left to pay",
        )
        self.assertIn("Call Summit Textiles: payment plan defaulted", plan.activity_ids.mapped("summary"))
        self.assertEqual(self._exclusions("2025-08-14"), {})

    def test_missed_last_installment_defaults_the_plan(self):
        plan = self._propose(down_payment=0.0, installment_count=1)
        with freeze_time("2025-06-10"):
            plan.with_user(self.manager).action_approve()
            plan.with_user(self.collector).action_activate()
        self._check("2025-07-14")
        self.assertEqual(plan.state, "defaulted")

    def test_plan_paid_in_full_is_completed(self):
        plan = self._active_plan()
        with freeze_time("2025-07-01"):
            self._pay(self.invoice, self._day("2025-07-01"))
            self._pay(self.other_invoice, self._day("2025-07-01"))
        self.assertEqual(plan.state, "completed")
        self.assertEqual(
            self._touchpoints(plan)[-1].summary, f"Payment plan {plan.name} completed: all installments paid"
        )

    def test_nightly_check_skips_plans_checked_today(self):
        plan = self._active_plan()
        self._check("2025-06-20")
        self.assertEqual(plan.evaluation_date, self._day("2025-06-20"))
        with freeze_time("2025-06-20"):
            self.assertFalse(
                self.env["ar.payment.plan"].search(
                    [
                        ("state", "=", "active"),
                        "|",
                        ("evaluation_date", "=", False),
                        ("evaluation_date", "<", "2025-06-20"),
                    ]
                )
            )

    # ------------------------------------------------------------------------------------
    # Rights

    def test_viewer_reads_plans_but_cannot_propose(self):
        plan = self._propose()
        self.assertEqual(plan.with_user(self.viewer).state, "proposed")
        with self.assertRaises(AccessError):
            self.env["ar.payment.plan.propose"].with_user(self.viewer).create({"partner_id": self.customer.id})
        with self.assertRaises(AccessError):
            plan.with_user(self.viewer).action_cancel()

    def test_collector_cannot_delete_a_plan_a_manager_can(self):
        plan = self._propose()
        with self.assertRaises(AccessError):
            plan.with_user(self.collector).unlink()
        plan.with_user(self.manager).unlink()
        self.assertFalse(plan.exists())

    def test_plan_needs_invoices_of_its_customer(self):
        stranger = self._invoice(self._customer("Other Co"), self._day("2025-05-01"))
        with self.assertRaisesRegex(Exception, "are not invoices of Summit Textiles"):
            self.env["ar.payment.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(stranger.ids)],
                    "amount_total": 100.0,
                }
            )
