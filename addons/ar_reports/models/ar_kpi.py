from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "over_90")
TOP = 10


class ArKpi(models.AbstractModel):
    """The AR metrics, each defined in the module's USAGE and computed in a few SQL queries or
    read_groups over the company's books, never by looping over records."""

    _name = "ar.kpi"
    _description = "AR metrics"

    @api.model
    def compute(self, date_from, date_to, company_ids=None):
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        companies = self.env["res.company"].browse(company_ids) if company_ids else self.env.companies
        # The figures are read in SQL, past the record rules: only companies the user works in.
        if not self.env.su and companies - self.env.user.company_ids:
            raise AccessError(self.env._("You do not work in all of these companies."))
        company_ids = tuple(companies.ids)
        currency = companies[:1].currency_id
        days = (date_to - date_from).days + 1

        sales = self._credit_sales(date_from, date_to, company_ids)
        receivable_begin = self._receivable_balance(date_from - timedelta(days=1), company_ids)
        by_partner = self._aging_by_partner(date_to, company_ids)
        aging = {bucket: currency.round(sum(row[bucket] for row in by_partner)) for bucket in BUCKETS}
        receivable_end = currency.round(sum(aging.values()))
        current_end = aging["current"]

        dso = receivable_end / sales * days if sales else None
        best_dso = current_end / sales * days if sales else None
        cei_base = receivable_begin + sales - current_end
        late = self._late_payments(date_from, date_to, company_ids)
        delinquent = sorted(
            (row for row in by_partner if currency.compare_amounts(row["overdue"], 0) > 0),
            key=lambda row: (-row["overdue"], row["partner_id"]),
        )[:TOP]
        return {
            "dso": dso,
            "best_possible_dso": best_dso,
            "add": dso - best_dso if sales else None,
            "cei": (receivable_begin + sales - receivable_end) / cei_base * 100 if cei_base else None,
            "late_payments_by_month": [
                {"month": row["month"], "count": row["count"], "amount": currency.round(row["amount"])} for row in late
            ],
            "avg_days_to_resolve_delinquency": (
                sum(row["days_late"] for row in late) / sum(row["count"] for row in late) if late else None
            ),
            "top_late_reasons": self._top_late_reasons(date_from, date_to, companies),
            "deductions_by_month": self._deductions_by_month(date_from, date_to, companies),
            "top_deduction_reasons": self._top_deduction_reasons(date_from, date_to, companies),
            "avg_days_to_resolve_deduction": self._avg_days_to_resolve_deduction(date_from, date_to, companies),
            "top_delinquent_customers": [
                {
                    "partner_id": row["partner_id"],
                    "overdue_amount": currency.round(row["overdue"]),
                    "oldest_days_overdue": row["oldest"],
                }
                for row in delinquent
            ],
            "aging": aging,
            "promise_kept_rate": self._promise_kept_rate(date_from, date_to, companies),
        }

    # ------------------------------------------------------------------------------------
    # Receivable

    def _flush(self):
        for model in ("account.move", "account.move.line", "account.partial.reconcile", "res.partner"):
            self.env[model].flush_model()

    @api.model
    def _credit_sales(self, date_from, date_to, company_ids):
        """Posted customer invoices minus credit notes dated in the period, taxes included."""
        [(total,)] = self.env["account.move"]._read_group(
            [
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
                ("company_id", "in", company_ids),
            ],
            aggregates=["amount_total_signed:sum"],
        )
        return total or 0.0

    @api.model
    def _receivable_balance(self, day, company_ids):
        [(total,)] = self.env["account.move.line"]._read_group(
            [
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("date", "<=", day),
                ("company_id", "in", company_ids),
            ],
            aggregates=["balance:sum"],
        )
        return total or 0.0

    @api.model
    def _aging_by_partner(self, day, company_ids):
        """The receivable open on `day` per customer (commercial entity): each bucket of days
        past due, the overdue total and the oldest days overdue."""
        self._flush()
        receivable = self.env["account.account"].sudo().search([("account_type", "=", "asset_receivable")])
        with self._no_jit():
            self.env.cr.execute(self._aging_query(day, company_ids, tuple(receivable.ids) or (0,)))
            rows = self.env.cr.dictfetchall()
        by_partner = {}
        for row in rows:
            total = by_partner.setdefault(row["partner_id"], dict.fromkeys([*BUCKETS, "overdue", "oldest"], 0))
            total["partner_id"] = row["partner_id"]
            for key in (*BUCKETS, "overdue"):
                total[key] += row[key]
            total["oldest"] = max(total["oldest"], row["oldest_days"])
        return list(by_partner.values())

    @contextmanager
    def _no_jit(self):
        """PostgreSQL's JIT compiler off for the queries of the block: it took seconds to compile
        plans that run in a fraction of that (2.6 s of 3.2 s for the aging of the large book)."""
        self.env.cr.execute("SELECT current_setting('jit')")
        [(previous,)] = self.env.cr.fetchall()
        self.env.cr.execute("SET LOCAL jit = off")
        try:
            yield
        finally:
            self.env.cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))

    @api.model
    def _aging_query(self, day, company_ids=None, account_ids=None):
        """Per company and customer, the receivable open on `day` (a date or an SQL expression)
        by days past due. A line's open amount on a day is its balance less what was reconciled
        with it up to that day; the aging view and the KPIs share this query.

        Only the lines open on `day` are read: those not reconciled now, found through Odoo's
        index of the unreconciled lines, and those reconciled since `day`; a line reconciled by
        `day` owes nothing on it. `account_ids`, the receivable accounts, lets PostgreSQL use
        that index (the view, which cannot name them, reads them from the accounts)."""
        in_companies = SQL("AND line.company_id IN %s", company_ids) if company_ids else SQL()
        partial_companies = SQL("AND partial.company_id IN %s", company_ids) if company_ids else SQL()
        receivable = (
            SQL("%s", account_ids)
            if account_ids
            else SQL("(SELECT id FROM account_account WHERE account_type = 'asset_receivable')")
        )
        return SQL(
            """
            WITH line AS (
                SELECT line.id, line.balance, line.company_id, line.partner_id,
                       %(day)s - COALESCE(line.date_maturity, line.date) AS days
                  FROM account_move_line line
                 WHERE line.account_id IN %(receivable)s
                   AND (line.reconciled IS NULL OR line.reconciled = false OR line.reconciled IS NOT TRUE)
                   AND line.parent_state = 'posted'
                   AND line.date <= %(day)s
                   %(in_companies)s
                 UNION ALL
                SELECT line.id, line.balance, line.company_id, line.partner_id,
                       %(day)s - COALESCE(line.date_maturity, line.date) AS days
                  FROM account_move_line line
                 WHERE line.id IN (
                           SELECT partial.debit_move_id FROM account_partial_reconcile partial
                            WHERE partial.max_date > %(day)s
                            UNION
                           SELECT partial.credit_move_id FROM account_partial_reconcile partial
                            WHERE partial.max_date > %(day)s
                       )
                   AND line.reconciled
                   AND line.account_id IN %(receivable)s
                   AND line.parent_state = 'posted'
                   AND line.date <= %(day)s
                   %(in_companies)s
            ),
            applied AS (
                SELECT partial.debit_move_id AS line_id, -partial.amount AS amount
                  FROM account_partial_reconcile partial
                 WHERE partial.debit_move_id IN (SELECT id FROM line)
                   AND partial.max_date <= %(day)s %(partial_companies)s
                 UNION ALL
                SELECT partial.credit_move_id, partial.amount
                  FROM account_partial_reconcile partial
                 WHERE partial.credit_move_id IN (SELECT id FROM line)
                   AND partial.max_date <= %(day)s %(partial_companies)s
            ),
            open_line AS (
                SELECT line.company_id, COALESCE(partner.commercial_partner_id, line.partner_id) AS partner_id,
                       line.days, line.balance + COALESCE(SUM(applied.amount), 0) AS amount
                  FROM line
             LEFT JOIN applied ON applied.line_id = line.id
             LEFT JOIN res_partner partner ON partner.id = line.partner_id
              GROUP BY line.id, line.company_id, partner.commercial_partner_id, line.partner_id, line.days,
                       line.balance
            )
            SELECT company_id, partner_id,
                   COALESCE(SUM(amount) FILTER (WHERE days <= 0), 0) AS current,
                   COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 1 AND 30), 0) AS d1_30,
                   COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 31 AND 60), 0) AS d31_60,
                   COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 61 AND 90), 0) AS d61_90,
                   COALESCE(SUM(amount) FILTER (WHERE days > 90), 0) AS over_90,
                   COALESCE(SUM(amount) FILTER (WHERE days > 0), 0) AS overdue,
                   SUM(amount) AS total,
                   COALESCE(MAX(days) FILTER (WHERE days > 0 AND amount > 0), 0) AS oldest_days
              FROM open_line
             WHERE amount != 0
          GROUP BY company_id, partner_id
            """,
            day=day,
            receivable=receivable,
            in_companies=in_companies,
            partial_companies=partial_companies,
        )

    @api.model
    def _late_payments(self, date_from, date_to, company_ids):
        """Per month of payment: the customer invoices whose payment completed after their due
        date, as the late-payments view defines them (paid on the date of the last entry
        reconciled with the invoice)."""
        self._flush()
        self.env.cr.execute(
            SQL(
                """
                SELECT to_char(paid_date, 'YYYY-MM') AS month, COUNT(*) AS count,
                       SUM(amount) AS amount, SUM(days_late) AS days_late
                  FROM %(view)s
                 WHERE paid_date BETWEEN %(date_from)s AND %(date_to)s AND company_id IN %(companies)s
              GROUP BY month
              ORDER BY month
                """,
                view=SQL.identifier(self.env["ar.late.payment.report"]._table),
                date_from=date_from,
                date_to=date_to,
                companies=company_ids,
            )
        )
        return self.env.cr.dictfetchall()

    # ------------------------------------------------------------------------------------
    # Reasons, deductions and promises

    @api.model
    def _top_late_reasons(self, date_from, date_to, companies):
        """Late-payment reasons given in the period, on touchpoints (amount: their invoices) and
        on promises (amount: what was promised), most frequent first."""
        day_from, day_to = self._datetime_bounds(date_from, date_to)
        self.env["ar.touchpoint"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT touchpoint.reason_id, COUNT(DISTINCT touchpoint.id),
                       COALESCE(SUM(move.amount_total_signed), 0)
                  FROM ar_touchpoint touchpoint
                  JOIN ar_reason_code reason ON reason.id = touchpoint.reason_id AND reason.kind = 'late_payment'
             LEFT JOIN ar_touchpoint_account_move_rel rel ON rel.touchpoint_id = touchpoint.id
             LEFT JOIN account_move move ON move.id = rel.move_id
                 WHERE touchpoint.date >= %(day_from)s AND touchpoint.date < %(day_to)s
                   AND touchpoint.company_id IN %(companies)s
              GROUP BY touchpoint.reason_id
                """,
                day_from=day_from,
                day_to=day_to,
                companies=tuple(companies.ids),
            )
        )
        Reason = self.env["ar.reason.code"]
        ranking = {Reason.browse(reason_id): [count, amount] for reason_id, count, amount in self.env.cr.fetchall()}
        promises = self.env["ar.promise"]._read_group(
            [
                ("reason_id.kind", "=", "late_payment"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("company_id", "in", companies.ids),
            ],
            ["reason_id"],
            ["__count", "amount:sum"],
        )
        for reason, count, amount in promises:
            ranking.setdefault(reason, [0, 0.0])
            ranking[reason][0] += count
            ranking[reason][1] += amount
        return self._ranking(ranking, companies)

    @api.model
    def _ranking(self, ranking, companies):
        currency = companies[:1].currency_id
        rows = sorted(ranking.items(), key=lambda item: (-item[1][0], -item[1][1], item[0].id))[:TOP]
        return [
            {"reason_code_id": reason.id, "count": count, "amount": currency.round(amount)}
            for reason, (count, amount) in rows
        ]

    @api.model
    def _datetime_bounds(self, date_from, date_to):
        return fields.Datetime.to_datetime(date_from), fields.Datetime.to_datetime(date_to + timedelta(days=1))

    def _deduction_domain(self, date_from, date_to, companies, date_field="date_opened"):
        return [
            ("kind", "=", "deduction"),
            (date_field, ">=", date_from),
            (date_field, "<=", date_to),
            ("company_id", "in", companies.ids),
        ]

    @api.model
    def _deductions_by_month(self, date_from, date_to, companies):
        currency = companies[:1].currency_id
        groups = self.env["ar.dispute"]._read_group(
            self._deduction_domain(date_from, date_to, companies),
            ["date_opened:month"],
            ["__count", "amount:sum"],
            order="date_opened:month",
        )
        return [
            {"month": month.strftime("%Y-%m"), "count": count, "amount": currency.round(amount)}
            for month, count, amount in groups
        ]

    @api.model
    def _top_deduction_reasons(self, date_from, date_to, companies):
        groups = self.env["ar.dispute"]._read_group(
            self._deduction_domain(date_from, date_to, companies), ["reason_id"], ["__count", "amount:sum"]
        )
        return self._ranking({reason: [count, amount] for reason, count, amount in groups if reason}, companies)

    @api.model
    def _avg_days_to_resolve_deduction(self, date_from, date_to, companies):
        [(average,)] = self.env["ar.dispute"]._read_group(
            [*self._deduction_domain(date_from, date_to, companies, "date_resolved")],
            aggregates=["days_to_resolve:avg"],
        )
        return average

    @api.model
    def _promise_kept_rate(self, date_from, date_to, companies):
        """Kept / (kept + partially kept + broken) among the promises due in the period, in %."""
        counts = dict(
            self.env["ar.promise"]._read_group(
                [
                    ("promise_date", ">=", date_from),
                    ("promise_date", "<=", date_to),
                    ("state", "in", ("kept", "partial", "broken")),
                    ("company_id", "in", companies.ids),
                ],
                ["state"],
                ["__count"],
            )
        )
        evaluated = sum(counts.values())
        return counts.get("kept", 0) / evaluated * 100 if evaluated else None
