import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date, formatLang

CHANNELS = [
    ("call", "Phone call"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("letter", "Letter"),
    ("portal", "Portal"),
]
_logger = logging.getLogger(__name__)

STATES = [("open", "Open"), ("kept", "Kept"), ("partial", "Partially kept"), ("broken", "Broken")]


class ArPromise(models.Model):
    """A customer's promise to pay some of its invoices by a date. While it is open, follow-up
    leaves those invoices alone; the payments reconciled with them tell whether it was kept."""

    _name = "ar.promise"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Promise to pay"
    _order = "promise_date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        help="The customer's commercial entity: a promise made by a contact is filed under its company.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Promised by",
        domain="[('commercial_partner_id', '=', partner_id)]",
        tracking=True,
        help="The person at the customer who made the promise.",
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "ar_promise_account_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted')]",
        tracking=True,
        help="The invoices the customer promised to pay: only the payments reconciled with them count.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True, help="What the customer promised to pay, in total.")
    date = fields.Date(
        string="Promised on",
        required=True,
        default=fields.Date.context_today,
        help="Payments from this day on count towards the promise.",
    )
    promise_date = fields.Date(string="Pay by", required=True, index=True, tracking=True)
    grace_until = fields.Date(
        string="Grace until",
        compute="_compute_grace_until",
        store=True,
        index=True,
        help="The promised date plus the company's grace days: until then the promise is open and "
        "follow-up leaves its invoices alone.",
    )
    channel = fields.Selection(CHANNELS, default="call", help="How the customer made the promise.")
    reason_id = fields.Many2one(
        "ar.reason.code",
        string="Late-payment reason",
        domain=[("kind", "=", "late_payment")],
        tracking=True,
        help="Why the customer has not paid yet, when it says.",
    )
    user_id = fields.Many2one(
        "res.users", string="Recorded by", default=lambda self: self.env.user, index=True, tracking=True
    )
    note = fields.Text()
    state = fields.Selection(STATES, required=True, default="open", index=True, tracking=True, readonly=True)
    paid_amount = fields.Monetary(
        string="Paid",
        readonly=True,
        help="Paid on the invoices between the day of the promise and the end of the grace days, "
        "as of the last check (at each payment and every night).",
    )
    closed_date = fields.Date(
        string="Settled on",
        readonly=True,
        help="Kept: the day of the payment that kept it. Broken or partially kept: the day after the grace days.",
    )

    @api.depends("partner_id", "amount", "promise_date")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.display_name or "",
                amount=formatLang(self.env, promise.amount, currency_obj=promise.currency_id),
                date=format_date(self.env, promise.promise_date),
            )

    @api.depends("promise_date", "company_id.ar_grace_days")
    def _compute_grace_until(self):
        for promise in self:
            promise.grace_until = promise.promise_date and promise.promise_date + timedelta(
                days=promise.company_id.ar_grace_days
            )

    @api.constrains("amount")
    def _check_amount(self):
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount, 0) <= 0:
                raise ValidationError(self.env._("A promise to pay is for an amount above zero."))

    @api.constrains("date", "promise_date")
    def _check_dates(self):
        for promise in self:
            if promise.promise_date < promise.date:
                raise ValidationError(self.env._("A customer cannot promise to pay before the day it promises."))

    @api.constrains("partner_id", "invoice_ids", "company_id")
    def _check_invoices(self):
        for promise in self:
            invoices = promise.sudo().invoice_ids
            if not invoices:
                raise ValidationError(self.env._("Choose the invoices the customer promises to pay."))
            invoices._ar_check_invoices_of(promise.partner_id, promise.company_id)

    @api.model_create_multi
    def create(self, vals_list):
        self.env["ar.touchpoint"]._file_under_commercial_partner(vals_list)
        promises = super().create(vals_list)
        promises._ar_log_recorded()
        # Recorded after the payment came in, or for a date already past: settle it now.
        promises._ar_evaluate()
        promises.partner_id._ar_mark_behaviour_to_recompute()
        return promises

    def write(self, vals):
        vals = dict(vals)
        self.env["ar.touchpoint"]._file_under_commercial_partner([vals])
        if "state" in vals:
            self.partner_id._ar_mark_behaviour_to_recompute()
        return super().write(vals)

    def action_mark_broken(self):
        """The customer says it will not pay as promised: follow-up resumes now."""
        # A payment received in the meantime may have kept it already.
        self._ar_evaluate()
        promises = self.filtered(lambda promise: promise.state == "open")
        today = fields.Date.context_today(self)
        for promise in promises:
            currency = promise.currency_id
            promise.state = "partial" if currency.compare_amounts(promise.paid_amount, 0) > 0 else "broken"
            promise.closed_date = today
        promises._ar_notify_settled()

    # ------------------------------------------------------------------------------------
    # Evaluation

    def _ar_evaluate(self):
        """Settle the open promises among `self` from the payments reconciled with their
        invoices (one query for all): kept once the promised amount is paid in time, or nothing
        is left to pay before the end of the grace days; after it, partially kept or broken."""
        promises = self.filtered(lambda promise: promise.state == "open")
        if not promises:
            return
        today = fields.Date.context_today(self)
        paid = self.env["account.move"]._ar_payments_in_windows(
            {promise.id: (promise.invoice_ids.ids, promise.date, promise.grace_until) for promise in promises}
        )
        settled = self.browse()
        for promise in promises:
            amount, last_date = paid.get(promise.id, (0.0, False))
            currency = promise.currency_id
            values = {"paid_amount": amount}
            nothing_left = all(move.payment_state in ("paid", "in_payment", "reversed") for move in promise.invoice_ids)
            if currency.compare_amounts(amount, promise.amount) >= 0:
                values.update(state="kept", closed_date=min(last_date or today, today))
            elif promise.grace_until < today:
                values.update(
                    state="partial" if currency.compare_amounts(amount, 0) > 0 else "broken",
                    closed_date=promise.grace_until + timedelta(days=1),
                )
            elif nothing_left:
                # Settled otherwise in time, e.g. by a credit note: nothing is left to promise.
                values.update(state="kept", closed_date=today)
            if "state" in values:
                settled |= promise
            if "state" in values or currency.compare_amounts(amount, promise.paid_amount):
                promise.write(values)
        settled._ar_notify_settled()

    @api.model
    def _ar_evaluate_invoices(self, invoices):
        """Settle the open promises on `invoices`, after payments were reconciled with them. A
        promise settled as broken or partially kept is kept after all when the payments dated
        within its days now cover it: a transfer made in time but recorded late, or while the
        nightly check was settling the promise."""
        promises = self.search([("invoice_ids", "in", invoices.ids), ("state", "in", ("open", "partial", "broken"))])
        settled = promises.filtered(lambda promise: promise.state != "open")
        (promises - settled)._ar_evaluate()
        settled._ar_keep_if_paid()

    def _ar_keep_if_paid(self):
        """Turn into kept those of these settled promises that the payments in their days cover,
        and close the task to call the customer about them."""
        if not self:
            return
        today = fields.Date.context_today(self)
        paid = self.env["account.move"]._ar_payments_in_windows(
            {promise.id: (promise.invoice_ids.ids, promise.date, promise.grace_until) for promise in self}
        )
        kept = self.browse()
        for promise in self:
            amount, last_date = paid.get(promise.id, (0.0, False))
            if promise.currency_id.compare_amounts(amount, promise.amount) >= 0:
                promise.write({"state": "kept", "paid_amount": amount, "closed_date": min(last_date or today, today)})
                kept |= promise
        todo = self.env.ref("mail.mail_activity_data_todo")
        kept.activity_ids.filtered(lambda activity: activity.activity_type_id == todo).action_feedback(
            feedback=self.env._("Kept after all: the payment made in time was recorded later.")
        )
        kept._ar_notify_settled()

    def _ar_collector(self):
        """Who follows the promise up: the customer's collector, else whoever recorded it."""
        self.ensure_one()
        recorder = self.user_id if self.user_id and not self.user_id.share else self.env["res.users"]
        return self.partner_id.ar_collector_id or recorder or self.env.user

    def _ar_log_recorded(self):
        self.env["ar.touchpoint"]._log_system(
            [
                {
                    "partner_id": promise.partner_id.id,
                    "contact_id": promise.contact_id.id,
                    "invoice_ids": [fields.Command.set(promise.invoice_ids.ids)],
                    "kind": "promise",
                    "direction": "in",
                    "outcome": "promised",
                    "date": self.env["ar.touchpoint"]._event_datetime(promise.date, fields.Date.context_today(self)),
                    "user_id": promise.user_id.id,
                    "summary": self.env._(
                        "Promised to pay %(amount)s by %(date)s",
                        amount=formatLang(self.env, promise.amount, currency_obj=promise.currency_id),
                        date=format_date(self.env, promise.promise_date),
                    ),
                    "body": promise.note,
                    "reason_id": promise.reason_id.id,
                    "is_automatic": False,
                    "company_id": promise.company_id.id,
                    "res_model": self._name,
                    "res_id": promise.id,
                }
                for promise in self
            ]
        )

    def _ar_notify_settled(self):
        """Tell the timeline how these promises ended; the collector gets a task for each one
        not kept, since its invoices are followed up again."""
        today = fields.Date.context_today(self)
        vals_list = []
        for promise in self:
            amounts = {
                "amount": formatLang(self.env, promise.amount, currency_obj=promise.currency_id),
                "paid": formatLang(self.env, promise.paid_amount, currency_obj=promise.currency_id),
                "date": format_date(self.env, promise.promise_date),
            }
            if promise.state == "kept":
                summary = self.env._("Promise kept: %(amount)s promised by %(date)s, %(paid)s paid", **amounts)
            elif promise.state == "partial":
                summary = self.env._(
                    "Promise partially kept: %(paid)s paid of %(amount)s promised by %(date)s", **amounts
                )
            else:
                summary = self.env._("Promise broken: nothing paid of %(amount)s promised by %(date)s", **amounts)
            vals_list.append(
                {
                    "partner_id": promise.partner_id.id,
                    "contact_id": promise.contact_id.id,
                    "invoice_ids": [fields.Command.set(promise.invoice_ids.ids)],
                    "kind": "promise",
                    "direction": "in",
                    "outcome": "paid" if promise.state == "kept" else False,
                    "date": self.env["ar.touchpoint"]._event_datetime(promise.closed_date, today),
                    "summary": summary,
                    "company_id": promise.company_id.id,
                    "res_model": self._name,
                    "res_id": promise.id,
                }
            )
            if promise.state != "kept":
                promise.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Call %(customer)s: promise not kept", customer=promise.partner_id.name),
                    note=summary,
                    user_id=promise._ar_collector().id,
                )
        self.env["ar.touchpoint"]._log_system(vals_list)

    # ------------------------------------------------------------------------------------
    # Cron

    @api.model
    def _cron_ar_evaluate(self, batch_size=500):
        """Nightly: settle the open promises whose grace days are over, one batch per call; the
        cron runner calls again while some remain. Kept promises are settled at payment."""
        domain = [("state", "=", "open"), ("grace_until", "<", fields.Date.context_today(self))]
        promises = self.search(domain, limit=batch_size, order="grace_until, id")
        try:
            with self.env.cr.savepoint():
                promises._ar_evaluate()
        except (errors.SerializationFailure, errors.LockNotAvailable):
            # A payment is settling some of them at this moment: each one on its own, and those
            # the payment holds are left to it (still open, they are counted as remaining).
            self.env.invalidate_all()
            for promise in promises:
                try:
                    with self.env.cr.savepoint():
                        promise._ar_evaluate()
                except (errors.SerializationFailure, errors.LockNotAvailable):
                    _logger.info("promise %s is being settled by a payment", promise.id)
                    self.env.invalidate_all()
        self.env["ir.cron"]._notify_progress(done=len(promises), remaining=self.search_count(domain))

    # ------------------------------------------------------------------------------------
    # Demo

    @api.model
    def _load_demo(self):
        """Promises on the demo customers, dated from today (their invoices are generated at
        install, so XML cannot name them): open, due today, kept and broken."""
        today = fields.Date.context_today(self)
        collector = self.env.ref("ar_relationship.res_users_ar_collector_demo")

        def customer(key):
            return self.env.ref(f"ar_relationship.res_partner_ar_{key}_demo")

        def open_invoices(partner):
            return self.env["account.move"].search(
                partner._ar_open_invoices_domain(overdue_on=today), order="amount_residual desc"
            )

        vals_list = []
        loyal = customer("loyal")
        invoices = open_invoices(loyal)
        if invoices:
            vals_list.append(
                {
                    "partner_id": loyal.id,
                    "contact_id": loyal.ar_billing_contact_id.id,
                    "invoice_ids": [fields.Command.set(invoices.ids)],
                    "amount": sum(invoices.mapped("amount_residual_signed")),
                    "date": today - timedelta(days=3),
                    "promise_date": today + timedelta(days=4),
                    "channel": "call",
                    "reason_id": self.env.ref("ar_relationship.ar_reason_code_late_approval_pending").id,
                    "user_id": collector.id,
                    "note": "Margaret added our supplier account to their approval flow; both invoices go "
                    "out with next week's payment run.",
                }
            )
        print_shop = customer("chronic3")
        invoices = open_invoices(print_shop)[:1]
        if invoices:
            vals_list.append(
                {
                    "partner_id": print_shop.id,
                    "invoice_ids": [fields.Command.set(invoices.ids)],
                    "amount": invoices.amount_residual_signed,
                    "date": today - timedelta(days=5),
                    "promise_date": today,
                    "channel": "email",
                    "user_id": collector.id,
                    "note": "Their controller wrote that the transfer is scheduled for today.",
                }
            )
        catering = customer("chronic1")
        # Redwood Catering kept its promise last month; this month's was broken yesterday.
        invoices = open_invoices(catering)[:1]
        if invoices:
            vals_list.append(
                {
                    "partner_id": catering.id,
                    "contact_id": catering.ar_billing_contact_id.id,
                    "invoice_ids": [fields.Command.set(invoices.ids)],
                    "amount": invoices.amount_residual_signed,
                    "date": today - timedelta(days=12),
                    "promise_date": today - timedelta(days=5),
                    "channel": "call",
                    "reason_id": self.env.ref("ar_relationship.ar_reason_code_late_cash_flow").id,
                    "user_id": collector.id,
                    "note": "Promised the full amount once their own customers pay.",
                }
            )
        kept = self._demo_invoice_paid_late(catering, today)
        if kept:
            invoice, paid_on = kept
            vals_list.append(
                {
                    "partner_id": catering.id,
                    "contact_id": catering.ar_billing_contact_id.id,
                    "invoice_ids": [fields.Command.set(invoice.ids)],
                    "amount": invoice.amount_total_signed,
                    "date": paid_on - timedelta(days=6),
                    "promise_date": paid_on,
                    "channel": "call",
                    "user_id": collector.id,
                }
            )
        self.create(vals_list)

    @api.model
    def _demo_invoice_paid_late(self, partner, today):
        """The latest invoice of `partner` paid in one payment after its due date, in the last
        four months, and the day it was paid."""
        invoices = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("paid", "in_payment")),
                ("invoice_date_due", ">", today - timedelta(days=120)),
            ],
            order="invoice_date_due desc",
        )
        for invoice in invoices:
            receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
            payments = receivable.matched_credit_ids.credit_move_id
            if len(payments) == 1 and payments.move_id.origin_payment_id and payments.date > invoice.invoice_date_due:
                return invoice, payments.date
        return None
