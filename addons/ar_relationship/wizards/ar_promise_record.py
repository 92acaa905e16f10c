from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context, formatLang

from ..models.ar_promise import CHANNELS


class ArPromiseRecord(models.TransientModel):
    """The "Record promise" form, opened from a customer, its invoices or a worklist row
    (active_model res.partner or account.move), or with default_partner_id /
    default_invoice_ids in the context."""

    _name = "ar.promise.record"
    _description = "Record a promise to pay"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    contact_id = fields.Many2one(
        "res.partner", string="Promised by", domain="[('commercial_partner_id', '=', partner_id)]"
    )
    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    residual_amount = fields.Monetary(string="Left to pay", compute="_compute_residual_amount")
    amount = fields.Monetary(
        compute="_compute_amount", store=True, readonly=False, help="What the customer promises to pay."
    )
    promise_date = fields.Date(string="Pay by", required=True)
    channel = fields.Selection(CHANNELS, default="call", required=True)
    reason_id = fields.Many2one(
        "ar.reason.code",
        string="Late-payment reason",
        domain=[("kind", "=", "late_payment")],
        help="Why the customer has not paid yet, when it says.",
    )
    note = fields.Text()

    @api.depends("invoice_ids")
    def _compute_residual_amount(self):
        for wizard in self:
            wizard.residual_amount = sum(wizard.invoice_ids.mapped("amount_residual_signed"))

    @api.depends("invoice_ids")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.residual_amount

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "account.move" and context.get("active_ids"):
            defaults.setdefault("invoice_ids", [fields.Command.set(context["active_ids"])])
        if context.get("active_model") == "res.partner" and context.get("active_id"):
            defaults.setdefault("partner_id", context["active_id"])
        invoice_ids = self._fields["invoice_ids"].convert_to_cache(defaults.get("invoice_ids", []), self)
        invoices = self.env["account.move"].browse(invoice_ids)
        if invoices:
            if len(invoices.commercial_partner_id) > 1:
                raise UserError(self.env._("Record a promise on the invoices of one customer at a time."))
            defaults.setdefault("partner_id", invoices.commercial_partner_id.id)
        if not defaults.get("partner_id"):
            return defaults
        partner = self.env["res.partner"].browse(defaults["partner_id"]).commercial_partner_id
        defaults["partner_id"] = partner.id
        if not invoices:
            # A customer's promise is usually about what is overdue, else about what is open.
            open_invoices = self._open_invoices(partner)
            overdue = open_invoices.filtered(lambda move: move.invoice_date_due < fields.Date.context_today(self))
            defaults["invoice_ids"] = [fields.Command.set((overdue or open_invoices).ids)]
        if partner.ar_billing_contact_id:
            defaults.setdefault("contact_id", partner.ar_billing_contact_id.id)
        return defaults

    def _open_invoices(self, partner):
        return self.env["account.move"].search(
            [*partner._ar_open_invoices_domain(), ("company_id", "in", self.env.companies.ids)]
        )

    def action_record(self):
        self.ensure_one()
        self._check_promise()
        # The defaults the caller gave the wizard are not meant for the promise's own records.
        self.env(context=clean_context(self.env.context))["ar.promise"].create(
            {
                "partner_id": self.partner_id.id,
                "contact_id": self.contact_id.id,
                "invoice_ids": [fields.Command.set(self.invoice_ids.ids)],
                "amount": self.amount,
                "promise_date": self.promise_date,
                "channel": self.channel,
                "reason_id": self.reason_id.id,
                "note": self.note,
                "company_id": self.invoice_ids.company_id.id,
            }
        )
        return {"type": "ir.actions.act_window_close"}

    def _check_promise(self):
        if not self.invoice_ids:
            raise UserError(self.env._("Choose the invoices the customer promises to pay."))
        paid = self.invoice_ids.filtered(lambda move: move.payment_state not in ("not_paid", "partial"))
        if paid:
            raise UserError(
                self.env._("%(invoices)s have nothing left to pay.", invoices=", ".join(paid.mapped("name")))
            )
        if len(self.invoice_ids.company_id) > 1:
            raise UserError(self.env._("Record a promise on the invoices of one company at a time."))
        currency = self.invoice_ids.company_id.currency_id
        if currency.compare_amounts(self.amount, 0) <= 0:
            raise UserError(self.env._("The promised amount must be above zero."))
        if currency.compare_amounts(self.amount, self.residual_amount) > 0:
            raise UserError(
                self.env._(
                    "The customer promises %(amount)s but only %(residual)s is left to pay on these invoices.",
                    amount=formatLang(self.env, self.amount, currency_obj=currency),
                    residual=formatLang(self.env, self.residual_amount, currency_obj=currency),
                )
            )
        if self.promise_date < fields.Date.context_today(self):
            raise UserError(self.env._("The promised date is in the past: a promise is about a payment to come."))
