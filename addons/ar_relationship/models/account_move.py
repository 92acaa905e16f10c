from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A new invoice changes the 12-month invoicing and, once due, the overdue amount.
        posted.filtered(lambda move: move.is_sale_document()).commercial_partner_id._ar_mark_behaviour_to_recompute()
        return posted
