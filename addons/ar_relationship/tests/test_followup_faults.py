"""Faults injected into the follow-up engine: a customer whose step fails in the middle of a
batch, a worker killed before its batch is committed, the outgoing mail server down. Each time
every invoice goes through each level exactly once: one step, one message, one touchpoint and,
once the mail server answers, one email; nothing lost, nothing doubled, the failure shown."""

from collections import Counter
from unittest.mock import MagicMock, patch

from freezegun import freeze_time

from odoo.addons.base.models.ir_mail_server import IrMailServer
from odoo.tests import tagged

from ..models.ar_followup_step import ArFollowupStep
from .ar_common import ArAccountingCase, ar_users

LOGGER = "odoo.addons.ar_relationship.models.ar_followup_step"
RUN_DAY = "2026-02-16"  # invoices of 2026-01-01 on 30-day terms are 16 days late: level "second"


class Fault(Exception):
    """An error while taking one customer's step (a template that does not render, a bad address)."""


class WorkerKilled(BaseException):
    """The cron worker dies (killed, out of memory) before it commits its batch."""


def tally(env, customers):
    """Per (invoice, level): how many steps, reminder messages on the customer's chatter and
    reminder touchpoints name the invoice. A message or touchpoint no step accounts for counts
    under the level None, so that a double cannot hide."""
    steps = env["ar.followup.step"].search([("partner_id", "in", customers.ids)])
    counts = Counter()
    for step in steps:
        for invoice in step.invoice_ids:
            counts[invoice, step.level_id, "step"] += 1
    messages = env["mail.message"].search(
        [("model", "=", "res.partner"), ("res_id", "in", customers.ids), ("message_type", "=", "comment")]
    )
    level_of_message = {step.message_id: step.level_id for step in steps}
    touchpoints = env["ar.touchpoint"].search([("partner_id", "in", customers.ids), ("kind", "=", "reminder")])
    level_of_step = {step.id: step.level_id for step in steps}
    invoices = env["account.move"].search(
        [("commercial_partner_id", "in", customers.ids), ("move_type", "=", "out_invoice")]
    )
    for message in messages:
        for invoice in invoices:
            if invoice.name in message.body:
                counts[invoice, level_of_message.get(message), "message"] += 1
    for touchpoint in touchpoints:
        for invoice in touchpoint.invoice_ids:
            level = level_of_step.get(touchpoint.res_id) if touchpoint.res_model == "ar.followup.step" else None
            counts[invoice, level, "touchpoint"] += 1
    return counts


