from odoo import fields, models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    ar_deduction = fields.Boolean(
        string="Record the difference as a deduction",
        help="The customer paid less on purpose: what is left open on the invoice becomes a deduction to "
        "investigate, out of follow-up until it is resolved.",
    )
    ar_deduction_reason_id = fields.Many2one(
        "ar.reason.code",
        string="Deduction reason",
        domain=[("kind", "=", "deduction")],
        help="Why the customer deducted, when it says. Leave empty to qualify it later.",
    )

    def _create_payments(self):
        payments = super()._create_payments()
        if self.ar_deduction and self.payment_difference_handling == "open":
            invoices = self.line_ids.move_id.filtered(lambda move: move.move_type == "out_invoice")
            # Whoever registers the payment records the deduction, an accountant without AR rights included.
            self.env["ar.dispute"].sudo()._ar_record_deductions(
                invoices, self.ar_deduction_reason_id, self.payment_date
            )
        return payments
