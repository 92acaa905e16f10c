from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_followup_blocked_reason = fields.Char(
        string="Follow-up paused",
        compute="_compute_ar_followup_blocked_reason",
        help="Why reminders leave this invoice alone today: an open promise to pay or a payment plan on schedule.",
    )

    def _compute_ar_followup_blocked_reason(self):
        invoices = self._origin.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        reasons = invoices._ar_followup_exclusions()
        for move in self:
            move.ar_followup_blocked_reason = reasons.get(move._origin.id, False)

    def _ar_followup_exclusions(self):
        """Why follow-up must leave some of these invoices alone today: {invoice id: reason}.

        The follow-up engine asks this before it reminds a customer. An open promise to pay
        pauses its invoices until its date plus the grace days; an active payment plan on
        schedule keeps its invoices out of follow-up. Once the promise is broken or the plan at
        risk, the invoices are followed up again. Each module with a reason adds it to super()'s.
        """
        today = fields.Date.context_today(self)
        reasons = defaultdict(list)
        for invoice_id, text in super()._ar_followup_exclusions().items():
            reasons[invoice_id].append(text)
        promises = (
            self.env["ar.promise"]
            .sudo()
            .search([("invoice_ids", "in", self.ids), ("state", "=", "open"), ("grace_until", ">=", today)])
        )
        for promise in promises:
            text = self.env._(
                "Promise to pay %(amount)s by %(date)s (grace until %(grace)s)",
                amount=formatLang(self.env, promise.amount, currency_obj=promise.currency_id),
                date=format_date(self.env, promise.promise_date),
                grace=format_date(self.env, promise.grace_until),
            )
            for invoice_id in set(promise.invoice_ids.ids) & set(self.ids):
                reasons[invoice_id].append(text)
        plans = (
            self.env["ar.payment.plan"]
            .sudo()
            .search([("invoice_ids", "in", self.ids), ("state", "=", "active"), ("at_risk", "=", False)])
        )
        for plan in plans:
            text = self.env._("Payment plan %(plan)s on schedule", plan=plan.name)
            for invoice_id in set(plan.invoice_ids.ids) & set(self.ids):
                reasons[invoice_id].append(text)
        return {invoice_id: "; ".join(texts) for invoice_id, texts in reasons.items()}

    @api.model
    def _ar_payments_in_windows(self, windows):
        """What customers paid on invoices over periods of time, from the payments and bank
        statement lines reconciled with them (a credit note is not a payment), in one query.

        :param windows: {key: (invoice ids, first day, last day or None for no end)}
        :return: {key: (amount in company currency, date of the latest payment)} for the keys
            with at least one payment
        """
        keys, move_ids, first_days, last_days = [], [], [], []
        for key, (invoice_ids, first_day, last_day) in windows.items():
            for invoice_id in invoice_ids:
                keys.append(key)
                move_ids.append(invoice_id)
                first_days.append(first_day)
                last_days.append(last_day)
        if not keys:
            return {}
        self.env["account.move"].flush_model(["origin_payment_id", "statement_line_id"])
        self.env["account.move.line"].flush_model(["move_id", "account_id", "date"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "credit_move_id", "amount"])
        self.env["account.account"].flush_model(["account_type"])
        query = SQL(
            """
            SELECT span.key, SUM(partial.amount)::float AS amount, MAX(counterpart.date) AS last_date
              FROM unnest(%(keys)s::int[], %(move_ids)s::int[], %(first_days)s::date[], %(last_days)s::date[])
                   AS span(key, move_id, first_day, last_day)
              JOIN account_move_line line ON line.move_id = span.move_id
              JOIN account_account account ON account.id = line.account_id
              JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
              JOIN account_move_line counterpart ON counterpart.id = partial.credit_move_id
              JOIN account_move payment ON payment.id = counterpart.move_id
             WHERE account.account_type = 'asset_receivable'
               AND (payment.origin_payment_id IS NOT NULL OR payment.statement_line_id IS NOT NULL)
               AND counterpart.date >= span.first_day
               AND (span.last_day IS NULL OR counterpart.date <= span.last_day)
             GROUP BY span.key
            """,
            keys=keys,
            move_ids=move_ids,
            first_days=first_days,
            last_days=last_days,
        )
        return {key: (amount, last_date) for key, amount, last_date in self.env.execute_query(query)}
