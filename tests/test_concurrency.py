"""Really concurrent runs, on data committed to a copy of the test database: two follow-up
workers at once, a portal payment confirmed while the follow-up runs, a promise evaluated while
its payment is reconciled. Each party has its own database transaction, in a thread, as two
Odoo workers would; a user's request goes through Odoo's own retry on serialization failures
(odoo.service.model.retrying, what the HTTP layer does).

What must hold: no serialization error escapes to a user or out of a cron; each invoice gets
exactly one step, message and touchpoint per level; a paid invoice gets no reminder; a promise
paid on time is kept whichever transaction commits first."""

import threading
import time
from datetime import timedelta
from functools import partial
from unittest.mock import patch

import pytest

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.addons.ar_relationship.models.ar_followup_step import ArFollowupStep
from odoo.addons.ar_relationship.models.ar_promise import ArPromise
from odoo.addons.ar_relationship.tests import test_followup_faults as faults
from odoo.service.model import retrying

from .scratch_db import admin_cursor, database_copy, registry_of

TIMEOUT = 60


@pytest.fixture(scope="module")
def registry():
    with database_copy("concurrency") as name:
        registry = registry_of(name)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if "payment.provider" not in env or not env.ref("payment.payment_provider_demo", False):
                pytest.skip("payment_demo is not installed in the test database")
            env.company.write({"ar_followup_human_amount": 0, "ar_grace_days": 3})
            env.ref("payment.payment_provider_demo").write({"state": "test", "is_published": True})
        yield registry


def transaction(registry, func):
    """Run func(env) in a transaction of its own, committed."""
    with registry.cursor() as cr:
        return func(api.Environment(cr, SUPERUSER_ID, {}))


def request(registry, func, attempts=None):
    """Run func(env) as Odoo serves a request: retried on serialization failures, then committed."""

    def attempt(env):
        if attempts is not None:
            attempts.append(1)
        return func(env)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        return retrying(partial(attempt, env), env)


def concurrently(*funcs):
    """Run the functions in threads at once; the exceptions that escaped them, by position."""
    escaped = {}

    def run(index, func):
        try:
            func()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            escaped[index] = error

    threads = [threading.Thread(target=run, args=(index, func)) for index, func in enumerate(funcs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    return escaped


def wait_until_someone_waits_for_a_lock(dbname, timeout=10):
    """Until another session of `dbname` waits for a row lock (the concurrent update is real)."""
    deadline = time.monotonic() + timeout
    with admin_cursor() as cr:
        while time.monotonic() < deadline:
            cr.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname]
            )
            if cr.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def customers(registry, prefix, count, days_late=16):
    """`count` new customers, each with two invoices `days_late` days overdue (the second
    follow-up level), in a pilot group of their own so that a run touches only them."""

    def create(env):
        today = fields.Date.context_today(env.user)
        tag = env["res.partner.category"].create({"name": f"{prefix} pilot"})
        env["res.company"].search([]).write({"ar_followup_scope": "pilot", "ar_followup_pilot_tag_id": tag.id})
        collector = env.ref("ar_relationship.res_users_ar_collector_demo", False) or env.user
        partners = env["res.partner"]
        for index in range(count):
            partner = env["res.partner"].create(
                {
                    "name": f"{prefix} {index + 1}",
                    "is_company": True,
                    "category_id": [Command.set(tag.ids)],
                    "ar_collector_id": collector.id,
                    "child_ids": [
                        Command.create(
                            {"name": f"AP {prefix} {index + 1}", "type": "invoice", "email": "ap@example.com"}
                        )
                    ],
                }
            )
            partners |= partner
            # The customers' invoices fall due one day apart: the run takes them in this order.
            day = today - timedelta(days=days_late + count - index)
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": day,
                        "invoice_date_due": day,
                        "invoice_line_ids": [
                            Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
                        ],
                    }
                    for amount in (1000.0, 400.0)
                ]
            )
            moves.action_post()
        return partners.ids

    return transaction(registry, create)


def exactly_once(registry, partner_ids, level_xmlid="ar_relationship.ar_followup_level_second", paid=()):
    """Every open invoice of the customers: one step, message and touchpoint at the level; the
    paid ones none. Returns the number of (invoice, level, kind) counted."""

    def check(env):
        partners = env["res.partner"].browse(partner_ids)
        level = env.ref(level_xmlid)
        invoices = env["account.move"].search(
            [("commercial_partner_id", "in", partner_ids), ("move_type", "=", "out_invoice")]
        )
        counts = faults.tally(env, partners)
        expected = {
            (invoice, level, kind): 1
            for invoice in invoices
            if invoice.id not in paid
            for kind in ("step", "message", "touchpoint")
        }
        assert dict(counts) == expected
        return len(expected)

    return transaction(registry, check)


