from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date, formatLang


class ArPromise(models.Model):
    _inherit = "ar.promise"

    @api.model
    def _ar_create_from_portal(self, partner, invoices, amount, promise_date, note=None, contact=None):
        """A promise sent by the customer from its account page. The back office's own checks
        (the "Record promise" form's) apply, then the portal's policy on how far the date may
        be; messages are meant for the customer. The caller has checked that `invoices` are
        `partner`'s. Returns the promise (sudo)."""
        partner = partner.commercial_partner_id
        if not invoices or any(move.commercial_partner_id != partner for move in invoices):
            raise UserError(self.env._("Choose among your open invoices."))
        promise_date = fields.Date.to_date(promise_date)
        today = fields.Date.context_today(self)
        company = invoices.company_id[:1]
        latest = today + timedelta(days=company.ar_portal_promise_max_days)
        if promise_date > latest:
            raise UserError(
                self.env._(
                    "You can promise a payment up to %(date)s on this page; for a later date, please call us.",
                    date=format_date(self.env, latest),
                )
            )
        form = (
            self.env["ar.promise.record"]
            .sudo()
            .new(
                {
                    "partner_id": partner.id,
                    "invoice_ids": [Command.set(invoices.ids)],
                    "company_id": company.id,
                    "amount": amount,
                    "promise_date": promise_date,
                    "channel": "portal",
                }
            )
        )
        form.amount = amount
        currency = company.currency_id
        if currency.compare_amounts(amount, form.residual_amount) > 0:
            raise UserError(
                self.env._(
                    "You can promise only up to %(residual)s: what is left to pay on these invoices.",
                    residual=formatLang(self.env, form.residual_amount, currency_obj=currency),
                )
            )
        form._check_promise()
        return (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "contact_id": contact.id if contact else False,
                    "invoice_ids": [Command.set(invoices.ids)],
                    "company_id": company.id,
                    "amount": amount,
                    "promise_date": promise_date,
                    "channel": "portal",
                    "user_id": self.env.user.id,
                    "note": note or False,
                }
            )
        )
