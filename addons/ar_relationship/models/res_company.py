from odoo import fields, models


# The company's AR settings (shown in Settings > Invoicing); the follow-up and collection
# settings of the engine are in res_company_followup.py and res_company_collection.py.
class ResCompany(models.Model):
    _inherit = "res.company"

    ar_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Write-off account",
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable')), ('deprecated', '=', False)]",
        help="Where the deductions and disputes accepted by write-off are posted, unless the person resolving "
        "chooses another account.",
    )
    ar_writeoff_approval_amount = fields.Monetary(
        string="Write-offs approved above",
        currency_field="currency_id",
        default=100.0,
        help="Writing off more than this takes an AR manager. Zero: collectors may write off any amount.",
    )
    ar_deduction_max_amount = fields.Monetary(
        string="Deductions up to",
        currency_field="currency_id",
        default=250.0,
        help="A payment that leaves at most this much open on an invoice (and at most the share below) proposes "
        "a deduction. Zero: payments propose none.",
    )
    ar_deduction_max_percent = fields.Float(
        string="Deductions up to (% of the invoice)",
        default=5.0,
        help="A payment that leaves at most this share of the invoice open (and at most the amount above) "
        "proposes a deduction.",
    )