def test_two_cron_workers_at_once_take_each_step_once(registry):
    twins = customers(registry, "Twin", 8)
    # Reminders of earlier runs whose email failed: both workers put them back in the queue.
    resend = customers(registry, "Resend", 2)

    def fail_their_mails(env):
        env["ar.followup.step"]._run(env["res.partner"].browse(resend))
        mails = env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "in", resend)])
        mails.write({"state": "exception", "failure_reason": "SMTP down"})
        mails.mail_message_id.notification_ids.write({"notification_status": "exception"})
        return mails.ids

    failed = transaction(registry, fail_their_mails)

    def pilot_twins(env):
        env["res.company"].search([]).ar_followup_pilot_tag_id = env["res.partner"].browse(twins[0]).category_id

    transaction(registry, pilot_twins)
    start = threading.Barrier(2, timeout=TIMEOUT)
    retry = ArFollowupStep._retry_failed_mails

    def start_together(step_model):
        start.wait()
        return retry(step_model)

    def worker():
        transaction(registry, lambda env: env["ar.followup.step"]._cron_run(batch_size=2))

    with patch.object(ArFollowupStep, "_retry_failed_mails", start_together):
        escaped = concurrently(worker, worker)
    assert escaped == {}
    assert exactly_once(registry, twins) == 8 * 2 * 3
    states = transaction(registry, lambda env: env["mail.mail"].browse(failed).mapped("state"))
    assert states == ["outgoing"] * len(failed), "re-queued once, by one of the workers"


def test_a_user_processing_follow_ups_during_the_cron_gets_no_error(registry):
    shared = customers(registry, "Shared", 6)
    start = threading.Barrier(2, timeout=TIMEOUT)
    plan = ArFollowupStep._plan

    def plan_then_start_together(step_model, partners=None, today=None):
        items = plan(step_model, partners, today)
        if not getattr(threading.current_thread(), "ar_started", False):
            threading.current_thread().ar_started = True
            start.wait()
        return items

    def cron():
        transaction(registry, lambda env: env["ar.followup.step"]._cron_run(batch_size=1))

    def button():
        # "Process follow-ups" on the same customers, as the list's action sends it.
        request(registry, lambda env: env["res.partner"].browse(shared).action_ar_process_followups())

    with patch.object(ArFollowupStep, "_plan", plan_then_start_together):
        escaped = concurrently(cron, button)
    assert escaped == {}
    assert exactly_once(registry, shared) == 6 * 2 * 3


def pay_on_the_portal(env, invoice_ids):
    """What confirming a demo payment on the portal does: the transaction done, then its
    post-processing (the status page's poll) creates the payment and reconciles it."""
    invoices = env["account.move"].browse(invoice_ids)
    transaction = (
        env["payment.transaction"]
        .sudo()
        .create(
            {
                "provider_id": env.ref("payment.payment_provider_demo").id,
                "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                "amount": sum(invoices.mapped("amount_residual")),
                "currency_id": invoices.currency_id.id,
                "partner_id": invoices.partner_id.id,
                "invoice_ids": [Command.set(invoices.ids)],
                "operation": "online_direct",
            }
        )
    )
    transaction._handle_notification_data(
        "demo", {"reference": transaction.reference, "payment_details": "4242", "simulated_state": "done"}
    )
    transaction._post_process()
    return transaction.id


def test_invoice_paid_on_the_portal_during_the_run_gets_no_reminder(registry):
    first, second = customers(registry, "Payer", 2)
    paid = transaction(registry, lambda env: env["account.move"].search([("partner_id", "=", second)]).ids)
    go, done = threading.Event(), threading.Event()
    execute = ArFollowupStep._execute

    def execute_after_the_payment(step_model, items, *args, **kwargs):
        # The first customer's batch is committed; the second one's is planned, not yet taken.
        if any(item["partner"].id == second for item in items):
            go.set()
            done.wait(TIMEOUT)
        return execute(step_model, items, *args, **kwargs)

    def cron():
        transaction(registry, lambda env: env["ar.followup.step"]._cron_run(batch_size=1))

    def customer():
        go.wait(TIMEOUT)
        try:
            request(registry, lambda env: pay_on_the_portal(env, paid))
        finally:
            done.set()

    with patch.object(ArFollowupStep, "_execute", execute_after_the_payment):
        escaped = concurrently(cron, customer)
    assert escaped == {}
    states = transaction(registry, lambda env: env["account.move"].browse(paid).mapped("payment_state"))
    assert set(states) <= {"paid", "in_payment"}
    assert exactly_once(registry, [first, second], paid=paid) == 2 * 3


