from odoo import api, fields, models

RESOLUTIONS = [("credit_note", "Valid: credit note"), ("write_off", "Valid: write-off"), ("rejected", "Invalid")]


class ArDisputeResolve(models.TransientModel):
    """The form behind the Valid and Invalid buttons of a dispute: how much is credited or
    written off, to which account and on which date, or what the customer is told."""

    _name = "ar.dispute.resolve"
    _description = "Resolve a dispute"

    dispute_id = fields.Many2one("ar.dispute", required=True, ondelete="cascade")
    resolution = fields.Selection(RESOLUTIONS, required=True, default="credit_note")
    currency_id = fields.Many2one(related="dispute_id.currency_id")
    company_id = fields.Many2one(related="dispute_id.company_id")
    disputed_amount = fields.Monetary(related="dispute_id.amount", string="Disputed")
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="Credited or written off: the disputed amount, or less when only part of it is accepted (the rest is "
        "due again).",
    )
    account_id = fields.Many2one(
        "account.account",
        string="Write off to",
        compute="_compute_account_id",
        store=True,
        readonly=False,
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable')), ('deprecated', '=', False)]",
    )
    date = fields.Date(
        string="Accounting date",
        required=True,
        default=fields.Date.context_today,
        help="Of the entry, and the resolution.",
    )
    message = fields.Html(
        string="Message to the customer",
        compute="_compute_message",
        store=True,
        readonly=False,
        help="Posted on the invoice and emailed to the customer's billing contact.",
    )
    needs_manager = fields.Boolean(compute="_compute_needs_manager")

    @api.depends("dispute_id")
    def _compute_amount(self):
        for wizard in self:
            invoice = wizard.dispute_id.invoice_id
            wizard.amount = min(wizard.dispute_id.amount, invoice.amount_residual_signed) if invoice else 0.0

    @api.depends("dispute_id")
    def _compute_account_id(self):
        for wizard in self:
            wizard.account_id = wizard.dispute_id.company_id.ar_writeoff_account_id

    @api.depends("dispute_id")
    def _compute_message(self):
        for wizard in self:
            wizard.message = wizard.dispute_id._ar_default_rejection_message() if wizard.dispute_id else False

    @api.depends("resolution", "amount", "dispute_id")
    def _compute_needs_manager(self):
        is_manager = self.env.user.has_group("ar_relationship.group_ar_manager")
        for wizard in self:
            dispute = wizard.dispute_id
            threshold = dispute.company_id.ar_writeoff_approval_amount
            wizard.needs_manager = not is_manager and (
                (wizard.resolution != "rejected" and dispute.reason_id.needs_approval)
                or (
                    wizard.resolution == "write_off"
                    and threshold
                    and wizard.currency_id.compare_amounts(wizard.amount, threshold) > 0
                )
            )

    def action_confirm(self):
        self.ensure_one()
        dispute = self.dispute_id
        if self.resolution == "credit_note":
            dispute._ar_resolve_credit_note(self.amount, self.date)
        elif self.resolution == "write_off":
            dispute._ar_resolve_write_off(self.amount, self.account_id, self.date)
        else:
            dispute._ar_reject(self.message, self.date)
        return {"type": "ir.actions.act_window_close"}
