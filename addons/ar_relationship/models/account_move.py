from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, create_index
from odoo.tools.misc import format_date, formatLang
from odoo.tools.sql import column_exists, create_column

from .ar_dispute import OPEN_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_followup_level_id = fields.Many2one(
        "ar.followup.level",
        string="Follow-up level",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The last follow-up level taken on this invoice.",
    )
    ar_followup_date = fields.Date(string="Last follow-up", copy=False, readonly=True)
    ar_followup_blocked = fields.Boolean(
        string="Follow-up blocked",
        copy=False,
        tracking=True,
        help="No reminder for this invoice until unblocked.",
    )
    ar_days_overdue = fields.Integer(string="Days overdue", compute="_compute_ar_days_overdue")
    ar_paid_date = fields.Date(
        string="Paid on",
        compute="_compute_ar_paid_date",
        store=True,
        copy=False,
        index="btree_not_null",
        help="Date of the last entry reconciled with the customer invoice, once it is paid in full.",
    )

    ar_followup_blocked_reason = fields.Char(
        string="Follow-up paused",
        compute="_compute_ar_followup_blocked_reason",
        help="Why reminders leave this invoice alone today: an open promise to pay or a payment plan on schedule.",
    )

    ar_dispute_ids = fields.One2many("ar.dispute", "invoice_id", string="Disputes")
    ar_dispute_count = fields.Integer(string="Dispute count", compute="_compute_ar_dispute_count")

    def _auto_init(self):
        # On install, filled in one query for all the paid invoices: the ORM would compute it
        # invoice by invoice, for hours on a large book.
        if not column_exists(self.env.cr, self._table, "ar_paid_date"):
            create_column(self.env.cr, self._table, "ar_paid_date", "date")
            self._ar_fill_paid_date()
        return super()._auto_init()

    def _ar_fill_paid_date(self):
        """Set ar_paid_date of every paid customer invoice in one query, as its compute does."""
        self.env.cr.execute(
            SQL(
                """UPDATE account_move move
                      SET ar_paid_date = paid.day
                     FROM (SELECT line.move_id, MAX(partial.max_date) AS day
                             FROM account_move_line line
                             JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
                            WHERE line.display_type = 'payment_term'
                         GROUP BY line.move_id) paid
                    WHERE paid.move_id = move.id
                      AND move.move_type = 'out_invoice'
                      AND move.payment_state IN ('paid', 'in_payment')"""
            )
        )

    def init(self):
        # A customer's open invoices, oldest due first: the portal account page, the statement
        # and the follow-up read them by customer. Odoo has no index on the commercial partner;
        # this one holds the open customer invoices only, a small share of the moves.
        create_index(
            self.env.cr,
            "ar_account_move_open_invoice_idx",
            self._table,
            ["commercial_partner_id", "invoice_date_due", "id"],
            where="move_type = 'out_invoice' AND state = 'posted' AND payment_state IN ('not_paid', 'partial')",
        )
        return super().init()

    @api.depends("move_type", "payment_state", "line_ids.matched_credit_ids.max_date")
    def _compute_ar_paid_date(self):
        for move in self:
            if move.move_type == "out_invoice" and move.payment_state in ("paid", "in_payment"):
                terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
                move.ar_paid_date = max(terms.matched_credit_ids.mapped("max_date"), default=False)
            else:
                move.ar_paid_date = False

    @api.depends("invoice_date_due")
    @api.depends_context("date")
    def _compute_ar_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            due = move.invoice_date_due
            move.ar_days_overdue = max((today - due).days, 0) if due else 0

    def _compute_ar_followup_blocked_reason(self):
        invoices = self._origin.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        reasons = invoices._ar_followup_exclusions()
        for move in self:
            move.ar_followup_blocked_reason = reasons.get(move._origin.id, False)

    def _compute_ar_dispute_count(self):
        groups = self.env["ar.dispute"]._read_group(
            [("invoice_id", "in", self._origin.ids)], ["invoice_id"], ["__count"]
        )
        counts = {invoice.id: count for invoice, count in groups}
        for move in self:
            move.ar_dispute_count = counts.get(move._origin.id, 0)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A new invoice changes the 12-month invoicing and, once due, the overdue amount.
        posted.filtered(lambda move: move.is_sale_document()).commercial_partner_id._ar_mark_behaviour_to_recompute()
        return posted

    def action_ar_open_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_dispute_action")
        action["domain"] = [("invoice_id", "=", self.id)]
        action["context"] = {"default_invoice_id": self.id}
        action["display_name"] = self.env._("Disputes: %s", self.name)
        return action

    def action_ar_create_deductions(self):
        """The "Create deductions" action on a list of invoices: the remainder of each short-paid
        one (partly paid, remainder within the company's deduction limits) becomes a deduction
        to qualify. Says which invoices were left out and why."""
        Dispute = self.env["ar.dispute"]
        invoices = self.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        short = Dispute._ar_short_paid(invoices)
        skipped = []
        for move in self - invoices.filtered(lambda invoice: invoice.id in short):
            skipped.append(self.env._("%(invoice)s (%(why)s)", invoice=move.name, why=move._ar_not_short_paid_reason()))
        if not short:
            raise UserError(
                self.env._("None of these invoices is short paid:\n%s", "\n".join(skipped))
                if skipped
                else self.env._("Select the short-paid invoices first.")
            )
        deductions = Dispute.create(
            [
                {"invoice_id": invoice_id, "kind": "deduction", "amount": amount, "origin": "back_office"}
                for invoice_id, amount in short.items()
            ]
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_dispute_action")
        action["domain"] = [("id", "in", deductions.ids)]
        action["display_name"] = self.env._("New deductions")
        message = self.env._("%s deduction(s) created.", len(deductions))
        if skipped:
            message = self.env._("%(message)s Left out: %(skipped)s", message=message, skipped=", ".join(skipped))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "warning" if skipped else "success", "message": message, "next": action},
        }

    def _ar_not_short_paid_reason(self):
        """Why the batch action leaves this invoice out, in a few words."""
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state != "posted":
            return self.env._("not a posted customer invoice")
        if self.payment_state != "partial":
            return self.env._("not partly paid")
        if self._ar_disputed_amounts().get(self.id):
            return self.env._("already in dispute")
        return self.env._(
            "%s left to pay, above the deduction limits",
            formatLang(self.env, self.amount_residual_signed, currency_obj=self.company_currency_id),
        )

    def _ar_check_invoices_of(self, partner, company):
        """Refuse invoices that are not customer invoices of `partner` in `company`: a promise or
        a payment plan covers only its own customer's invoices."""
        strangers = self.filtered(
            lambda move: (
                move.commercial_partner_id != partner or move.move_type != "out_invoice" or move.company_id != company
            )
        )
        if strangers:
            raise ValidationError(
                self.env._(
                    "%(invoices)s are not invoices of %(customer)s in %(company)s.",
                    invoices=", ".join(strangers.mapped("name")),
                    customer=partner.display_name,
                    company=company.name,
                )
            )

    def _ar_followup_exclusions(self):
        """Why follow-up must leave some of these invoices alone today: {invoice id: reason}.

        The follow-up engine asks this before it reminds a customer: an invoice blocked by hand;
        in dispute for all that is left to pay (an invoice disputed in part is followed up for
        the rest); under an open promise to pay until its date plus the grace days; in an active
        payment plan on schedule. Once the promise is broken or the plan at risk, the invoices
        are followed up again.
        """
        today = fields.Date.context_today(self)
        reasons = defaultdict(list)
        disputed = self._ar_disputed_amounts()
        for move in self:
            if move.ar_followup_blocked:
                reasons[move.id].append(self.env._("%s is blocked for follow-up", move.name))
            if (
                move.id in disputed
                and move.company_currency_id.compare_amounts(disputed[move.id], move.amount_residual_signed) >= 0
            ):
                reasons[move.id].append(self.env._("%s in dispute", move.name))
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

    def _ar_disputed_amounts(self):
        """{invoice id: amount in open disputes, in the company's currency} for the invoices of
        `self` with open disputes, in one query. Follow-up leaves these amounts alone."""
        if not self:
            return {}
        groups = (
            self.env["ar.dispute"]
            .sudo()
            ._read_group([("invoice_id", "in", self.ids), ("state", "in", OPEN_STATES)], ["invoice_id"], ["amount:sum"])
        )
        return {invoice.id: amount for invoice, amount in groups}
