from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_post_hook(self, data):
        result = super()._reconcile_post_hook(data)
        invoices = self.move_id.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            # A payment keeps promises and pays installments whoever registers it: an accountant
            # without AR rights included.
            self.env["ar.promise"].sudo()._ar_evaluate_invoices(invoices)
            self.env["ar.payment.plan"].sudo()._ar_evaluate_invoices(invoices)
        return result