def test_payment_waiting_for_the_follow_up_lock_is_retried_not_refused(registry):
    (payer,) = customers(registry, "Waiting payer", 1)
    invoice_ids = transaction(registry, lambda env: env["account.move"].search([("partner_id", "=", payer)]).ids)
    go = threading.Event()
    take_steps = ArFollowupStep._take_steps
    dbname = registry.db_name

    def take_steps_then_hold(step_model, items, *args):
        steps = take_steps(step_model, items, *args)
        # The reminder is written, the invoices locked and not yet committed: the payment comes now.
        go.set()
        assert wait_until_someone_waits_for_a_lock(dbname), "the payment never waited for the lock"
        return steps

    attempts = []

    def cron():
        transaction(registry, lambda env: env["ar.followup.step"]._cron_run())

    def customer():
        go.wait(TIMEOUT)
        request(registry, lambda env: pay_on_the_portal(env, invoice_ids), attempts)

    with patch.object(ArFollowupStep, "_take_steps", take_steps_then_hold):
        escaped = concurrently(cron, customer)
    assert escaped == {}
    assert len(attempts) >= 2, "the payment met the follow-up's lock and was retried"

    def outcome(env):
        invoices = env["account.move"].browse(invoice_ids)
        payments = env["account.payment"].search([("partner_id", "=", payer)])
        touchpoints = env["ar.touchpoint"].search([("partner_id", "=", payer), ("kind", "=", "payment")])
        return set(invoices.mapped("payment_state")), len(payments), len(touchpoints)

    states, payments, touchpoints = transaction(registry, outcome)
    assert states <= {"paid", "in_payment"}
    assert (payments, touchpoints) == (1, 2), "one payment for the two invoices, logged once on each"
    # The reminder went out before the customer paid: it stays, once.
    assert exactly_once(registry, [payer]) == 2 * 3


@pytest.mark.parametrize("first_to_commit", ["payment", "promise check"])
def test_promise_paid_on_time_is_kept_whoever_commits_first(registry, first_to_commit):
    (customer,) = customers(registry, f"Promiser {first_to_commit}", 1, days_late=30)

    def promise(env):
        today = fields.Date.context_today(env.user)
        invoices = env["account.move"].search([("partner_id", "=", customer)])
        promise = env["ar.promise"].create(
            {
                "partner_id": customer,
                "invoice_ids": [Command.set(invoices.ids)],
                "amount": sum(invoices.mapped("amount_residual")),
                "promise_date": today + timedelta(days=1),
            }
        )
        # Ten days go by: promised five days ago, the grace days ended yesterday.
        promise.write({"date": today - timedelta(days=10), "promise_date": today - timedelta(days=5)})
        assert promise.grace_until == today - timedelta(days=2)
        return promise.id, invoices.ids

    promise_id, invoice_ids = transaction(registry, promise)
    go, done = threading.Event(), threading.Event()
    evaluate = ArPromise._ar_evaluate
    dbname = registry.db_name
    checker = {}

    def evaluate_in_turn(promises):
        if threading.current_thread() is not checker.get("thread"):
            return evaluate(promises)
        if first_to_commit == "payment":
            go.set()
            done.wait(TIMEOUT)
            return evaluate(promises)
        result = evaluate(promises)
        promises.env.flush_all()  # the promise is written and locked, not yet committed
        go.set()
        wait_until_someone_waits_for_a_lock(dbname)
        return result

    def nightly_check():
        checker["thread"] = threading.current_thread()
        transaction(registry, lambda env: env["ar.promise"]._cron_ar_evaluate())

    def accountant():
        # The transfer made on the promised day, registered today from the bank statement.
        go.wait(TIMEOUT)
        try:
            request(registry, partial(register_payment, invoice_ids=invoice_ids))
        finally:
            done.set()

    with patch.object(ArPromise, "_ar_evaluate", evaluate_in_turn):
        escaped = concurrently(nightly_check, accountant)
    assert escaped == {}

    def outcome(env):
        promise = env["ar.promise"].browse(promise_id)
        kept = env["ar.touchpoint"].search(
            [("res_model", "=", "ar.promise"), ("res_id", "=", promise_id), ("summary", "like", "Promise kept")]
        )
        return promise.state, promise.paid_amount, len(kept), promise.activity_ids.filtered(lambda a: a.active)

    state, paid_amount, kept_touchpoints, open_tasks = transaction(registry, outcome)
    assert (state, paid_amount, kept_touchpoints) == ("kept", 1400.0, 1)
    assert not open_tasks, "no task left to call about a promise that was kept"


def register_payment(env, invoice_ids):
    invoices = env["account.move"].browse(invoice_ids)
    today = fields.Date.context_today(env.user)
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoices.ids)
        .create({"payment_date": today - timedelta(days=5), "group_payment": True})
    )
    return wizard._create_payments().ids
