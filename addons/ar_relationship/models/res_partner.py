from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang

from .ar_dispute import OPEN_STATES

# The AR profile: how we work with the customer. Collectors and AR managers set it.
PROFILE_FIELDS = {
    "ar_collector_id",
    "ar_tier",
    "ar_automation",
    "ar_paused_until",
    "ar_pause_reason",
    "ar_preferred_channel",
    "ar_billing_contact_id",
    "ar_customer_since",
}
# Computed together by _compute_ar_behaviour, from the accounting and the hooks below.
BEHAVIOUR_FIELDS = [
    "ar_avg_days_to_pay",
    "ar_avg_days_late",
    "ar_on_time_rate",
    "ar_trend",
    "ar_sales_12m",
    "ar_overdue_amount",
    "ar_overdue_count",
    "ar_oldest_overdue_days",
    "ar_open_dispute_amount",
    "ar_open_promise_count",
    "ar_broken_promise_count",
    "ar_health_score",
    "ar_health_level",
    "ar_health_explanation",
    "ar_behaviour_date",
]

# Trend: the average days late of the invoices due in the last 3 months against the 9 months
# before; a difference of at least TREND_DAYS days is a trend, less is noise.
TREND_DAYS = 5

# Health score: 100 minus the points each rule takes off, clamped to 0-100. The rules are in
# _ar_health_factors; these are their weights.
HEALTH_OVERDUE_AGE = [(90, 35), (60, 25), (30, 15), (0, 5)]  # oldest overdue days above: points
HEALTH_OVERDUE_SHARE_POINTS = 50  # points for an overdue amount equal to 12 months of invoicing
HEALTH_OVERDUE_SHARE_MAX = 25
HEALTH_LATE_RATE_POINTS = 30  # points for an on-time rate of 0%
HEALTH_WORSENING = 10
HEALTH_BROKEN_PROMISE, HEALTH_BROKEN_PROMISE_MAX = 10, 30
HEALTH_OPEN_DISPUTE = 10
HEALTH_GOOD, HEALTH_WATCH = 75, 50  # levels: good from 75, watch from 50, at risk below

