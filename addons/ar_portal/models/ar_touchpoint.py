from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html
from odoo.tools.misc import format_date, formatLang


class ArTouchpoint(models.Model):
    _inherit = "ar.touchpoint"

    @api.model
    def _ar_remittance_from_portal(self, partner, amounts, reference, paid_on, contact=None, evidence=None):
        """A remittance advice sent by the customer: which of its invoices a bank transfer pays,
        `amounts` being {invoice: amount}. It becomes a touchpoint on the customer's timeline and
        a note, with the bank's advice, on each invoice for whoever matches the transfer with
        them. The caller has checked that the invoices are `partner`'s. Returns the touchpoint."""
        partner = partner.commercial_partner_id
        currency = partner.env.company.currency_id
        today = fields.Date.context_today(self)
        if not amounts:
            raise UserError(self.env._("Enter the amount the transfer pays on at least one invoice."))
        for invoice, amount in amounts.items():
            if invoice.commercial_partner_id != partner:
                raise UserError(self.env._("Choose among your open invoices."))
            if currency.compare_amounts(amount, 0) <= 0:
                raise UserError(self.env._("Enter the amount for %s above zero.", invoice.name))
            if currency.compare_amounts(amount, invoice.amount_residual_signed) > 0:
                raise UserError(
                    self.env._(
                        "%(invoice)s has %(residual)s left to pay: the transfer cannot pay more on it.",
                        invoice=invoice.name,
                        residual=formatLang(self.env, invoice.amount_residual_signed, currency_obj=currency),
                    )
                )
        if not reference:
            raise UserError(self.env._("Enter the transfer's reference."))
        if paid_on > today:
            raise UserError(self.env._("The transfer's date is in the future: send the advice once it is made."))
        first = min(amounts, key=lambda invoice: invoice.invoice_date or today)
        if first.invoice_date and paid_on < first.invoice_date:
            raise UserError(
                self.env._(
                    "The transfer's date is before %(invoice)s was issued: check the date, or call us about a "
                    "payment made in advance.",
                    invoice=first.name,
                )
            )
        total = currency.round(sum(amounts.values()))
        detail = "\n".join(
            f"{invoice.name}: {formatLang(self.env, amount, currency_obj=currency)}"
            for invoice, amount in amounts.items()
        )
        summary = self.env._(
            "Remittance advice: %(amount)s by bank transfer %(reference)s on %(date)s",
            amount=formatLang(self.env, total, currency_obj=currency),
            reference=reference,
            date=format_date(self.env, paid_on),
        )
        invoices = self.env["account.move"].sudo().browse([invoice.id for invoice in amounts])
        touchpoint = self._log_system(
            [
                {
                    "partner_id": partner.id,
                    "contact_id": contact.id if contact else False,
                    "invoice_ids": [Command.set(invoices.ids)],
                    "kind": "portal",
                    "direction": "in",
                    "summary": summary,
                    "body": detail,
                    "date": self._event_datetime(paid_on, today),
                    "is_automatic": False,
                    "company_id": partner.env.company.id,
                }
            ]
        )
        # Each invoice keeps its own copy of the bank advice: whoever applies the cash opens one.
        for invoice in invoices:
            invoice.message_post(
                body=plaintext2html(f"{summary}\n{detail}"),
                author_id=(contact or partner).id,
                attachments=evidence or [],
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return touchpoint

    @api.model
    def _ar_portal_load_demo(self):
        """A remittance advice from the chronic late payer, on its oldest open invoice (its
        invoices are generated at install, so XML cannot name them)."""
        partner = self.env.ref("ar_relationship.res_partner_ar_chronic1_demo")
        invoice = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
            ],
            order="invoice_date_due",
            limit=1,
        )
        if invoice:
            self._ar_remittance_from_portal(
                partner,
                {invoice: invoice.company_currency_id.round(invoice.amount_residual_signed / 2)},
                "RC-TRF-0917",
                fields.Date.context_today(self),
                contact=partner._ar_statement_contact(),
            )
