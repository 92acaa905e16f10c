from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

# The priority of a customer in the worklist is the sum of the points of what is wrong with
# it, and its reason lists those facts, the heaviest first: a collector can check both.
AMOUNT_POINTS = [(50000, 30), (10000, 20), (1000, 10), (0, 5)]  # overdue amount above: points
DAYS_POINTS = [(90, 30), (60, 20), (30, 10), (0, 5)]  # oldest overdue invoice, days late above: points
HEALTH_POINTS = {"at_risk": 15, "watch": 5}
RECENT_BROKEN_DAYS, RECENT_BROKEN_POINTS = 7, 25  # a promise broken in the last days
BROKEN_POINTS, BROKEN_MAX = 5, 15  # otherwise, each promise broken in the last 12 months
PLAN_AT_RISK_POINTS = 25
PROMISE_TODAY_POINTS = 20
NO_CONTACT_DAYS, NO_CONTACT_POINTS = 7, 10  # overdue and no one called or wrote for that long


class ArWorklist(models.Model):
    """The customers a collector should act on today, most urgent first. One row per customer
    with overdue invoices that no open promise nor payment plan on schedule covers, a promise
    due today or a payment plan at risk. Computed on the fly (for today and the user's
    companies) in one query, whatever the number of customers."""

    _name = "ar.worklist"
    _description = "Collector's worklist"
    _auto = False
    _rec_name = "partner_id"
    _order = "priority desc, overdue_amount desc, id"
    _depends = {
        "account.move": [
            "move_type",
            "state",
            "payment_state",
            "invoice_date_due",
            "amount_residual_signed",
            "commercial_partner_id",
            "company_id",
        ],
        "ar.promise": ["partner_id", "state", "promise_date", "grace_until", "closed_date", "amount", "company_id"],
        "ar.payment.plan": ["partner_id", "state", "at_risk", "company_id"],
        "ar.touchpoint": ["partner_id", "direction", "date", "company_id"],
        "res.partner": ["active", "ar_collector_id", "ar_health_score", "ar_health_level", "ar_snoozed_until"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    overdue_amount = fields.Monetary(
        readonly=True, help="Overdue and not covered by an open promise nor a payment plan on schedule."
    )
    overdue_count = fields.Integer(string="Overdue invoices", readonly=True)
    overdue_days = fields.Integer(string="Days late", readonly=True, help="Days past the due date of the oldest one.")
    health_score = fields.Integer(string="Health score", readonly=True)
    health_level = fields.Selection(
        [("good", "Good"), ("watch", "Watch"), ("at_risk", "At risk")], string="Health", readonly=True
    )
    broken_count = fields.Integer(string="Promises broken (12 months)", readonly=True)
    last_broken_date = fields.Date(string="Last promise broken", readonly=True)
    promise_today_amount = fields.Monetary(string="Promised for today", readonly=True)
    plan_at_risk = fields.Boolean(string="Payment plan at risk", readonly=True)
    last_contact_date = fields.Date(string="Last contact", readonly=True, help="Our last call, email, letter...")
    snoozed_until = fields.Date(readonly=True)
    is_snoozed = fields.Boolean(string="Snoozed", readonly=True)
    amount_points = fields.Integer(readonly=True)
    days_points = fields.Integer(readonly=True)
    health_points = fields.Integer(readonly=True)
    broken_points = fields.Integer(readonly=True)
    plan_points = fields.Integer(readonly=True)
    promise_points = fields.Integer(readonly=True)
    contact_points = fields.Integer(readonly=True)
    priority = fields.Integer(
        readonly=True,
        help="The sum of points for: the overdue amount (5 to 30), the days late (5 to 30), the "
        "health (watch 5, at risk 15), a promise broken this week (25) or in 12 months (5 each, "
        "up to 15), a payment plan at risk (25), a promise due today (20), no contact for a week (10).",
    )
    reason = fields.Char(compute="_compute_reason", help="What needs action, the heaviest first.")

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        company_ids = self.env.companies.ids
        return SQL(
            """
            WITH overdue AS (
                SELECT move.id AS move_id, move.commercial_partner_id AS partner_id,
                       move.amount_residual_signed AS residual, move.invoice_date_due AS due_date
                  FROM account_move move
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN ('not_paid', 'partial')
                   AND move.invoice_date_due < %(today)s
                   AND move.company_id = ANY(%(company_ids)s)
            ),
            paused AS (
                -- What account.move._ar_followup_exclusions says of promises and plans.
                SELECT rel.move_id
                  FROM ar_promise_account_move_rel rel
                  JOIN ar_promise promise ON promise.id = rel.promise_id
                 WHERE promise.state = 'open' AND promise.grace_until >= %(today)s
                 UNION
                SELECT rel.move_id
                  FROM ar_payment_plan_account_move_rel rel
                  JOIN ar_payment_plan plan ON plan.id = rel.plan_id
                 WHERE plan.state = 'active' AND plan.at_risk IS NOT TRUE
            ),
            uncovered AS (
                SELECT partner_id, COUNT(*) AS overdue_count, SUM(residual) AS overdue_amount,
                       MAX(%(today)s - due_date) AS overdue_days
                  FROM overdue
                 WHERE move_id NOT IN (SELECT move_id FROM paused)
                 GROUP BY partner_id
            ),
            promises AS (
                SELECT partner_id,
                       SUM(amount) FILTER (WHERE state = 'open' AND promise_date = %(today)s) AS today_amount,
                       MAX(closed_date) FILTER (WHERE state = 'broken') AS last_broken_date,
                       COUNT(*) FILTER (WHERE state = 'broken' AND closed_date > %(year_ago)s) AS broken_count
                  FROM ar_promise
                 WHERE company_id = ANY(%(company_ids)s)
                 GROUP BY partner_id
            ),
            plans AS (
                SELECT DISTINCT partner_id
                  FROM ar_payment_plan
                 WHERE state = 'active' AND at_risk AND company_id = ANY(%(company_ids)s)
            ),
            contacts AS (
                SELECT partner_id, MAX(date)::date AS last_contact_date
                  FROM ar_touchpoint
                 WHERE direction = 'out' AND company_id = ANY(%(company_ids)s)
                 GROUP BY partner_id
            ),
            facts AS (
                SELECT partner.id,
                       partner.id AS partner_id,
                       partner.ar_collector_id AS collector_id,
                       %(currency_id)s AS currency_id,
                       COALESCE(uncovered.overdue_amount, 0.0) AS overdue_amount,
                       COALESCE(uncovered.overdue_count, 0) AS overdue_count,
                       COALESCE(uncovered.overdue_days, 0) AS overdue_days,
                       partner.ar_health_score AS health_score,
                       partner.ar_health_level AS health_level,
                       COALESCE(promises.broken_count, 0) AS broken_count,
                       promises.last_broken_date,
                       promises.today_amount AS promise_today_amount,
                       plans.partner_id IS NOT NULL AS plan_at_risk,
                       contacts.last_contact_date,
                       partner.ar_snoozed_until AS snoozed_until,
                       COALESCE(partner.ar_snoozed_until > %(today)s, FALSE) AS is_snoozed
                  FROM res_partner partner
                  LEFT JOIN uncovered ON uncovered.partner_id = partner.id
                  LEFT JOIN promises ON promises.partner_id = partner.id
                  LEFT JOIN plans ON plans.partner_id = partner.id
                  LEFT JOIN contacts ON contacts.partner_id = partner.id
                 WHERE partner.active
                   AND (uncovered.partner_id IS NOT NULL OR promises.today_amount IS NOT NULL
                        OR plans.partner_id IS NOT NULL)
            ),
            scored AS (
                SELECT facts.*,
                       %(amount_points)s AS amount_points,
                       %(days_points)s AS days_points,
                       CASE health_level WHEN 'at_risk' THEN %(health_at_risk)s WHEN 'watch' THEN %(health_watch)s
                            ELSE 0 END AS health_points,
                       CASE WHEN last_broken_date > %(recent)s THEN %(recent_broken)s
                            ELSE LEAST(broken_count * %(broken)s, %(broken_max)s) END AS broken_points,
                       CASE WHEN plan_at_risk THEN %(plan_at_risk)s ELSE 0 END AS plan_points,
                       CASE WHEN promise_today_amount IS NOT NULL THEN %(promise_today)s ELSE 0 END
                           AS promise_points,
                       CASE WHEN overdue_count > 0
                                 AND (last_contact_date IS NULL OR last_contact_date <= %(silent_since)s)
                            THEN %(no_contact)s ELSE 0 END AS contact_points
                  FROM facts
            )
            SELECT scored.*,
                   amount_points + days_points + health_points + broken_points + plan_points + promise_points
                   + contact_points AS priority
              FROM scored
            """,
            today=today,
            year_ago=today - relativedelta(years=1),
            recent=today - relativedelta(days=RECENT_BROKEN_DAYS),
            silent_since=today - relativedelta(days=NO_CONTACT_DAYS),
            company_ids=company_ids,
            currency_id=self.env.company.currency_id.id,
            amount_points=self._points_case(SQL("overdue_amount"), AMOUNT_POINTS),
            days_points=self._points_case(SQL("overdue_days"), DAYS_POINTS),
            health_at_risk=HEALTH_POINTS["at_risk"],
            health_watch=HEALTH_POINTS["watch"],
            recent_broken=RECENT_BROKEN_POINTS,
            broken=BROKEN_POINTS,
            broken_max=BROKEN_MAX,
            plan_at_risk=PLAN_AT_RISK_POINTS,
            promise_today=PROMISE_TODAY_POINTS,
            no_contact=NO_CONTACT_POINTS,
        )

    @api.model
    def _points_case(self, column, steps):
        """SQL: the points of the first step whose threshold `column` is above, else 0."""
        whens = SQL(" ").join(SQL("WHEN %s > %s THEN %s", column, limit, points) for limit, points in steps)
        return SQL("CASE %s ELSE 0 END", whens)

    @api.depends(
        "overdue_count",
        "overdue_days",
        "health_score",
        "broken_count",
        "last_broken_date",
        "promise_today_amount",
        "currency_id",
        "last_contact_date",
        "amount_points",
        "days_points",
        "health_points",
        "broken_points",
        "plan_points",
        "promise_points",
        "contact_points",
    )
    def _compute_reason(self):
        today = fields.Date.context_today(self)
        for row in self:
            facts = []
            if row.overdue_count:
                late = (
                    self.env._("1 day late")
                    if row.overdue_days == 1
                    else self.env._("%(days)s days late", days=row.overdue_days)
                )
                invoices = (
                    self.env._("1 invoice")
                    if row.overdue_count == 1
                    else self.env._("%(count)s invoices", count=row.overdue_count)
                )
                facts.append(
                    (
                        row.amount_points + row.days_points,
                        self.env._("%(invoices)s %(late)s", invoices=invoices, late=late),
                    )
                )
            if row.broken_points:
                if row.last_broken_date and (today - row.last_broken_date).days < RECENT_BROKEN_DAYS:
                    facts.append((row.broken_points, row._broken_text(today)))
                elif row.broken_count == 1:
                    facts.append((row.broken_points, self.env._("1 promise broken in 12 months")))
                else:
                    facts.append(
                        (
                            row.broken_points,
                            self.env._("%(count)s promises broken in 12 months", count=row.broken_count),
                        )
                    )
            if row.plan_points:
                facts.append((row.plan_points, self.env._("payment plan installment missed")))
            if row.promise_points:
                facts.append(
                    (
                        row.promise_points,
                        self.env._(
                            "promise of %(amount)s due today",
                            amount=formatLang(self.env, row.promise_today_amount, currency_obj=row.currency_id),
                        ),
                    )
                )
            if row.health_points:
                facts.append((row.health_points, self.env._("health %(score)s/100", score=row.health_score)))
            if row.contact_points:
                if row.last_contact_date:
                    days = (today - row.last_contact_date).days
                    facts.append((row.contact_points, self.env._("no contact for %(days)s days", days=days)))
                else:
                    facts.append((row.contact_points, self.env._("never contacted")))
            facts.sort(key=lambda fact: -fact[0])
            row.reason = "; ".join(text for _points, text in facts)

    def _broken_text(self, today):
        days = (today - self.last_broken_date).days
        if days <= 0:
            return self.env._("promise broken today")
        if days == 1:
            return self.env._("promise broken yesterday")
        return self.env._("promise broken %(days)s days ago", days=days)

    # ------------------------------------------------------------------------------------
    # One click from a row

    def action_log_call(self):
        return self._ar_touchpoint_action({"default_kind": "call", "default_direction": "out"})

    def action_open_dispute(self):
        """A new dispute on the row's customer: pick the invoice, the reason and the amount."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New dispute"),
            "res_model": "ar.dispute",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {"default_partner_id": self.partner_id.id, "default_kind": "dispute"},
        }

    def action_record_promise(self):
        return self._ar_wizard_action("ar_relationship.ar_promise_record_action")

    def action_propose_plan(self):
        return self._ar_wizard_action("ar_relationship.ar_payment_plan_propose_action")

    def action_snooze(self):
        return self._ar_wizard_action("ar_relationship.ar_worklist_snooze_action", many=True)

    def action_reassign(self):
        return self._ar_wizard_action("ar_relationship.ar_worklist_reassign_action", many=True)

    def action_email(self):
        self.ensure_one()
        return self.partner_id.action_ar_email_overdue()

    def action_open_customer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def _ar_touchpoint_action(self, context):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_touchpoint_log_action")
        action["context"] = {"default_partner_id": self.partner_id.id, **context}
        return action

    def _ar_wizard_action(self, xmlid, many=False):
        if not many:
            self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["context"] = {
            "active_model": "res.partner",
            "active_id": self.partner_id[:1].id,
            "active_ids": self.partner_id.ids,
        }
        return action