# Customer statement: the aging buckets, each with the most days past due it holds (over 90 holds
# the rest). An amount due today or later is current.
AGING_BUCKETS = [("current", 0), ("1_30", 30), ("31_60", 60), ("61_90", 90), ("over_90", None)]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # AR profile (on the commercial entity)
    ar_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        domain=[("share", "=", False)],
        index=True,
        help="The person responsible for getting this customer's invoices paid.",
    )
    ar_tier = fields.Selection(
        [("key", "Key account"), ("standard", "Standard"), ("small", "Small")],
        string="Tier",
        default="standard",
        help="Key accounts get a personal follow-up, small ones mostly automatic reminders.",
    )
    ar_automation = fields.Selection(
        [("automatic", "Automatic"), ("human", "Human only"), ("paused", "Paused")],
        string="Automation",
        default="automatic",
        help="Automatic: reminders go out on their own. Human only: nothing is sent without a "
        "collector. Paused: no follow-up at all until the date below.",
    )
    ar_paused_until = fields.Date(string="Paused until")
    ar_pause_reason = fields.Char(string="Pause reason")
    ar_preferred_channel = fields.Selection(
        [("email", "Email"), ("phone", "Phone"), ("letter", "Letter"), ("portal", "Portal")],
        string="Preferred channel",
    )
    ar_billing_contact_id = fields.Many2one(
        "res.partner",
        string="Billing contact",
        domain="[('commercial_partner_id', '=', id), ('id', '!=', id)]",
        help="The person at the customer who gets the invoices paid.",
    )
    ar_customer_since = fields.Date(
        string="Customer since",
        compute="_compute_ar_customer_since",
        store=True,
        readonly=False,
        help="Filled from the first invoice when left empty.",
    )

    # Behaviour, computed from the accounting
    ar_avg_days_to_pay = fields.Float(
        string="Average days to pay",
        compute="_compute_ar_behaviour",
        store=True,
        digits=(16, 1),
        help="From invoice date to payment, over the invoices paid that fell due in the last 12 months.",
    )
    ar_avg_days_late = fields.Float(
        string="Average days late",
        compute="_compute_ar_behaviour",
        store=True,
        digits=(16, 1),
        help="Days past the due date, over the invoices that fell due in the last 12 months; an "
        "invoice still open counts the days it has been late so far.",
    )
    ar_on_time_rate = fields.Float(
        string="On-time rate",
        compute="_compute_ar_behaviour",
        store=True,
        help="Share of the invoices that fell due in the last 12 months paid by their due date.",
    )
    ar_trend = fields.Selection(
        [("improving", "Improving"), ("stable", "Stable"), ("worsening", "Worsening")],
        string="Trend",
        compute="_compute_ar_behaviour",
        store=True,
        help="Days late of the invoices due in the last 3 months against the 9 months before. Empty "
        "when there is not enough history.",
    )
    ar_sales_12m = fields.Monetary(
        string="Invoiced (12 months)",
        compute="_compute_ar_behaviour",
        store=True,
        help="Total of the customer invoices dated in the last 12 months, taxes included.",
    )
    ar_overdue_amount = fields.Monetary(string="Overdue amount", compute="_compute_ar_behaviour", store=True)
    ar_overdue_count = fields.Integer(string="Overdue invoices", compute="_compute_ar_behaviour", store=True)
    ar_oldest_overdue_days = fields.Integer(
        string="Oldest overdue (days)",
        compute="_compute_ar_behaviour",
        store=True,
        help="Days since the due date of the oldest amount still unpaid.",
    )
    ar_open_dispute_amount = fields.Monetary(string="Open dispute amount", compute="_compute_ar_behaviour", store=True)
    ar_open_promise_count = fields.Integer(string="Open promises", compute="_compute_ar_behaviour", store=True)
    ar_broken_promise_count = fields.Integer(
        string="Promises broken (12 months)", compute="_compute_ar_behaviour", store=True
    )
    ar_health_score = fields.Integer(
        string="Health score",
        compute="_compute_ar_behaviour",
        store=True,
        help="0 to 100: how reliably the customer pays now. The explanation lists what lowered it.",
    )
    ar_health_level = fields.Selection(
        [("good", "Good"), ("watch", "Watch"), ("at_risk", "At risk")],
        string="Health",
        compute="_compute_ar_behaviour",
        store=True,
    )
    ar_health_explanation = fields.Text(string="Health explanation", compute="_compute_ar_behaviour", store=True)
    ar_behaviour_date = fields.Date(
        string="Behaviour computed on",
        compute="_compute_ar_behaviour",
        store=True,
        help="Refreshed when payments are reconciled and every night.",
    )

    # Timeline
    ar_touchpoint_ids = fields.One2many("ar.touchpoint", "partner_id", string="Touchpoints")
    ar_touchpoint_count = fields.Integer(string="Touchpoint count", compute="_compute_ar_touchpoint_count")
    ar_last_touchpoint_date = fields.Datetime(
        string="Last touchpoint", compute="_compute_ar_last_touchpoint_date", store=True
    )

    # The health of the contact's company, for everyone who looks at a contact.
    ar_health_badge = fields.Char(string="Payment health", compute="_compute_ar_health_badge")
    ar_health_badge_level = fields.Selection(related="commercial_partner_id.ar_health_level", string="Health level")

    # Worklist, promises and payment plans
    ar_snoozed_until = fields.Date(
        string="Worklist snoozed until",
        copy=False,
        help="The customer leaves the collectors' worklist until this day, e.g. while waiting for a call back.",
    )
    ar_snooze_reason = fields.Char(string="Snooze reason", copy=False)
    ar_promise_count = fields.Integer(string="Promises to pay", compute="_compute_ar_promise_stats")
    ar_promise_settled_count = fields.Integer(string="Promises settled", compute="_compute_ar_promise_stats")
    ar_promise_kept_rate = fields.Float(
        string="Promises kept",
        compute="_compute_ar_promise_stats",
        help="Share of the settled promises (kept, partially kept or broken) that were kept in full. "
        "On a company: all its promises; on a contact: the promises this person made.",
    )
    ar_payment_plan_count = fields.Integer(string="Payment plans", compute="_compute_ar_payment_plan_count")

    # Follow-up
    ar_followup_step_ids = fields.One2many("ar.followup.step", "partner_id", string="Follow-up steps")

    # Disputes
    ar_dispute_count = fields.Integer(string="Dispute count", compute="_compute_ar_dispute_count")

    def _compute_ar_customer_since(self):
        missing = self.filtered(lambda partner: not partner.ar_customer_since)._origin
        first = {}
        if missing:
            groups = self.env["account.move"]._read_group(
                [
                    ("commercial_partner_id", "in", missing.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                ],
                ["commercial_partner_id"],
                ["invoice_date:min"],
            )
            first = {partner.id: day for partner, day in groups}
        for partner in self:
            partner.ar_customer_since = partner.ar_customer_since or first.get(partner._origin.id)

    def _compute_ar_behaviour(self):
        today = fields.Date.context_today(self)
        partners = self._origin
        metrics = partners._ar_behaviour_metrics(today)
        disputes = partners._ar_open_dispute_amounts()
        promises = partners._ar_open_promise_counts()
        broken = partners._ar_broken_promise_counts(today - relativedelta(years=1))
        for partner in self:
            pid = partner._origin.id
            row = metrics.get(pid, {})
            values = {
                "ar_avg_days_to_pay": row.get("days_to_pay") or 0.0,
                "ar_avg_days_late": row.get("days_late") or 0.0,
                "ar_on_time_rate": row["on_time_count"] / row["invoice_count"] if row.get("invoice_count") else 0.0,
                "ar_trend": self._ar_trend(row.get("recent_days_late"), row.get("earlier_days_late")),
                "ar_sales_12m": row.get("sales") or 0.0,
                "ar_overdue_amount": row.get("overdue_amount") or 0.0,
                "ar_overdue_count": row.get("overdue_count") or 0,
                "ar_oldest_overdue_days": row.get("oldest_overdue_days") or 0,
                "ar_open_dispute_amount": disputes.get(pid, 0.0),
                "ar_open_promise_count": promises.get(pid, 0),
                "ar_broken_promise_count": broken.get(pid, 0),
                "ar_behaviour_date": today,
            }
            has_history = bool(row.get("invoice_count") or values["ar_sales_12m"] or values["ar_overdue_count"])
            values.update(partner._ar_health(values, has_history, row.get("invoice_count") or 0))
            partner.update(values)

    @api.depends("ar_touchpoint_ids.date")
    def _compute_ar_last_touchpoint_date(self):
        groups = self.env["ar.touchpoint"]._read_group(
            [("partner_id", "in", self._origin.ids)], ["partner_id"], ["date:max"]
        )
        last = {partner.id: date for partner, date in groups}
        for partner in self:
            partner.ar_last_touchpoint_date = last.get(partner._origin.id)

    def _compute_ar_touchpoint_count(self):
        groups = self.env["ar.touchpoint"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.ar_touchpoint_count = counts.get(partner.commercial_partner_id.id, 0)

    @api.depends("commercial_partner_id.ar_health_score", "commercial_partner_id.ar_health_level")
    def _compute_ar_health_badge(self):
        for partner in self:
            company = partner.commercial_partner_id
            partner.ar_health_badge = (
                self.env._("%(score)s / 100", score=company.ar_health_score) if company.ar_health_level else False
            )

    def write(self, vals):
        if (
            PROFILE_FIELDS.intersection(vals)
            and not self.env.su
            and not self.env.user.has_group("ar_relationship.group_ar_collector")
        ):
            raise AccessError(self.env._("Only collectors and AR managers can change a customer's AR profile."))
        return super().write(vals)

    def action_ar_open_timeline(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_touchpoint_action")
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        action["display_name"] = self.env._("Timeline: %s", partner.display_name)
        return action

    # ------------------------------------------------------------------------------------
    # Behaviour and health

    def _ar_mark_behaviour_to_recompute(self):
        """Recompute the behaviour and health of these partners' companies at the next flush
        (or as soon as someone reads them): cheap to call from any accounting event."""
        partners = self.commercial_partner_id
        for fname in [*BEHAVIOUR_FIELDS, "ar_customer_since"]:
            self.env.add_to_compute(self._fields[fname], partners)

    def _ar_refresh_behaviour(self):
        """Recompute now the behaviour and health of these partners' companies."""
        self._ar_mark_behaviour_to_recompute()
        self.commercial_partner_id.flush_recordset([*BEHAVIOUR_FIELDS, "ar_customer_since"])

    def _ar_behaviour_metrics(self, today):
        """The payment behaviour of the commercial partners `self`, from one query over their
        receivable: {partner id: {metric: value}}."""
        if not self:
            return {}
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "move_type", "state", "payment_state", "invoice_date", "invoice_date_due"]
            + ["amount_total_signed"]
        )
        self.env["account.move.line"].flush_model(
            ["move_id", "partner_id", "account_id", "parent_state", "date", "date_maturity", "reconciled"]
            + ["amount_residual"]
        )
        self.env["account.account"].flush_model(["account_type"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "credit_move_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        query = SQL(
            """
            WITH invoice AS (
                -- The customer invoices that fell due in the last 12 months. An invoice is paid on
                -- the date of the last entry reconciled with it.
                SELECT move.commercial_partner_id AS partner_id,
                       move.invoice_date,
                       move.invoice_date_due AS due_date,
                       move.payment_state IN ('paid', 'in_payment') AS is_paid,
                       COALESCE(paid.paid_date, move.invoice_date) AS paid_date
                  FROM account_move move
                  LEFT JOIN LATERAL (
                        SELECT MAX(counterpart.date) AS paid_date
                          FROM account_move_line line
                          JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
                          JOIN account_move_line counterpart ON counterpart.id = partial.credit_move_id
                          JOIN account_account account ON account.id = line.account_id
                         WHERE line.move_id = move.id
                           AND account.account_type = 'asset_receivable'
                       ) paid ON TRUE
                 WHERE move.commercial_partner_id = ANY(%(partner_ids)s)
                   AND move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state NOT IN ('reversed', 'invoicing_legacy')
                   AND move.invoice_date_due >= %(year_ago)s
            ),
            scored AS (
                -- Those already paid or past due; an open invoice is late by the days so far.
                SELECT *, GREATEST(0, CASE WHEN is_paid THEN paid_date ELSE %(today)s END - due_date) AS days_late
                  FROM invoice
                 WHERE is_paid OR due_date < %(today)s
            ),
            behaviour AS (
                SELECT partner_id,
                       COUNT(*) AS invoice_count,
                       COUNT(*) FILTER (WHERE is_paid AND paid_date <= due_date) AS on_time_count,
                       AVG(paid_date - invoice_date) FILTER (WHERE is_paid)::float AS days_to_pay,
                       AVG(days_late)::float AS days_late,
                       AVG(days_late) FILTER (WHERE due_date >= %(recent)s)::float AS recent_days_late,
                       AVG(days_late) FILTER (WHERE due_date < %(recent)s)::float AS earlier_days_late
                  FROM scored
                 GROUP BY partner_id
            ),
            sales AS (
                SELECT commercial_partner_id AS partner_id, SUM(amount_total_signed) AS sales
                  FROM account_move
                 WHERE commercial_partner_id = ANY(%(partner_ids)s)
                   AND move_type = 'out_invoice'
                   AND state = 'posted'
                   AND invoice_date >= %(year_ago)s
                 GROUP BY commercial_partner_id
            ),
            overdue AS (
                SELECT partner.commercial_partner_id AS partner_id,
                       SUM(line.amount_residual) AS overdue_amount,
                       COUNT(DISTINCT line.move_id) AS overdue_count,
                       MAX(%(today)s - line.date_maturity) AS oldest_overdue_days
                  FROM account_move_line line
                  JOIN res_partner partner ON partner.id = line.partner_id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE partner.commercial_partner_id = ANY(%(partner_ids)s)
                   AND account.account_type = 'asset_receivable'
                   AND line.parent_state = 'posted'
                   AND NOT line.reconciled
                   AND line.amount_residual > 0
                   AND line.date_maturity < %(today)s
                 GROUP BY partner.commercial_partner_id
            )
            SELECT ids.id AS partner_id, behaviour.invoice_count, behaviour.on_time_count, behaviour.days_to_pay,
                   behaviour.days_late, behaviour.recent_days_late, behaviour.earlier_days_late,
                   sales.sales::float, overdue.overdue_amount::float, overdue.overdue_count,
                   overdue.oldest_overdue_days
              FROM unnest(%(partner_ids)s) AS ids(id)
              LEFT JOIN behaviour ON behaviour.partner_id = ids.id
              LEFT JOIN sales ON sales.partner_id = ids.id
              LEFT JOIN overdue ON overdue.partner_id = ids.id
            """,
            partner_ids=list(self.ids),
            today=today,
            year_ago=today - relativedelta(years=1),
            recent=today - relativedelta(months=3),
        )
        return {row["partner_id"]: row for row in self.env.execute_query_dict(query)}

    @api.model
    def _ar_trend(self, recent, earlier):
        if recent is None or earlier is None:
            return False
        if recent - earlier >= TREND_DAYS:
            return "worsening"
        if earlier - recent >= TREND_DAYS:
            return "improving"
        return "stable"

    def _ar_open_dispute_amounts(self):
        """{partner id: amount under open disputes and deductions, in the company's currency}
        for the commercial partners `self`, in one query."""
        amounts = dict.fromkeys(self.ids, 0.0)
        groups = (
            self.env["ar.dispute"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "in", OPEN_STATES)],
                ["partner_id"],
                ["amount:sum"],
            )
        )
        amounts.update((partner.id, amount) for partner, amount in groups)
        return amounts

    def _ar_open_promise_counts(self):
        """{partner id: open promises to pay}, in one query."""
        counts = dict.fromkeys(self.ids, 0)
        groups = (
            self.env["ar.promise"]
            .sudo()
            ._read_group([("partner_id", "in", self.ids), ("state", "=", "open")], ["partner_id"], ["__count"])
        )
        counts.update({partner.id: count for partner, count in groups})
        return counts

    def _ar_broken_promise_counts(self, date_from):
        """{partner id: promises broken since `date_from`}, in one query."""
        counts = dict.fromkeys(self.ids, 0)
        groups = (
            self.env["ar.promise"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "broken"), ("closed_date", ">=", date_from)],
                ["partner_id"],
                ["__count"],
            )
        )
        counts.update({partner.id: count for partner, count in groups})
        return counts

    def _ar_health(self, values, has_history, invoice_count):
        """The health score, level and explanation from the behaviour `values` of one partner."""
        if not has_history:
            return {
                "ar_health_score": 100,
                "ar_health_level": False,
                "ar_health_explanation": self.env._("No invoice in the last 12 months."),
            }
        factors = sorted(self._ar_health_factors(values, invoice_count), key=lambda factor: -factor[0])
        score = max(0, min(100, 100 - sum(points for points, _text in factors)))
        if factors:
            explanation = "; ".join(f"{text} (-{points})" for points, text in factors)
        else:
            explanation = self.env._("Pays on time: nothing lowers the score.")
        level = "good" if score >= HEALTH_GOOD else "watch" if score >= HEALTH_WATCH else "at_risk"
        return {"ar_health_score": score, "ar_health_level": level, "ar_health_explanation": explanation}

    def _ar_health_factors(self, values, invoice_count):
        """The rules of the health score: [(points taken off, what it is in plain words)]."""
        factors = []
        count, oldest = values["ar_overdue_count"], values["ar_oldest_overdue_days"]
        if count:
            points = next(points for days, points in HEALTH_OVERDUE_AGE if oldest > days)
            if count == 1:
                factors.append((points, self.env._("1 invoice overdue by %(days)s days", days=oldest)))
            else:
                factors.append(
                    (points, self.env._("%(count)s invoices overdue, oldest %(days)s days", count=count, days=oldest))
                )
            sales, overdue = values["ar_sales_12m"], values["ar_overdue_amount"]
            share = min(1.0, overdue / sales) if sales > 0 else 1.0
            points = min(HEALTH_OVERDUE_SHARE_MAX, round(share * HEALTH_OVERDUE_SHARE_POINTS))
            if points:
                factors.append(
                    (
                        points,
                        self.env._("overdue amount is %(share)s%% of 12 months of invoicing", share=round(share * 100)),
                    )
                )
        if invoice_count:
            rate = values["ar_on_time_rate"]
            points = round((1 - rate) * HEALTH_LATE_RATE_POINTS)
            if points:
                factors.append((points, self.env._("on-time rate %(rate)s%% over 12 months", rate=round(rate * 100))))
        if values["ar_trend"] == "worsening":
            factors.append((HEALTH_WORSENING, self.env._("payments worsening")))
        broken = values["ar_broken_promise_count"]
        if broken:
            points = min(HEALTH_BROKEN_PROMISE_MAX, broken * HEALTH_BROKEN_PROMISE)
            if broken == 1:
                factors.append((points, self.env._("1 promise broken in 12 months")))
            else:
                factors.append((points, self.env._("%(count)s promises broken in 12 months", count=broken)))
        if values["ar_open_dispute_amount"] > 0:
            factors.append((HEALTH_OPEN_DISPUTE, self.env._("invoices under dispute")))
        return factors

    # ------------------------------------------------------------------------------------
    # Customer statement

    @api.model
    def _ar_statement_period(self, date_from=None, date_to=None):
        """The statement date (default today) and the start of its payment period (default the
        first day of the month three months back), as dates."""
        date_to = fields.Date.to_date(date_to) or fields.Date.context_today(self)
        date_from = fields.Date.to_date(date_from) or date_to - relativedelta(months=3, day=1)
        if date_from > date_to:
            raise UserError(self.env._("The statement period must start on or before the statement date."))
        return date_from, date_to

    def _ar_statement_data(self, date_from=None, date_to=None):
        """The statement of account of the commercial entities of these partners, in the current
        company and its currency: what is open as of `date_to`, aged by due date, the payments
        received from `date_from` to `date_to`, and the balance of the receivable at `date_to`.
        The statement PDF and the reminders show these same figures.

        Returns {commercial partner id: {"date_from", "date_to", "open_items": [{"name", "ref",
        "kind" (invoice, credit_note, payment or entry), "date", "date_due", "amount", "open",
        "days_overdue", "bucket"}], "aging": {bucket: open amount}, "open_total", "overdue_total",
        "payments": [{"date", "name", "ref", "amount"}], "payment_total", "balance"}}, where a
        bucket is a key of AGING_BUCKETS and amounts are positive when the customer owes them.
        """
        partners = self.commercial_partner_id
        if not partners:
            return {}
        date_from, date_to = self._ar_statement_period(date_from, date_to)
        partners.check_access("read")
        company = self.env.company
        currency = company.currency_id
        # Every internal user may print a statement, most without access to the accounting: the
        # lines are read as superuser, only those of these customers in the current company.
        lines = self.env["account.move.line"].sudo()
        ledger = [
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("partner_id.commercial_partner_id", "in", partners.ids),
            ("date", "<=", date_to),
        ]
        # Open as of date_to: not fully reconciled, or fully only by an entry dated later.
        open_lines = lines.search(
            [
                *ledger,
                "|",
                "|",
                ("reconciled", "=", False),
                ("matched_debit_ids.max_date", ">", date_to),
                ("matched_credit_ids.max_date", ">", date_to),
            ],
            order="date_maturity, date, id",
        )
        applied = defaultdict(float)
        partials = (
            self.env["account.partial.reconcile"]
            .sudo()
            .search(
                [
                    ("max_date", "<=", date_to),
                    "|",
                    ("debit_move_id", "in", open_lines.ids),
                    ("credit_move_id", "in", open_lines.ids),
                ]
            )
        )
        for partial in partials:
            applied[partial.debit_move_id.id] += partial.amount
            applied[partial.credit_move_id.id] -= partial.amount

        statements = {
            partner.id: {
                "date_from": date_from,
                "date_to": date_to,
                "open_items": [],
                "aging": dict.fromkeys((key for key, _days in AGING_BUCKETS), 0.0),
                "open_total": 0.0,
                "overdue_total": 0.0,
                "payments": [],
                "payment_total": 0.0,
                "balance": 0.0,
            }
            for partner in partners
        }
        # A long statement has thousands of open lines: their fields in one query, not one
        # attribute at a time through the ORM.
        open_lines.flush_recordset(
            ["balance", "date_maturity", "date", "partner_id", "payment_id", "statement_line_id"]
        )
        self.env["account.move"].flush_model(["name", "ref", "move_type", "invoice_date"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """SELECT line.id, line.balance, COALESCE(line.date_maturity, line.date), line.date,
                          partner.commercial_partner_id, move.name, move.ref, move.move_type, move.invoice_date,
                          line.payment_id IS NOT NULL OR line.statement_line_id IS NOT NULL
                     FROM account_move_line line
                     JOIN account_move move ON move.id = line.move_id
                     JOIN res_partner partner ON partner.id = line.partner_id
                    WHERE line.id = ANY(%s)""",
                open_lines.ids,
            )
        )
        rows = {row[0]: row for row in self.env.cr.fetchall()}
        sale_types = self.env["account.move"].get_sale_types(include_receipts=True)
        for line_id in open_lines.ids:
            _id, balance, date_due, day, partner_id, name, ref, move_type, invoice_date, is_payment = rows[line_id]
            open_amount = currency.round(balance - applied[line_id])
            if currency.is_zero(open_amount):
                continue
            statement = statements[partner_id]
            days = (date_to - date_due).days
            # Like Odoo's aged receivable, a credit (credit note, payment not yet applied) sits in
            # the bucket of its own date, so that the buckets add up to the balance.
            bucket = next(key for key, most in AGING_BUCKETS if most is None or days <= most)
            if move_type == "out_refund":
                kind = "credit_note"
            elif move_type in sale_types:
                kind = "invoice"
            else:
                kind = "payment" if is_payment else "entry"
            statement["open_items"].append(
                {
                    "name": name,
                    "ref": ref or "",
                    "kind": kind,
                    "date": invoice_date or day,
                    "date_due": date_due,
                    "amount": currency.round(balance),
                    "open": open_amount,
                    "days_overdue": max(days, 0) if open_amount > 0 else 0,
                    "bucket": bucket,
                }
            )
            statement["aging"][bucket] += open_amount

        for partner, balance in lines._read_group(ledger, ["partner_id"], ["balance:sum"]):
            statements[partner.commercial_partner_id.id]["balance"] += balance

        # Payments received: the customer's side of payments and bank statement lines; money paid
        # back to the customer (a refund) counts negative.
        payment_lines = lines.search(
            [*ledger, ("date", ">=", date_from), "|", ("payment_id", "!=", False), ("statement_line_id", "!=", False)],
            order="date, id",
        )
        for line in payment_lines:
            statement = statements[line.partner_id.commercial_partner_id.id]
            statement["payments"].append(
                {
                    "date": line.date,
                    "name": line.move_id.name,
                    "ref": line.move_id.ref or "",
                    "amount": currency.round(-line.balance),
                }
            )

        for statement in statements.values():
            statement["aging"] = {key: currency.round(amount) for key, amount in statement["aging"].items()}
            statement["open_total"] = currency.round(sum(statement["aging"].values()))
            statement["overdue_total"] = currency.round(statement["open_total"] - statement["aging"]["current"])
            statement["payment_total"] = currency.round(sum(payment["amount"] for payment in statement["payments"]))
            statement["balance"] = currency.round(statement["balance"])
        return statements

    def _ar_statement_contact(self):
        """Who the statement of this customer is addressed to: its billing contact, else its
        invoice address, else the customer itself."""
        self.ensure_one()
        partner = self.commercial_partner_id
        invoice_contacts = partner.child_ids.filtered(lambda child: child.type == "invoice")
        return partner.ar_billing_contact_id or invoice_contacts[:1] or partner

    # ------------------------------------------------------------------------------------
    # Cron

    @api.model
    def _cron_ar_refresh_behaviour(self, batch_size=1000):
        """Nightly: refresh the customers not refreshed today, one batch per call; the cron
        runner calls again while some remain."""
        today = fields.Date.context_today(self)
        domain = [
            ("customer_rank", ">", 0),
            "|",
            ("is_company", "=", True),
            ("parent_id", "=", False),
            "|",
            ("ar_behaviour_date", "=", False),
            ("ar_behaviour_date", "<", today),
        ]
        partners = self.search(domain, limit=batch_size, order="id")
        partners._ar_refresh_behaviour()
        self.env["ir.cron"]._notify_progress(done=len(partners), remaining=self.search_count(domain))

    # ------------------------------------------------------------------------------------
    # Worklist, promises and payment plans

    def _compute_ar_promise_stats(self):
        partners = self._origin
        companies = partners.filtered(lambda partner: partner.commercial_partner_id == partner)
        contacts = partners - companies
        stats = {}
        Promise = self.env["ar.promise"]
        for field_name, group in (("partner_id", companies), ("contact_id", contacts)):
            if group:
                for partner, state, count in Promise._read_group(
                    [(field_name, "in", group.ids)], [field_name, "state"], ["__count"]
                ):
                    stats.setdefault(partner.id, {})[state] = count
        for partner in self:
            counts = stats.get(partner._origin.id, {})
            settled = counts.get("kept", 0) + counts.get("partial", 0) + counts.get("broken", 0)
            partner.ar_promise_count = sum(counts.values())
            partner.ar_promise_settled_count = settled
            partner.ar_promise_kept_rate = counts.get("kept", 0) / settled if settled else 0.0

    def _compute_ar_payment_plan_count(self):
        groups = self.env["ar.payment.plan"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.ar_payment_plan_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_ar_open_promises(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_promise_action")
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        return action

    def action_ar_open_payment_plans(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_payment_plan_action")
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        return action

    def _ar_open_invoices_domain(self, overdue_on=None):
        """The posted customer invoices of these partners' commercial entities still to be paid;
        with a date, only those due before it."""
        domain = [
            ("commercial_partner_id", "in", self.commercial_partner_id.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]
        return [*domain, ("invoice_date_due", "<", overdue_on)] if overdue_on else domain

    def action_ar_email_overdue(self):
        """The email composer, addressed to the billing contact, listing the overdue invoices."""
        self.ensure_one()
        partner = self.commercial_partner_id
        today = fields.Date.context_today(self)
        invoices = self.env["account.move"].search(
            partner._ar_open_invoices_domain(overdue_on=today), order="invoice_date_due, id"
        )
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td style='text-align: right'>%s</td></tr>")
            % (
                invoice.name,
                format_date(self.env, invoice.invoice_date_due),
                formatLang(self.env, invoice.amount_residual, currency_obj=invoice.currency_id),
            )
            for invoice in invoices
        )
        body = Markup(
            "<p>%s</p><table class='table table-sm'><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
            "<tbody>%s</tbody></table><p>%s</p>"
        ) % (
            self.env._("Dear customer, according to our records these invoices are past their due date:"),
            self.env._("Invoice"),
            self.env._("Due date"),
            self.env._("Left to pay"),
            rows,
            self.env._("Could you let us know when we can expect the payment? Thank you."),
        )
        recipient = partner.ar_billing_contact_id or partner
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Email %s", partner.display_name),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": partner.ids,
                "default_composition_mode": "comment",
                "default_partner_ids": recipient.ids,
                "default_subject": self.env._("Overdue invoices: %s", partner.name),
                "default_body": body,
            },
        }

    # ------------------------------------------------------------------------------------
    # Follow-up

    def action_ar_process_followups(self):
        """Take now the follow-up steps due for the selected customers (no commit: the button's
        transaction holds everything)."""
        steps = self.env["ar.followup.step"]._run(self.commercial_partner_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if steps else "info",
                "message": self.env._("%s follow-up step(s) taken.", len(steps))
                if steps
                else self.env._("No follow-up step is due for these customers today."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_ar_followup_preview(self):
        return self.env["ar.followup.preview"].action_open(self.commercial_partner_id)

    def _ar_followup_human_reasons(self, today):
        """The rules that give a customer's follow-up to a person, per partner: a list of
        (reason in plain words, applies to late invoices only)."""
        company = self.env.company
        last_late = self._ar_last_late_payment_dates()
        reasons = defaultdict(list)
        for partner in self:
            if partner.ar_automation == "human":
                reasons[partner.id].append((self.env._("human-only customer"), False))
            if partner.ar_tier == "key":
                reasons[partner.id].append((self.env._("key account"), False))
            if partner.ar_open_dispute_amount:
                reasons[partner.id].append(
                    (
                        self.env._(
                            "open dispute of %s",
                            formatLang(self.env, partner.ar_open_dispute_amount, currency_obj=company.currency_id),
                        ),
                        False,
                    )
                )
            since = partner.ar_customer_since
            if (
                since
                and since <= today - relativedelta(years=company.ar_loyal_years)
                and partner.ar_on_time_rate * 100 >= company.ar_loyal_on_time_rate
            ):
                last = last_late.get(partner.id)
                quiet_since = last or since
                if quiet_since <= today - relativedelta(months=company.ar_loyal_quiet_months):
                    delta = relativedelta(today, quiet_since)
                    months = delta.years * 12 + delta.months
                    reasons[partner.id].append(
                        (self.env._("loyal customer, first late payment in %s months", months), True)
                    )
        return reasons

    def _ar_last_late_payment_dates(self):
        """{commercial partner id: the last day it paid an invoice after its due date, or took a
        follow-up step on an overdue invoice}, in two queries for all partners."""
        if not self:
            return {}
        for model in ("account.move", "account.move.line", "account.partial.reconcile"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT move.commercial_partner_id, MAX(partial.max_date)
                  FROM account_move move
                  JOIN account_move_line line ON line.move_id = move.id AND line.display_type = 'payment_term'
                  JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
                 WHERE move.commercial_partner_id IN %s
                   AND move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND partial.max_date > move.invoice_date_due
              GROUP BY move.commercial_partner_id
                """,
                tuple(self.ids),
            )
        )
        last = dict(self.env.cr.fetchall())
        steps = self.env["ar.followup.step"]._read_group(
            [("partner_id", "in", self.ids), ("level_id.delay", ">", 0)], ["partner_id"], ["date:max"]
        )
        for partner, day in steps:
            last[partner.id] = max(day, last.get(partner.id, day))
        return last

    # ------------------------------------------------------------------------------------
    # Disputes

    def _compute_ar_dispute_count(self):
        groups = self.env["ar.dispute"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.ar_dispute_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_ar_open_disputes(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_dispute_action")
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"search_default_open": 1}
        action["display_name"] = self.env._("Disputes: %s", partner.display_name)
        return action
