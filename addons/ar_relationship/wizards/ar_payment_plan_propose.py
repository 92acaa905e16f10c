from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context, format_date, formatLang

from ..models.ar_payment_plan import FREQUENCIES

# The first installment falls one period after the down payment.
FIRST_INSTALLMENT = {
    "weekly": relativedelta(weeks=1),
    "biweekly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
    "custom": relativedelta(months=1),
}


class ArPaymentPlanPropose(models.TransientModel):
    """The "Propose payment plan" form: the overdue invoices of one customer, a down payment
    and installments at a frequency or on dates of the collector's choice. It shows the
    schedule before proposing it."""

    _name = "ar.payment.plan.propose"
    _description = "Propose a payment plan"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    contact_id = fields.Many2one(
        "res.partner", string="Agreed with", domain="[('commercial_partner_id', '=', partner_id)]"
    )
    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_total = fields.Monetary(
        string="Covered amount", compute="_compute_amount_total", store=True, help="Left to pay on the invoices."
    )
    down_payment = fields.Monetary(
        compute="_compute_down_payment",
        store=True,
        readonly=False,
        help="Paid first, on the day below. The policy's minimum by default.",
    )
    down_payment_date = fields.Date(default=fields.Date.context_today)
    frequency = fields.Selection(
        FREQUENCIES,
        required=True,
        default="monthly",
        help="Custom dates: change the dates and amounts of the schedule below, then Spread evenly if you like.",
    )
    installment_count = fields.Integer(string="Installments", default=3, help="Not counting the down payment.")
    start_date = fields.Date(
        string="First installment",
        compute="_compute_start_date",
        store=True,
        readonly=False,
    )
    line_ids = fields.One2many(
        "ar.payment.plan.propose.line",
        "wizard_id",
        string="Schedule",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    policy_note = fields.Char(compute="_compute_policy_note")

    @api.depends("invoice_ids")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = sum(wizard.invoice_ids.mapped("amount_residual_signed"))

    @api.depends("amount_total")
    def _compute_down_payment(self):
        for wizard in self:
            share = wizard.company_id.ar_plan_min_down_payment / 100
            wizard.down_payment = wizard.currency_id.round(wizard.amount_total * share)

    @api.depends("frequency", "down_payment_date")
    def _compute_start_date(self):
        for wizard in self:
            start = wizard.down_payment_date or fields.Date.context_today(self)
            wizard.start_date = start + FIRST_INSTALLMENT[wizard.frequency]

    @api.depends("frequency", "installment_count", "start_date", "down_payment", "down_payment_date", "amount_total")
    def _compute_line_ids(self):
        for wizard in self:
            installments = wizard.line_ids.filtered(lambda line: not line.is_down_payment)
            if wizard.frequency == "custom" and installments:
                # The collector's own dates stay; only the amounts follow the new total.
                dates = sorted(installments.mapped("date"))
            elif wizard.start_date and wizard.installment_count > 0:
                dates = self.env["ar.payment.plan"]._ar_installment_dates(
                    wizard.frequency, wizard.start_date, wizard.installment_count
                )
            else:
                dates = []
            wizard.line_ids = [Command.clear()] + [Command.create(vals) for vals in wizard._schedule(dates)]

    @api.depends("line_ids", "down_payment", "amount_total")
    def _compute_policy_note(self):
        for wizard in self:
            company = wizard.company_id
            notes = []
            last = max(wizard.line_ids.filtered("date").mapped("date"), default=False)
            today = fields.Date.context_today(self)
            if last and last > today + relativedelta(months=company.ar_plan_max_months):
                notes.append(self.env._("longer than %(months)s months", months=company.ar_plan_max_months))
            if wizard.amount_total > 0 and wizard.down_payment / wizard.amount_total * 100 < round(
                company.ar_plan_min_down_payment, 2
            ):
                notes.append(self.env._("down payment under %(minimum)s%%", minimum=company.ar_plan_min_down_payment))
            wizard.policy_note = (
                self.env._("Outside the policy (%s): an AR manager will approve it.", "; ".join(notes))
                if notes
                else False
            )

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "account.move" and context.get("active_ids"):
            defaults.setdefault("invoice_ids", [Command.set(context["active_ids"])])
        if context.get("active_model") == "res.partner" and context.get("active_id"):
            defaults.setdefault("partner_id", context["active_id"])
        invoice_ids = self._fields["invoice_ids"].convert_to_cache(defaults.get("invoice_ids", []), self)
        invoices = self.env["account.move"].browse(invoice_ids)
        if invoices:
            if len(invoices.commercial_partner_id) > 1:
                raise UserError(self.env._("A payment plan is for the invoices of one customer."))
            defaults.setdefault("partner_id", invoices.commercial_partner_id.id)
        if not defaults.get("partner_id"):
            return defaults
        partner = self.env["res.partner"].browse(defaults["partner_id"]).commercial_partner_id
        defaults["partner_id"] = partner.id
        if not invoices:
            overdue = self.env["account.move"].search(
                [
                    *partner._ar_open_invoices_domain(overdue_on=fields.Date.context_today(self)),
                    ("company_id", "in", self.env.companies.ids),
                ]
            )
            defaults["invoice_ids"] = [Command.set(overdue.ids)]
        if partner.ar_billing_contact_id:
            defaults.setdefault("contact_id", partner.ar_billing_contact_id.id)
        return defaults

    def _schedule(self, dates):
        """The lines of the schedule: the down payment, then the rest in equal installments on
        `dates`; the last installment takes the rounding so that all add up to the total."""
        self.ensure_one()
        lines = []
        rest = self.amount_total
        if self.currency_id.compare_amounts(self.down_payment, 0) > 0:
            lines.append({"date": self.down_payment_date, "amount": self.down_payment, "is_down_payment": True})
            rest -= self.down_payment
        if dates:
            amounts = self.env["ar.payment.plan"]._ar_split(rest, len(dates), self.currency_id)
            lines += [{"date": day, "amount": amount} for day, amount in zip(dates, amounts, strict=True)]
        return lines

    def action_spread(self):
        """Custom dates: share what the down payment leaves equally over the dates chosen."""
        self.ensure_one()
        installments = self.line_ids.filtered(lambda line: not line.is_down_payment)
        if not installments.filtered("date"):
            raise UserError(self.env._("Add the dates of the installments first."))
        self.line_ids = [Command.clear()] + [
            Command.create(vals) for vals in self._schedule(sorted(installments.filtered("date").mapped("date")))
        ]
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Propose payment plan"),
        }

    def action_propose(self):
        self.ensure_one()
        self._check_plan()
        plan = self.env(context=clean_context(self.env.context))["ar.payment.plan"].create(
            {
                "partner_id": self.partner_id.id,
                "contact_id": self.contact_id.id,
                "invoice_ids": [Command.set(self.invoice_ids.ids)],
                "company_id": self.invoice_ids.company_id.id,
                "frequency": self.frequency,
                "amount_total": self.amount_total,
                "line_ids": [
                    Command.create({"date": line.date, "amount": line.amount, "is_down_payment": line.is_down_payment})
                    for line in self.line_ids
                ],
            }
        )
        plan.action_propose()
        return {
            "type": "ir.actions.act_window",
            "res_model": "ar.payment.plan",
            "res_id": plan.id,
            "view_mode": "form",
            "target": "current",
        }

    def _check_plan(self):
        currency = self.currency_id
        if not self.invoice_ids:
            raise UserError(self.env._("Choose the overdue invoices the plan pays."))
        paid = self.invoice_ids.filtered(lambda move: move.payment_state not in ("not_paid", "partial"))
        if paid:
            raise UserError(
                self.env._("%(invoices)s have nothing left to pay.", invoices=", ".join(paid.mapped("name")))
            )
        if len(self.invoice_ids.company_id) > 1:
            raise UserError(self.env._("A payment plan is for the invoices of one company."))
        planned = self.env["ar.payment.plan"].search(
            [("invoice_ids", "in", self.invoice_ids.ids), ("state", "in", ("draft", "proposed", "active"))]
        )
        if planned:
            raise UserError(
                self.env._(
                    "%(invoices)s are already in payment plan %(plans)s.",
                    invoices=", ".join((planned.invoice_ids & self.invoice_ids).mapped("name")),
                    plans=", ".join(planned.mapped("name")),
                )
            )
        if self.frequency != "custom" and self.installment_count < 1:
            raise UserError(self.env._("A payment plan has at least one installment after the down payment."))
        if currency.compare_amounts(self.down_payment, 0) < 0 or (
            currency.compare_amounts(self.down_payment, self.amount_total) >= 0
        ):
            raise UserError(
                self.env._(
                    "The down payment must be between zero and %(total)s, the amount the plan covers.",
                    total=formatLang(self.env, self.amount_total, currency_obj=currency),
                )
            )
        if not self.line_ids.filtered(lambda line: not line.is_down_payment):
            raise UserError(self.env._("A payment plan has at least one installment after the down payment."))
        today = fields.Date.context_today(self)
        for line in self.line_ids.sorted("date"):
            if not line.date:
                raise UserError(self.env._("Each installment needs a date."))
            if line.date < today:
                raise UserError(
                    self.env._("The installment of %(date)s is in the past.", date=format_date(self.env, line.date))
                )
            if currency.compare_amounts(line.amount, 0) <= 0:
                raise UserError(
                    self.env._("The installment of %(date)s must be above zero.", date=format_date(self.env, line.date))
                )
        total = sum(self.line_ids.mapped("amount"))
        if currency.compare_amounts(total, self.amount_total):
            raise UserError(
                self.env._(
                    "The installments add up to %(total)s but %(covered)s is left to pay on the invoices: "
                    "change the amounts or use Spread evenly.",
                    total=formatLang(self.env, total, currency_obj=currency),
                    covered=formatLang(self.env, self.amount_total, currency_obj=currency),
                )
            )