@tagged("post_install", "-at_install")
class TestFollowupFaults(ArAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._default_ladder()
        cls.Step = cls.env["ar.followup.step"]
        _viewer, cls.collector, _manager = ar_users(cls.env)
        # Six customers with two invoices each, all due for the second level on the run day.
        cls.customers = cls.env["res.partner"]
        for index in range(6):
            customer = cls._customer(f"Customer {index + 1}")
            customer.ar_collector_id = cls.collector
            customer.child_ids.email = f"ap{index + 1}@example.com"
            cls.customers |= customer
            cls._invoice(customer, cls._day("2026-01-01"), amount=1000.0 + index)
            cls._invoice(customer, cls._day("2026-01-01"), amount=500.0 + index)
        cls.invoices = cls.env["account.move"].search([("commercial_partner_id", "in", cls.customers.ids)])

    def assertExactlyOnce(self, level):
        """Every invoice of the customers has exactly one step, message and touchpoint at
        `level`, and nothing at any other level; returns the number of checks made."""
        counts = tally(self.env, self.customers)
        expected = Counter(
            {(invoice, level, kind): 1 for invoice in self.invoices for kind in ("step", "message", "touchpoint")}
        )
        self.assertEqual(counts, expected)
        self.assertEqual(self.invoices.ar_followup_level_id, level)
        return len(expected)

    def test_failing_customer_is_left_for_the_next_run_the_others_go_out(self):
        take_steps = ArFollowupStep._take_steps
        post_email = ArFollowupStep._post_email
        third, fifth = self.customers[2], self.customers[4]

        def raise_on_third(step_model, items, *args):
            if any(item["partner"] == third for item in items):
                raise Fault("template could not be rendered")
            return take_steps(step_model, items, *args)

        def sql_error_on_fifth(step, values):
            # A failing query inside the step: the database transaction must survive it.
            if step.partner_id == fifth:
                step.env.cr.execute("SELECT 1 / 0")
            return post_email(step, values)

        with (
            freeze_time(RUN_DAY),
            patch.object(ArFollowupStep, "_take_steps", raise_on_third),
            patch.object(ArFollowupStep, "_post_email", sql_error_on_fifth),
            self.assertLogs(LOGGER, level="ERROR") as logs,
        ):
            self.assertEqual(self.Step._cron_run(batch_size=2), 6)
        self.assertEqual(len(logs.records), 2)
        self.assertIn(third.name, logs.output[0])
        self.assertIn(fifth.name, logs.output[1])
        done = self.Step.search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(done.partner_id, self.customers - third - fifth, "the others are not held back")
        self.assertFalse((third | fifth).message_ids.filtered(lambda m: m.message_type == "comment"))
        # The collector sees the failure on the customer, with the error, until it is resolved.
        warning = self.env.ref("mail.mail_activity_data_warning")
        for customer, error in ((third, "template could not be rendered"), (fifth, "division by zero")):
            activity = customer.activity_ids.filtered(lambda a: a.activity_type_id == warning)
            self.assertEqual(len(activity), 1)
            self.assertEqual(activity.user_id, self.collector)
            self.assertIn(error, activity.note)

        # The faults are gone the next day: the two customers are done, the others not again.
        with freeze_time("2026-02-17"):
            self.assertEqual(self.Step._cron_run(batch_size=2), 2)
            self.assertEqual(self.Step._cron_run(batch_size=2), 0, "a third run finds nothing to do")
        self.assertFalse(
            (third | fifth).activity_ids.filtered(lambda a: a.activity_type_id == warning),
            "the warning is closed once the step is taken",
        )
        checks = self.assertExactlyOnce(self.levels["second"])
        self.assertEqual(checks, 12 * 3)

    def test_failing_customer_fails_again_without_a_second_warning(self):
        def always_fail(step_model, items, *args):
            raise Fault("no billing address")

        warning = self.env.ref("mail.mail_activity_data_warning")
        with patch.object(ArFollowupStep, "_take_steps", always_fail), self.assertLogs(LOGGER, level="ERROR"):
            for day in ("2026-02-16", "2026-02-17", "2026-02-18"):
                with freeze_time(day):
                    self.Step._cron_run(batch_size=4)
        activities = self.customers.activity_ids.filtered(lambda a: a.activity_type_id == warning)
        self.assertEqual(Counter(activities.mapped("res_id")), Counter(dict.fromkeys(self.customers.ids, 1)))
        self.assertFalse(self.Step.search([("partner_id", "in", self.customers.ids)]))
        self.assertFalse(self.invoices.ar_followup_level_id, "nothing is marked done that was not done")

    def test_worker_killed_before_its_commit_loses_only_its_batch_and_nothing_doubles(self):
        # The cron commits each batch, a test cannot: a savepoint per batch plays the commit, and
        # the last one rolled back plays what a dead worker leaves behind.
        savepoint = [self.env.cr.savepoint()]
        commits = []

        def commit_then_die_in_third_batch(step_model):
            commits.append(step_model)
            if len(commits) == 3:
                # Killed after _notify_progress, just before the commit: the worst moment.
                raise WorkerKilled
            savepoint[0].close(rollback=False)
            savepoint[0] = self.env.cr.savepoint()

        with freeze_time(RUN_DAY):
            killed = False
            with patch.object(ArFollowupStep, "_commit_batch", commit_then_die_in_third_batch):
                try:
                    self.Step._cron_run(batch_size=2)
                except WorkerKilled:
                    killed = True
            self.assertTrue(killed)
            savepoint[0].close(rollback=True)
            self.env.invalidate_all()
            done = self.Step.search([("partner_id", "in", self.customers.ids)])
            self.assertEqual(done.partner_id, self.customers[:4], "the two committed batches are kept")
            self.assertEqual(self.Step._cron_run(batch_size=2), 2, "the lost batch is taken again")
        self.assertExactlyOnce(self.levels["second"])

    def test_mail_server_down_mails_fail_visibly_and_go_out_once_it_is_back(self):
        with freeze_time(RUN_DAY):
            self.Step._cron_run(batch_size=4)
        steps = self.Step.search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(len(steps), 6)
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "in", steps.message_id.ids)])
        self.assertEqual(len(mails), 6)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})

        def server_down(*args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

        # The mail queue runs three times while the server is down: nothing goes out, nothing is lost.
        with patch.object(IrMailServer, "connect", server_down), patch.object(IrMailServer, "send_email") as sent:
            for _attempt in range(3):
                self.env["mail.mail"].process_email_queue()
                self.Step._retry_failed_mails()
            self.env["mail.mail"].process_email_queue()
        self.assertFalse(sent.called)
        self.assertEqual(set(mails.mapped("state")), {"exception"})
        self.assertIn("Connection refused", mails[0].failure_reason)
        # Where a user sees it: the step list's email status, the red envelope on the chatter.
        steps.invalidate_recordset(["mail_state"])
        self.assertEqual(set(steps.mapped("mail_state")), {"failed"})
        self.assertTrue(all(steps.message_id.mapped("has_error")))
        self.assertEqual(
            set(steps.message_id.notification_ids.mapped("failure_type")), {"mail_smtp"}, "the server, not the address"
        )

        # The server is back: the next cron run re-queues them, the queue sends each once.
        outbox = []

        def deliver(server, message, *args, **kwargs):
            if "AP of Customer" in message["To"]:  # the queue also sends the demo book's mails
                outbox.append((message["To"], message["Subject"]))
            return message["Message-Id"]

        with (
            patch.object(IrMailServer, "connect", return_value=MagicMock()),
            patch.object(IrMailServer, "send_email", deliver),
        ):
            with freeze_time("2026-02-17"):
                self.assertEqual(self.Step._cron_run(batch_size=4), 0, "no new step")
            for _attempt in range(3):
                self.env["mail.mail"].process_email_queue()
                self.Step._retry_failed_mails()
        recipients = Counter(to for to, _subject in outbox)
        self.assertEqual(recipients, Counter({f'"AP of Customer {i}" <ap{i}@example.com>': 1 for i in range(1, 7)}))
        steps.invalidate_recordset(["mail_state"])
        self.assertEqual(set(steps.mapped("mail_state")), {"sent"})
        self.assertExactlyOnce(self.levels["second"])
