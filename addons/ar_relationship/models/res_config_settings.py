from odoo import fields, models


# The AR settings of the company (see res_company.py), in Settings > Invoicing.
class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_writeoff_account_id = fields.Many2one(related="company_id.ar_writeoff_account_id", readonly=False)
    ar_writeoff_approval_amount = fields.Monetary(related="company_id.ar_writeoff_approval_amount", readonly=False)
    ar_deduction_max_amount = fields.Monetary(related="company_id.ar_deduction_max_amount", readonly=False)
    ar_deduction_max_percent = fields.Float(related="company_id.ar_deduction_max_percent", readonly=False)
