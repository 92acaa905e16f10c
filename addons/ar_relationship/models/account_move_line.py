from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_pre_hook(self):
        data = super()._reconcile_pre_hook()
        # What the lines were matched with before: whatever is new afterwards is a payment (or
        # a credit note) just applied to them.
        data["ar_lines"] = self
        data["ar_partial_ids"] = set((self.matched_debit_ids | self.matched_credit_ids).ids)
        return data

    def _reconcile_post_hook(self, data):
        result = super()._reconcile_post_hook(data)
        lines = data["ar_lines"].filtered(lambda line: line.account_type == "asset_receivable")
        if lines:
            partials = (lines.matched_debit_ids | lines.matched_credit_ids).filtered(
                lambda partial: partial.id not in data["ar_partial_ids"]
            )
            self.env["ar.touchpoint"]._log_payments(partials)
            self.env["ar.dispute"]._ar_on_reconcile(partials)
            lines.partner_id._ar_mark_behaviour_to_recompute()
        invoices = self.move_id.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            # A payment keeps promises and pays installments whoever registers it: an accountant
            # without AR rights included.
            self.env["ar.promise"].sudo()._ar_evaluate_invoices(invoices)
            self.env["ar.payment.plan"].sudo()._ar_evaluate_invoices(invoices)
        return result
