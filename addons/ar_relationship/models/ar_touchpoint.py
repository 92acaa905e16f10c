from datetime import datetime, time

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang

KINDS = [
    ("call", "Call"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("letter", "Letter"),
    ("portal", "Portal"),
    ("note", "Note"),
    ("promise", "Promise"),
    ("dispute", "Dispute"),
    ("payment", "Payment"),
    ("reminder", "Reminder"),
]
OUTCOMES = [
    ("reached", "Reached"),
    ("no_answer", "No answer"),
    ("left_message", "Left message"),
    ("promised", "Promised"),
    ("disputed", "Disputed"),
    ("refused", "Refused"),
    ("paid", "Paid"),
]


class ArTouchpoint(models.Model):
    """One contact with a customer about money: a call, an email, a reminder sent, a payment
    received... The customer's timeline is the list of its touchpoints, newest first."""

    _name = "ar.touchpoint"
    _inherit = ["mail.thread"]
    _description = "Customer touchpoint"
    _order = "date desc, id desc"
    _rec_name = "summary"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        help="The customer's commercial entity: a touchpoint logged on a contact is filed under its company.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact reached",
        domain="[('commercial_partner_id', '=', partner_id)]",
        tracking=True,
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "ar_touchpoint_account_move_rel",
        "touchpoint_id",
        "move_id",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', 'in', ('out_invoice', 'out_refund')),"
        " ('state', '=', 'posted')]",
        tracking=True,
    )
    invoice_names = fields.Char(
        string="Invoice numbers",
        compute="_compute_invoice_names",
        store=True,
        help="The invoices concerned, readable by users without access to accounting.",
    )
    kind = fields.Selection(KINDS, required=True, default="call", tracking=True)
    direction = fields.Selection(
        [("out", "Outbound"), ("in", "Inbound")],
        required=True,
        default="out",
        tracking=True,
        help="Outbound: we contacted the customer. Inbound: the customer contacted us or acted.",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, tracking=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, index=True, tracking=True)
    summary = fields.Char(required=True, tracking=True)
    body = fields.Text(string="Details", tracking=True)
    outcome = fields.Selection(OUTCOMES, tracking=True)
    reason_id = fields.Many2one(
        "ar.reason.code",
        string="Late-payment reason",
        domain=[("kind", "=", "late_payment")],
        tracking=True,
        help="Why the customer says it has not paid, when it gives a reason.",
    )
    sentiment = fields.Selection(
        [("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")], tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    is_automatic = fields.Boolean(
        string="Logged by the system",
        readonly=True,
        help="Logged by Odoo itself (a reminder sent, a payment received...) rather than by a person.",
    )
    res_model = fields.Char(string="Source model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Source record",
        model_field="res_model",
        readonly=True,
        index=True,
        help="The record that logged this touchpoint, e.g. the payment's journal entry.",
    )

    @api.depends("invoice_ids.name")
    def _compute_invoice_names(self):
        for touchpoint in self:
            touchpoint.invoice_names = ", ".join(touchpoint.sudo().invoice_ids.mapped("name"))

    @api.constrains("partner_id", "contact_id", "invoice_ids")
    def _check_same_customer(self):
        for touchpoint in self:
            partner = touchpoint.partner_id
            if touchpoint.contact_id and touchpoint.contact_id.commercial_partner_id != partner:
                raise ValidationError(
                    self.env._(
                        "%(contact)s does not belong to %(customer)s.",
                        contact=touchpoint.contact_id.display_name,
                        customer=partner.display_name,
                    )
                )
            strangers = [move for move in touchpoint.sudo().invoice_ids if move.commercial_partner_id != partner]
            if strangers:
                raise ValidationError(
                    self.env._(
                        "%(invoices)s are not invoices of %(customer)s.",
                        invoices=", ".join(move.name for move in strangers),
                        customer=partner.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._file_under_commercial_partner(vals_list)
        # The chatter of a touchpoint records corrections; its creation is the touchpoint itself.
        records = super(ArTouchpoint, self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)).create(
            vals_list
        )
        return records.with_env(self.env)

    def write(self, vals):
        vals = dict(vals)
        self._file_under_commercial_partner([vals])
        return super().write(vals)

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        # The user of a touchpoint is who made the contact, not someone it is assigned to: no
        # follower to add, no "you have been assigned" email.
        return []

    def _file_under_commercial_partner(self, vals_list):
        partner_ids = {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        commercial = {
            partner.id: partner.commercial_partner_id.id for partner in self.env["res.partner"].browse(partner_ids)
        }
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = commercial[vals["partner_id"]]

    @api.model
    def _log_system(self, vals_list):
        """Log touchpoints on behalf of the system (a reminder sent, a portal action, a payment
        received, a promise kept or broken...). Works for any user, portal users included: the
        caller decides what happened, this only files it. Returns the new touchpoints (sudo)."""
        for vals in vals_list:
            vals.setdefault("is_automatic", True)
        return self.sudo().create(vals_list)

    @api.model
    def _log_payments(self, partials):
        """One touchpoint per payment and invoice newly reconciled by `partials`: the customer
        paid. Payments already logged for that invoice are skipped."""
        received = {}  # (payment move, invoice): amount, in the order the payments were applied
        for partial in partials.sorted("id"):
            invoice, payment = partial.debit_move_id.move_id, partial.credit_move_id.move_id
            if invoice.move_type != "out_invoice" or not (payment.origin_payment_id or payment.statement_line_id):
                continue
            received[payment, invoice] = received.get((payment, invoice), 0.0) + partial.amount
        if not received:
            return self.browse()
        # What each invoice had left to pay right after each payment: its residual now, plus the
        # payments applied after that one in the same reconciliation.
        residual_after, later = {}, {}
        for (payment, invoice), amount in reversed(received.items()):
            residual_after[payment, invoice] = invoice.amount_residual_signed + later.get(invoice, 0.0)
            later[invoice] = later.get(invoice, 0.0) + amount
        payments = self.env["account.move"].browse({payment.id for payment, _invoice in received})
        logged = self.sudo().search(
            [("kind", "=", "payment"), ("res_model", "=", "account.move"), ("res_id", "in", payments.ids)]
        )
        done = {(touchpoint.res_id, invoice.id) for touchpoint in logged for invoice in touchpoint.invoice_ids}
        today = fields.Date.context_today(self)
        vals_list = []
        for (payment, invoice), amount in received.items():
            if (payment.id, invoice.id) in done:
                continue
            summary = self._payment_summary(
                amount, invoice.name, residual_after[payment, invoice], invoice.company_currency_id
            )
            vals_list.append(
                {
                    "partner_id": invoice.commercial_partner_id.id,
                    "invoice_ids": [fields.Command.set(invoice.ids)],
                    "kind": "payment",
                    "direction": "in",
                    "outcome": "paid",
                    "date": self._event_datetime(payment.date, today),
                    "summary": summary,
                    "company_id": invoice.company_id.id,
                    "res_model": "account.move",
                    "res_id": payment.id,
                }
            )
        return self._log_system(vals_list)

    @api.model
    def _payment_summary(self, amount, invoice_name, residual, currency):
        """What a touchpoint says of a payment of `amount` on an invoice, `residual` left after it."""
        if currency.is_zero(residual):
            return self.env._(
                "Payment of %(amount)s received: %(invoice)s is paid",
                amount=formatLang(self.env, amount, currency_obj=currency),
                invoice=invoice_name,
            )
        return self.env._(
            "Payment of %(amount)s received on %(invoice)s, %(residual)s left to pay",
            amount=formatLang(self.env, amount, currency_obj=currency),
            invoice=invoice_name,
            residual=formatLang(self.env, residual, currency_obj=currency),
        )

    @api.model
    def _event_datetime(self, day, today):
        """When an event known by its date only happened: now for today's events; noon UTC for
        past ones, so that the date reads the same in every time zone from UTC-11 to UTC+12."""
        if day >= today:
            return fields.Datetime.now()
        return datetime.combine(day, time(12))
