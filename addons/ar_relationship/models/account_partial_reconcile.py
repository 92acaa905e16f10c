from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        # An unreconciled payment makes its invoice open again: the customer's behaviour changes.
        # Marked after the deletion, which flushes: computed before it, the behaviour would be stale.
        partners = (
            (self.debit_move_id | self.credit_move_id)
            .filtered(lambda line: line.account_type == "asset_receivable")
            .partner_id
        )
        result = super().unlink()
        partners._ar_mark_behaviour_to_recompute()
        return result
