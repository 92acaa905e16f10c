import re
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.ar_followup_step import ArFollowupStep
from .ar_common import ArAccountingCase, ar_users


class Crash(BaseException):
    """The worker dies (killed, out of memory): not an error the engine can catch and go on from."""


@tagged("post_install", "-at_install")
class TestFollowup(ArAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._default_ladder()
        cls.Step = cls.env["ar.followup.step"]
        cls.viewer, cls.collector, cls.manager = ar_users(cls.env)
        cls.collector.partner_id.phone = "+1 555 0100"
        cls.customer = cls._customer("Acme Traders")
        cls.customer.ar_collector_id = cls.collector
        # Invoiced on 2026-01-01, 30-day terms: due on 2026-01-31.
        cls.invoice = cls._invoice(cls.customer, cls._day("2026-01-01"))

    def _levels_on(self, day, partners=None):
        with freeze_time(day):
            return {item["partner"]: (item["level"], item["mode"]) for item in self.Step._plan(partners)}

    def test_level_follows_days_from_due_date_including_before_it(self):
        expected = {
            "2026-01-27": None,
            "2026-01-28": "courtesy",  # 3 days before the due date
            "2026-02-03": "first",
            "2026-02-14": "first",
            "2026-02-16": "second",
            "2026-03-02": "call",
            "2026-03-17": "final",
        }
        for day, key in expected.items():
            plan = self._levels_on(day, self.customer)
            level = plan.get(self.customer, (None, None))[0]
            self.assertEqual(level, self.levels[key] if key else None, day)

    def test_each_invoice_goes_through_each_level_once(self):
        with freeze_time("2026-02-03"):
            steps = self.Step._run(self.customer)
            self.assertEqual(steps.level_id, self.levels["first"])
            self.assertEqual(self.invoice.ar_followup_level_id, self.levels["first"])
            # A second run the same day sends nothing.
            self.assertFalse(self.Step._run(self.customer))
        with freeze_time("2026-02-10"):
            self.assertFalse(self.Step._run(self.customer), "nothing new until the next level")
        with freeze_time("2026-02-16"):
            self.assertEqual(self.Step._run(self.customer).level_id, self.levels["second"])
        messages = self.customer.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(messages), 2)
        touchpoints = self.env["ar.touchpoint"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", "reminder")]
        )
        self.assertEqual(len(touchpoints), 2)

    def test_late_first_run_takes_only_the_highest_level_reached(self):
        with freeze_time("2026-02-20"):
            steps = self.Step._run(self.customer)
        self.assertEqual(steps.level_id, self.levels["second"])
        self.assertEqual(len(steps), 1)

    def test_one_message_per_customer_lists_all_its_invoices(self):
        other = self._invoice(self.customer, self._day("2025-12-20"), amount=250.0)
        with freeze_time("2026-02-16"):
            step = self.Step._run(self.customer)
        self.assertEqual(step.invoice_ids, self.invoice | other)
        # Each invoice keeps its own level; the message takes the tone of the highest.
        self.assertEqual(other.ar_followup_level_id, self.levels["second"])
        self.assertEqual(self.invoice.ar_followup_level_id, self.levels["second"])
        body = step.message_id.body
        self.assertIn(self.invoice.name, body)
        self.assertIn(other.name, body)

    def test_email_is_personal_lists_invoices_and_goes_to_the_billing_contact(self):
        billing = self.customer.child_ids.filtered(lambda c: c.type == "invoice")
        with freeze_time("2026-02-16"):
            step = self.Step._run(self.customer)
        message = step.message_id
        self.assertEqual(message.model, "res.partner")
        self.assertEqual(message.res_id, self.customer.id)
        self.assertEqual(message.partner_ids, billing)
        self.assertEqual(message.author_id, self.collector.partner_id)
        self.assertIn(f"Dear {billing.name}", message.body)
        self.assertIn(self.invoice.name, message.body)
        self.assertIn(">16<", message.body.replace(" ", ""), "16 days overdue")
        self.assertIn(self.collector.name, message.body)
        self.assertIn("+1 555 0100", message.body)
        if "ar.portal.token" in self.env:
            self.assertIn("/my/ar?token=", message.body, "the portal add-on links the customer's account")
        else:
            self.assertNotIn("href", message.body, "no portal link without the portal add-on")
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.state, "outgoing", "queued for the mail queue, not sent inline")
        self.assertEqual(step.mail_state, "queued")

    def test_failed_email_is_retried_and_shown(self):
        with freeze_time("2026-02-16"):
            step = self.Step._run(self.customer)
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", step.message_id.id)])
        mail.write({"state": "exception", "failure_reason": "SMTP down"})
        step.message_id.notification_ids.sudo().write({"notification_status": "exception"})
        step.invalidate_recordset(["mail_state"])
        self.assertEqual(step.mail_state, "failed")
        self.assertEqual(self.Step._retry_failed_mails(), mail)
        self.assertEqual(mail.state, "outgoing")

    def test_crash_in_the_middle_then_resume_without_duplicates(self):
        customers = self.customer | self._customer("Beta") | self._customer("Gamma") | self._customer("Delta")
        for customer in customers[1:]:
            self._invoice(customer, self._day("2026-01-01"))
        savepoint = [self.env.cr.savepoint()]

        def commit(step_model):
            savepoint[0].close(rollback=False)
            savepoint[0] = self.env.cr.savepoint()

        take_steps = ArFollowupStep._take_steps

        def crash_on_third(step_model, items, *args):
            if any(item["partner"] == customers[2] for item in items):
                raise Crash
            return take_steps(step_model, items, *args)

        with freeze_time("2026-02-16"):
            # Not self.assertRaises: its own savepoint would be released by the emulated commits.
            crashed = False
            with (
                patch.object(ArFollowupStep, "_commit_batch", commit),
                patch.object(ArFollowupStep, "_take_steps", crash_on_third),
            ):
                try:
                    self.Step._cron_run(batch_size=1)
                except Crash:
                    crashed = True
            self.assertTrue(crashed)
            savepoint[0].close(rollback=True)
            self.env.invalidate_all()
            done = self.Step.search([("partner_id", "in", customers.ids)])
            self.assertEqual(done.partner_id, customers[:2], "the batches before the crash are kept")
            self.Step._cron_run(batch_size=1)
        steps = self.Step.search([("partner_id", "in", customers.ids)])
        self.assertEqual(len(steps), 4)
        self.assertEqual(steps.partner_id, customers)
        for customer in customers:
            self.assertEqual(len(customer.message_ids.filtered(lambda m: m.message_type == "comment")), 1)

    def test_loyal_customer_late_for_the_first_time_gets_a_call_not_an_email(self):
        loyal = self._customer("Old Friend Ltd")
        loyal.write({"ar_customer_since": self._day("2017-03-01"), "ar_collector_id": self.collector.id})
        # Eleven invoices of the last year paid on time, then one late: still over 90% on time.
        for month in range(11):
            day = self._day("2025-01-10") + relativedelta(months=month)
            invoice = self._invoice(loyal, day)
            self._pay(invoice, day + relativedelta(days=20))
        late = self._invoice(loyal, self._day("2026-01-01"))
        with freeze_time("2026-02-03"):
            loyal._ar_refresh_behaviour()
            steps = self.Step._run(loyal)
        self.assertEqual(steps.mode, "human")
        self.assertIn("loyal customer, first late payment in", steps.reason)
        self.assertFalse(steps.message_id, "no email to a loyal customer")
        activity = loyal.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("loyal customer", activity.summary)
        self.assertIn(late.name, activity.note)
        touchpoint = self.env["ar.touchpoint"].search([("partner_id", "=", loyal.id), ("kind", "=", "note")])
        self.assertIn("Routed to a person: loyal customer", touchpoint.summary)
        self.assertEqual(late.ar_followup_level_id, self.levels["first"], "the step is taken once, by a person")

    def test_a_loyal_customer_already_late_recently_is_not_routed(self):
        loyal = self._customer("Old Friend Ltd")
        loyal.ar_customer_since = self._day("2017-03-01")
        paid_late = self._invoice(loyal, self._day("2025-09-01"))
        self._pay(paid_late, self._day("2025-10-20"))
        self._invoice(loyal, self._day("2026-01-01"))
        with freeze_time("2026-02-03"):
            loyal._ar_refresh_behaviour()
            self.assertEqual(self.Step._plan(loyal)[0]["mode"], "auto")

    def test_human_only_key_account_and_large_amounts_go_to_a_person(self):
        human = self._customer("Careful Inc")
        human.ar_automation = "human"
        key = self._customer("Big Key Co")
        key.ar_tier = "key"
        large = self._customer("Large Orders")
        self.env.company.ar_followup_human_amount = 5000
        for customer, amount in ((human, 100), (key, 100), (large, 9000)):
            self._invoice(customer, self._day("2026-01-01"), amount=amount)
        with freeze_time("2026-02-03"):
            plan = {item["partner"]: item for item in self.Step._plan(human | key | large)}
        self.assertEqual(plan[human]["reasons"], ["human-only customer"])
        self.assertEqual(plan[key]["reasons"], ["key account"])
        self.assertIn("above", plan[large]["reasons"][0])
        self.assertEqual({item["mode"] for item in plan.values()}, {"human"})

    def test_paused_customer_and_blocked_invoice_are_left_alone(self):
        self.customer.write({"ar_automation": "paused", "ar_paused_until": self._day("2026-02-20")})
        with freeze_time("2026-02-16"):
            item = self.Step._plan(self.customer)[0]
            self.assertEqual(item["mode"], "paused")
            self.assertIn("paused until", item["reasons"][0])
            self.assertFalse(self.Step._run(self.customer))
        with freeze_time("2026-02-21"):
            self.assertEqual(self.Step._plan(self.customer)[0]["mode"], "auto", "the pause is over")
        self.customer.ar_automation = "automatic"
        self.invoice.ar_followup_blocked = True
        with freeze_time("2026-02-16"):
            item = self.Step._plan(self.customer)[0]
            self.assertEqual(item["mode"], "paused")
            self.assertIn("blocked", item["reasons"][0])
            self.assertFalse(self.Step._run(self.customer))

    def test_pilot_scope_sends_only_to_tagged_customers(self):
        tag = self.env["res.partner.category"].create({"name": "AR pilot"})
        self.env.company.write({"ar_followup_scope": "pilot", "ar_followup_pilot_tag_id": tag.id})
        pilot = self._customer("Pilot Co")
        pilot.category_id = tag
        self._invoice(pilot, self._day("2026-01-01"))
        with freeze_time("2026-02-16"):
            modes = {item["partner"]: item["mode"] for item in self.Step._plan(self.customer | pilot)}
            self.assertEqual(modes, {self.customer: "pilot", pilot: "auto"})
            steps = self.Step._run(self.customer | pilot)
        self.assertEqual(steps.partner_id, pilot)
        self.assertFalse(self.invoice.ar_followup_level_id, "computed and shown, nothing sent")

    def test_minimum_amount_holds_the_step(self):
        self.levels["second"].min_amount = 5000
        with freeze_time("2026-02-16"):
            item = self.Step._plan(self.customer)[0]
        self.assertEqual(item["mode"], "below_minimum")

    def test_final_notice_waits_for_an_ar_manager_in_the_preview(self):
        self.invoice.ar_followup_level_id = self.levels["call"]
        with freeze_time("2026-03-17"):
            self.assertEqual(self.Step._plan(self.customer)[0]["mode"], "approval")
            self.assertFalse(self.Step._run(self.customer), "not sent without approval")
            preview = self.env["ar.followup.preview"].browse(
                self.env["ar.followup.preview"].with_user(self.collector).action_open(self.customer)["res_id"]
            )
            line = preview.line_ids
            self.assertEqual(
                (line.level_id, line.mode, line.channel), (self.levels["final"], "approval", "Email, Letter")
            )
            with self.assertRaisesRegex(UserError, "AR manager"):
                line.with_user(self.collector).action_approve()
            line.with_user(self.manager).action_approve()
        self.assertEqual(line.state, "done")
        step = self.Step.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((step.mode, step.user_id, step.letter), ("approved", self.manager, True))
        self.assertTrue(step.message_id.attachment_ids, "the statement is attached")

    def test_skip_from_the_preview_moves_the_invoices_past_the_level(self):
        with freeze_time("2026-02-16"):
            action = self.env["ar.followup.preview"].with_user(self.collector).action_open(self.customer)
            line = self.env["ar.followup.preview"].browse(action["res_id"]).line_ids
            line.with_user(self.collector).action_skip()
            self.assertFalse(self.Step._run(self.customer))
        step = self.Step.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((step.mode, step.user_id), ("skipped", self.collector))
        self.assertFalse(step.message_id)
        self.assertEqual(self.invoice.ar_followup_level_id, self.levels["second"])

    def test_letter_is_printed_from_the_step(self):
        self.levels["second"].print_letter = True
        with freeze_time("2026-02-16"):
            step = self.Step._run(self.customer)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "ar_relationship.action_report_ar_followup_letter", step.ids
        )[0]
        self.assertIn(self.invoice.name, html.decode())
        step.action_print_letters()
        self.assertTrue(step.letter_printed)

    def test_process_button_on_customers(self):
        with freeze_time("2026-02-16"):
            result = self.customer.with_user(self.collector).action_ar_process_followups()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(self.invoice.ar_followup_level_id, self.levels["second"])

    def test_partly_disputed_invoice_is_followed_up_for_the_rest(self):
        pricing = self.env.ref("ar_relationship.ar_reason_code_dispute_pricing")
        other = self._invoice(self.customer, self._day("2026-01-01"), amount=250.0)
        Dispute = self.env["ar.dispute"]
        Dispute.create({"invoice_id": self.invoice.id, "amount": 400.0, "reason_id": pricing.id})
        Dispute.create({"invoice_id": other.id, "amount": 250.0, "reason_id": pricing.id})
        with freeze_time("2026-02-16"):
            item = self.Step._plan(self.customer)[0]
            self.assertEqual(list(item["targets"]), [self.invoice], "the invoice disputed in full is left alone")
            self.assertEqual(item["amount"], 600.0, "what is not disputed")
            self.assertIn(f"{other.name} in dispute", item["reasons"])
            step = self.Step._run(self.customer)
        self.assertEqual((step.amount, step.invoice_ids), (600.0, self.invoice))
        self.assertFalse(other.ar_followup_level_id)
        self.assertEqual(other.ar_followup_blocked_reason, f"{other.name} in dispute")

    def test_open_dispute_routes_the_step_to_a_person(self):
        self.env["ar.dispute"].create(
            {
                "invoice_id": self.invoice.id,
                "amount": 400.0,
                "reason_id": self.env.ref("ar_relationship.ar_reason_code_dispute_pricing").id,
            }
        )
        with freeze_time("2026-02-16"):
            step = self.Step._run(self.customer)
        self.assertEqual(step.mode, "human")
        self.assertRegex(step.reason, r"open dispute of .*400\.00")
        self.assertFalse(step.message_id, "no reminder while the customer disputes")
        self.assertEqual(
            self.customer.activity_ids.filtered(lambda a: "Follow-up" in a.summary).user_id, self.collector
        )

    def test_customers_taken_in_a_batch_get_what_they_get_one_by_one(self):
        customers = self.customer
        for index, amount in enumerate((100, 200, 9000, 300, 9500)):
            customer = self._customer(f"Batch {index}")
            customer.ar_collector_id = self.collector
            self._invoice(customer, self._day("2026-01-01"), amount=amount)
            self._invoice(customer, self._day("2026-01-10"), amount=amount / 2)
            customers |= customer
        self.env.company.ar_followup_human_amount = 5000

        def run(batch_size):
            with (
                freeze_time("2026-02-16"),
                patch("odoo.addons.ar_relationship.models.ar_followup_step.EXECUTE_BATCH", batch_size),
                self.env.cr.savepoint() as savepoint,
            ):
                steps = self.Step._run(customers)
                self.env.flush_all()
                outcome = {
                    step.partner_id.name: (
                        step.read(["level_id", "mode", "reason", "amount", "contact_id", "collector_id", "letter"])[0]
                        | {"id": None, "invoices": step.invoice_ids.mapped("name")},
                        (
                            step.message_id.subject,
                            # The portal add-on links a new access token in each reminder.
                            re.sub(r"token=[\w-]+", "token=", step.message_id.body or ""),
                            step.message_id.partner_ids,
                            step.message_id.author_id,
                        ),
                        sorted(
                            (activity.summary, str(activity.note), activity.user_id.name, activity.date_deadline)
                            for activity in step.partner_id.activity_ids
                        ),
                        [
                            touchpoint | {"id": None}
                            for touchpoint in self.env["ar.touchpoint"]
                            .search([("res_model", "=", "ar.followup.step"), ("res_id", "=", step.id)])
                            .read(["kind", "summary", "contact_id", "invoice_ids", "direction"])
                        ],
                        step.invoice_ids.mapped(
                            lambda invoice: (invoice.ar_followup_level_id, invoice.ar_followup_date)
                        ),
                    )
                    for step in steps
                }
                savepoint.close(rollback=True)
                self.env.invalidate_all()
                return outcome

        one_by_one = run(1)
        self.assertEqual(len(one_by_one), 6)
        self.assertEqual({step["mode"] for step, *_rest in one_by_one.values()}, {"auto", "human"})
        self.assertEqual(run(100), one_by_one)

    def test_a_run_costs_the_same_queries_for_3_or_30_invoices_of_a_customer(self):
        few, many = self._customer("Few Invoices Ltd"), self._customer("Many Invoices Ltd")
        for customer, count in ((few, 3), (many, 30)):
            customer.ar_collector_id = self.collector
            for _index in range(count):
                self._invoice(customer, self._day("2026-01-01"), amount=100.0)
        for mode, threshold in (("auto", 0.0), ("human", 1.0)):
            with self.subTest(mode=mode), freeze_time("2026-02-16"):
                self.env.company.ar_followup_human_amount = threshold
                with self.env.cr.savepoint() as savepoint:
                    # The first step warms the caches (templates, rights, translations).
                    self.assertEqual(self.Step._run(self.customer).mode, mode)
                    queries, invoices = {}, {}
                    for customer in (few, many):
                        self.env.flush_all()
                        self.env.invalidate_all()
                        start = self.env.cr.sql_log_count
                        step = self.Step._run(customer)
                        self.env.flush_all()
                        queries[customer.name] = self.env.cr.sql_log_count - start
                        invoices[customer.name] = (
                            step.mode,
                            len(step.invoice_ids),
                            step.invoice_ids.ar_followup_level_id,
                        )
                    # Each mode starts from invoices not yet followed up.
                    savepoint.close(rollback=True)
                self.assertEqual(
                    invoices,
                    {
                        "Few Invoices Ltd": (mode, 3, self.levels["second"]),
                        "Many Invoices Ltd": (mode, 30, self.levels["second"]),
                    },
                )
                self.assertEqual(queries["Many Invoices Ltd"], queries["Few Invoices Ltd"], queries)
