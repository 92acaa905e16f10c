from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_followup_level_id = fields.Many2one(
        "ar.followup.level",
        string="Follow-up level",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The last follow-up level taken on this invoice.",
    )
    ar_followup_date = fields.Date(string="Last follow-up", copy=False, readonly=True)
    ar_followup_blocked = fields.Boolean(
        string="Follow-up blocked",
        copy=False,
        tracking=True,
        help="No reminder for this invoice until unblocked.",
    )
    ar_days_overdue = fields.Integer(string="Days overdue", compute="_compute_ar_days_overdue")

    @api.depends("invoice_date_due")
    @api.depends_context("date")
    def _compute_ar_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            due = move.invoice_date_due
            move.ar_days_overdue = max((today - due).days, 0) if due else 0

    def _ar_followup_exclusions(self):
        """{invoice id: why it is out of follow-up today} for the invoices of `self` that the
        follow-up engine must leave alone: blocked, or in dispute for all that is left to pay
        (an invoice disputed in part is followed up for the rest)."""
        reasons = {}
        disputed = self._ar_disputed_amounts()
        for move in self:
            texts = []
            if move.ar_followup_blocked:
                texts.append(self.env._("%s is blocked for follow-up", move.name))
            if (
                move.id in disputed
                and move.company_currency_id.compare_amounts(disputed[move.id], move.amount_residual_signed) >= 0
            ):
                texts.append(self.env._("%s in dispute", move.name))
            if texts:
                reasons[move.id] = "; ".join(texts)
        return reasons
