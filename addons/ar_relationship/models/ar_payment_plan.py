from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date, formatLang

FREQUENCIES = [
    ("weekly", "Weekly"),
    ("biweekly", "Every two weeks"),
    ("monthly", "Monthly"),
    ("custom", "Custom dates"),
]
STATES = [
    ("draft", "Draft"),
    ("proposed", "Proposed"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("defaulted", "Defaulted"),
    ("cancelled", "Cancelled"),
]


class ArPaymentPlan(models.Model):
    """An agreement with a customer to pay some overdue invoices in installments. While it is
    active and on schedule, follow-up leaves its invoices alone. The payments reconciled with
    the invoices pay the installments, oldest first."""

    _name = "ar.payment.plan"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Payment plan"
    _order = "date desc, id desc"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        help="The customer's commercial entity.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Agreed with",
        domain="[('commercial_partner_id', '=', partner_id)]",
        tracking=True,
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "ar_payment_plan_account_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
        help="The invoices the plan pays: only the payments reconciled with them pay the installments.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users", string="Collector", default=lambda self: self.env.user, index=True, tracking=True
    )
    date = fields.Date(
        string="Start",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Payments from this day on pay the installments.",
    )
    frequency = fields.Selection(FREQUENCIES, default="monthly", required=True)
    amount_total = fields.Monetary(
        string="Covered amount",
        compute="_compute_amount_total",
        store=True,
        readonly=False,
        required=True,
        tracking=True,
        help="What was left to pay on the invoices when the plan was made: the installments add up to it.",
    )
    line_ids = fields.One2many("ar.payment.plan.line", "plan_id", string="Installments", copy=True)
    down_payment = fields.Monetary(compute="_compute_down_payment", store=True)
    last_date = fields.Date(string="Last installment", compute="_compute_down_payment", store=True)
    state = fields.Selection(
        STATES, required=True, default="draft", index=True, tracking=True, readonly=True, copy=False
    )
    at_risk = fields.Boolean(
        string="At risk",
        readonly=True,
        copy=False,
        tracking=True,
        help="An installment is unpaid past its date plus the grace days: follow-up resumes on the "
        "invoices. A second missed installment, or a missed last one, defaults the plan.",
    )
    needs_approval = fields.Boolean(
        compute="_compute_policy",
        store=True,
        help="Outside the company's policy (length, down payment): an AR manager approves it before it starts.",
    )
    policy_breach = fields.Char(string="Outside policy", compute="_compute_policy", store=True)
    approved_by_id = fields.Many2one("res.users", string="Approved by", readonly=True, copy=False, tracking=True)
    approved_date = fields.Date(string="Approved on", readonly=True, copy=False)
    paid_amount = fields.Monetary(
        string="Paid", compute="_compute_paid_amount", help="Paid on the invoices since the start of the plan."
    )
    residual_amount = fields.Monetary(string="Left to pay", compute="_compute_paid_amount")
    evaluation_date = fields.Date(
        string="Checked on", readonly=True, copy=False, help="When the installments were last checked."
    )

    @api.depends("invoice_ids")
    def _compute_amount_total(self):
        for plan in self:
            # Fixed once proposed: later payments pay the plan, they do not shrink it.
            if plan.state == "draft":
                plan.amount_total = sum(plan.invoice_ids.mapped("amount_residual_signed"))
            else:
                plan.amount_total = plan.amount_total

    @api.depends("line_ids.amount", "line_ids.date", "line_ids.is_down_payment")
    def _compute_down_payment(self):
        for plan in self:
            plan.down_payment = sum(plan.line_ids.filtered("is_down_payment").mapped("amount"))
            plan.last_date = max(plan.line_ids.mapped("date"), default=False)

    @api.depends(
        "date",
        "amount_total",
        "down_payment",
        "last_date",
        "company_id.ar_plan_max_months",
        "company_id.ar_plan_min_down_payment",
    )
    def _compute_policy(self):
        for plan in self:
            company = plan.company_id
            breaches = []
            if (
                plan.last_date
                and plan.date
                and plan.last_date > plan.date + relativedelta(months=company.ar_plan_max_months)
            ):
                breaches.append(
                    self.env._(
                        "lasts until %(date)s, longer than %(months)s months",
                        date=format_date(self.env, plan.last_date),
                        months=company.ar_plan_max_months,
                    )
                )
            if company.ar_plan_min_down_payment > 0 and plan.currency_id.compare_amounts(plan.amount_total, 0) > 0:
                share = plan.down_payment / plan.amount_total * 100
                if round(share, 2) < company.ar_plan_min_down_payment:
                    breaches.append(
                        self.env._(
                            "down payment of %(share)s%% under the %(minimum)s%% minimum",
                            share=round(share, 1),
                            minimum=company.ar_plan_min_down_payment,
                        )
                    )
            plan.policy_breach = "; ".join(breaches) or False
            plan.needs_approval = bool(breaches)

    def _compute_paid_amount(self):
        paid = self._origin._ar_paid_amounts()
        for plan in self:
            plan.paid_amount = paid.get(plan._origin.id, 0.0)
            plan.residual_amount = plan.currency_id.round(plan.amount_total - plan.paid_amount)

    @api.constrains("partner_id", "invoice_ids", "company_id")
    def _check_invoices(self):
        for plan in self:
            plan.sudo().invoice_ids._ar_check_invoices_of(plan.partner_id, plan.company_id)

    @api.model_create_multi
    def create(self, vals_list):
        self.env["ar.touchpoint"]._file_under_commercial_partner(vals_list)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("ar.payment.plan") or "/"
        return super().create(vals_list)

    def write(self, vals):
        vals = dict(vals)
        self.env["ar.touchpoint"]._file_under_commercial_partner([vals])
        return super().write(vals)

    # ------------------------------------------------------------------------------------
    # Actions

    def action_propose(self):
        """The collector offers the schedule to the customer."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only a draft plan can be proposed."))
            plan._ar_check_schedule()
        self.state = "proposed"
        self._ar_log(
            "payment",
            "out",
            lambda plan: self.env._(
                "Payment plan %(plan)s proposed: %(count)s installments from %(first)s to %(last)s",
                plan=plan.name,
                count=len(plan.line_ids),
                first=format_date(self.env, plan.line_ids[:1].date),
                last=format_date(self.env, plan.last_date),
            ),
        )

    def action_approve(self):
        """An AR manager accepts a plan outside the policy."""
        if not self.env.user.has_group("ar_relationship.group_ar_manager"):
            raise AccessError(self.env._("Only an AR manager can approve a payment plan outside the policy."))
        for plan in self:
            if plan.state not in ("draft", "proposed"):
                raise UserError(self.env._("Only a draft or proposed plan can be approved."))
        self.write({"approved_by_id": self.env.user.id, "approved_date": fields.Date.context_today(self)})

    def action_activate(self):
        """The customer agreed: its invoices leave follow-up while the plan is on schedule."""
        for plan in self:
            if plan.state not in ("draft", "proposed"):
                raise UserError(self.env._("Only a draft or proposed plan can start."))
            plan._ar_check_schedule()
            if plan.needs_approval and not plan.approved_by_id:
                raise UserError(
                    self.env._(
                        "%(plan)s is outside the policy (%(breach)s): an AR manager must approve it first.",
                        plan=plan.name,
                        breach=plan.policy_breach,
                    )
                )
        self.write({"state": "active", "at_risk": False})
        self._ar_log(
            "promise",
            "in",
            lambda plan: self.env._(
                "Agreed to payment plan %(plan)s: %(amount)s in %(count)s installments",
                plan=plan.name,
                amount=formatLang(self.env, plan.amount_total, currency_obj=plan.currency_id),
                count=len(plan.line_ids),
            ),
            outcome="promised",
        )
        self._ar_evaluate()

    def action_cancel(self):
        self.filtered(lambda plan: plan.state in ("draft", "proposed", "active")).write(
            {"state": "cancelled", "at_risk": False}
        )

    def action_draft(self):
        self.filtered(lambda plan: plan.state in ("proposed", "cancelled")).write(
            {"state": "draft", "approved_by_id": False, "approved_date": False}
        )

    # ------------------------------------------------------------------------------------
    # Schedule

    @api.model
    def _ar_installment_dates(self, frequency, start, count):
        """The dates of `count` installments from `start` at a regular `frequency`."""
        if frequency == "weekly":
            return [start + timedelta(weeks=index) for index in range(count)]
        if frequency == "biweekly":
            return [start + timedelta(weeks=2 * index) for index in range(count)]
        return [start + relativedelta(months=index) for index in range(count)]

    @api.model
    def _ar_split(self, amount, count, currency):
        """`amount` in `count` equal parts; the last one takes the rounding so they add up exactly."""
        part = currency.round(amount / count)
        return [part] * (count - 1) + [currency.round(amount - part * (count - 1))]

    def _ar_check_draft(self):
        """The schedule is what the customer and the approver saw: it changes only in draft."""
        if any(plan.state != "draft" for plan in self):
            raise UserError(self.env._("The installments of a plan change only in draft: set it back to draft first."))

    def _ar_check_schedule(self):
        self.ensure_one()
        if not self.invoice_ids:
            raise UserError(self.env._("Choose the invoices the plan pays."))
        if not self.line_ids:
            raise UserError(self.env._("A payment plan needs at least one installment."))
        total = sum(self.line_ids.mapped("amount"))
        if self.currency_id.compare_amounts(total, self.amount_total):
            raise UserError(
                self.env._(
                    "The installments add up to %(total)s but the plan covers %(covered)s: they must be equal.",
                    total=formatLang(self.env, total, currency_obj=self.currency_id),
                    covered=formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
                )
            )

    # ------------------------------------------------------------------------------------
    # Evaluation

    def _ar_paid_amounts(self):
        """{plan id: paid on its invoices since its start}, in one query for all plans."""
        paid = self.env["account.move"]._ar_payments_in_windows(
            {plan.id: (plan.sudo().invoice_ids.ids, plan.date, None) for plan in self if plan.id}
        )
        return {key: amount for key, (amount, _last_date) in paid.items()}

    def _ar_allocate(self, paid):
        """{installment: amount paid on it}: `paid` goes to the oldest installments first."""
        self.ensure_one()
        allocation = {}
        for line in self.line_ids.sorted(lambda line: (line.date, line.id)):
            allocation[line] = min(line.amount, max(0.0, self.currency_id.round(paid)))
            paid -= allocation[line]
        return allocation

    def _ar_evaluate(self):
        """Check the active plans among `self` against the payments received (one query for
        all): completed when everything is paid; at risk when an installment is missed (unpaid
        past its date plus the grace days); defaulted at the second missed installment or when
        the last one is missed."""
        plans = self.filtered(lambda plan: plan.state == "active")
        if not plans:
            return
        today = fields.Date.context_today(self)
        paid = plans._ar_paid_amounts()
        events = []
        for plan in plans:
            currency = plan.currency_id
            amount = paid.get(plan.id, 0.0)
            allocation = plan._ar_allocate(amount)
            grace = timedelta(days=plan.company_id.ar_grace_days)
            lines = plan.line_ids.sorted(lambda line: (line.date, line.id))
            missed = [
                line
                for line in lines
                if line.date + grace < today and currency.compare_amounts(allocation[line], line.amount) < 0
            ]
            values = {"evaluation_date": today}
            nothing_left = all(move.payment_state in ("paid", "in_payment", "reversed") for move in plan.invoice_ids)
            if currency.compare_amounts(amount, plan.amount_total) >= 0 or nothing_left:
                values.update(state="completed", at_risk=False)
                events.append((plan, "completed", missed, 0.0))
            elif len(missed) >= 2 or (missed and missed[-1] == lines[-1]):
                values.update(state="defaulted", at_risk=True)
                events.append((plan, "defaulted", missed, currency.round(plan.amount_total - amount)))
            elif missed and not plan.at_risk:
                values["at_risk"] = True
                events.append((plan, "at_risk", missed, 0.0))
            elif not missed and plan.at_risk:
                values["at_risk"] = False
                events.append((plan, "on_schedule", missed, 0.0))
            plan.write(values)
        self._ar_notify(events)

    @api.model
    def _ar_evaluate_invoices(self, invoices):
        """Check the active plans on `invoices`, after payments were reconciled with them."""
        self.search([("invoice_ids", "in", invoices.ids), ("state", "=", "active")])._ar_evaluate()

    def _ar_notify(self, events):
        """Log what happened to the plans on the timeline; a missed installment and a default
        give the collector a task, since follow-up resumes on the invoices."""
        vals_list = []
        for plan, event, missed, left in events:
            currency = plan.currency_id
            if event == "completed":
                summary = self.env._("Payment plan %(plan)s completed: all installments paid", plan=plan.name)
            elif event == "on_schedule":
                summary = self.env._("Payment plan %(plan)s back on schedule", plan=plan.name)
            elif event == "at_risk":
                summary = self.env._(
                    "Payment plan %(plan)s at risk: installment of %(amount)s due %(date)s missed",
                    plan=plan.name,
                    amount=formatLang(self.env, missed[0].amount, currency_obj=currency),
                    date=format_date(self.env, missed[0].date),
                )
            else:
                summary = self.env._(
                    "Payment plan %(plan)s defaulted: %(count)s installments missed, %(left)s left to pay",
                    plan=plan.name,
                    count=len(missed),
                    left=formatLang(self.env, left, currency_obj=currency),
                )
            vals_list.append(
                {
                    "partner_id": plan.partner_id.id,
                    "invoice_ids": [fields.Command.set(plan.invoice_ids.ids)],
                    "kind": "payment",
                    "direction": "in",
                    "outcome": "paid" if event == "completed" else False,
                    "summary": summary,
                    "company_id": plan.company_id.id,
                    "res_model": self._name,
                    "res_id": plan.id,
                }
            )
            if event in ("at_risk", "defaulted"):
                plan.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=(
                        self.env._("Call %(customer)s: payment plan defaulted", customer=plan.partner_id.name)
                        if event == "defaulted"
                        else self.env._("Call %(customer)s: installment missed", customer=plan.partner_id.name)
                    ),
                    note=summary,
                    user_id=(plan.partner_id.ar_collector_id or plan.user_id or self.env.user).id,
                )
        self.env["ar.touchpoint"]._log_system(vals_list)

    def _ar_log(self, kind, direction, summary, outcome=False):
        """Log a step of these plans taken by the current user on the customers' timelines."""
        self.env["ar.touchpoint"]._log_system(
            [
                {
                    "partner_id": plan.partner_id.id,
                    "contact_id": plan.contact_id.id,
                    "invoice_ids": [fields.Command.set(plan.invoice_ids.ids)],
                    "kind": kind,
                    "direction": direction,
                    "outcome": outcome,
                    "summary": summary(plan),
                    "is_automatic": False,
                    "company_id": plan.company_id.id,
                    "res_model": self._name,
                    "res_id": plan.id,
                }
                for plan in self
            ]
        )

    # ------------------------------------------------------------------------------------
    # Cron

    @api.model
    def _cron_ar_evaluate(self, batch_size=500):
        """Nightly: check the active plans not checked today, one batch per call; the cron runner
        calls again while some remain."""
        today = fields.Date.context_today(self)
        domain = [("state", "=", "active"), "|", ("evaluation_date", "=", False), ("evaluation_date", "<", today)]
        plans = self.search(domain, limit=batch_size, order="id")
        plans._ar_evaluate()
        self.env["ir.cron"]._notify_progress(done=len(plans), remaining=self.search_count(domain))

    # ------------------------------------------------------------------------------------
    # Demo

    @api.model
    def _load_demo(self):
        """Payment plans on the demo customers, dated from today (their invoices are generated
        at install, so XML cannot name them): one on schedule, one at risk, one awaiting an AR
        manager's approval. The down payments are real payments, reconciled."""
        today = fields.Date.context_today(self)
        collector = self.env.ref("ar_relationship.res_users_ar_collector_demo")
        currency = self.env.company.currency_id

        def overdue(key):
            partner = self.env.ref(f"ar_relationship.res_partner_ar_{key}_demo")
            promised = self.env["ar.promise"].search([("state", "=", "open")]).invoice_ids
            invoices = self.env["account.move"].search(
                [*partner._ar_open_invoices_domain(overdue_on=today), ("id", "not in", promised.ids)]
            )
            return partner, invoices

        def plan(partner, invoices, start, down_payment_share, dates):
            total = sum(invoices.mapped("amount_residual_signed"))
            down = currency.round(total * down_payment_share)
            lines = [{"date": start, "amount": down, "is_down_payment": True}] if down else []
            amounts = self._ar_split(total - down, len(dates), currency)
            lines += [{"date": day, "amount": amount} for day, amount in zip(dates, amounts, strict=True)]
            return self.create(
                {
                    "partner_id": partner.id,
                    "contact_id": partner.ar_billing_contact_id.id,
                    "invoice_ids": [fields.Command.set(invoices.ids)],
                    "user_id": collector.id,
                    "date": start,
                    "amount_total": total,
                    "line_ids": [fields.Command.create(vals) for vals in lines],
                }
            )

        # Prairie Wind Farms paid its down payment a month ago; the next installment is due soon.
        partner, invoices = overdue("chronic2")
        if invoices:
            start = today - timedelta(days=30)
            on_schedule = plan(partner, invoices, start, 0.2, [today + timedelta(days=5 + 30 * n) for n in range(3)])
            self._demo_pay(invoices[:1], on_schedule.line_ids[:1].amount, start)
            on_schedule.action_propose()
            on_schedule.action_activate()
        # Summit Outdoor Retail paid its down payment, then missed the installment of three weeks ago.
        partner, invoices = overdue("chronic5")
        if invoices:
            start = today - timedelta(days=50)
            at_risk = plan(partner, invoices, start, 0.1, [today - timedelta(days=20 - 30 * n) for n in range(3)])
            self._demo_pay(invoices[:1], at_risk.line_ids[:1].amount, start)
            at_risk.action_propose()
            at_risk.action_activate()
        # Atlas Plastics asks for nine months without a down payment: an AR manager decides.
        partner, invoices = overdue("chronic4")
        if invoices:
            start = today + timedelta(days=7)
            plan(partner, invoices, today, 0.0, [start + relativedelta(months=n) for n in range(9)]).action_propose()

    @api.model
    def _demo_pay(self, invoice, amount, day):
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", invoice.company_id.id)], limit=1
        )
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": day, "journal_id": bank.id, "amount": amount, "payment_difference_handling": "open"}
        )._create_payments()
