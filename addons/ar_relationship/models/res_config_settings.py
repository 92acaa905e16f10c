from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The company's AR settings (res_company.py), in Settings > Invoicing."""

    _inherit = "res.config.settings"

    # Follow-up
    ar_followup_scope = fields.Selection(related="company_id.ar_followup_scope", readonly=False)
    ar_followup_pilot_tag_id = fields.Many2one(related="company_id.ar_followup_pilot_tag_id", readonly=False)
    ar_loyal_years = fields.Integer(related="company_id.ar_loyal_years", readonly=False)
    ar_loyal_on_time_rate = fields.Float(related="company_id.ar_loyal_on_time_rate", readonly=False)
    ar_loyal_quiet_months = fields.Integer(related="company_id.ar_loyal_quiet_months", readonly=False)
    ar_followup_human_amount = fields.Monetary(related="company_id.ar_followup_human_amount", readonly=False)

    # Promises and payment plans
    ar_grace_days = fields.Integer(related="company_id.ar_grace_days", readonly=False)
    ar_plan_max_months = fields.Integer(related="company_id.ar_plan_max_months", readonly=False)
    ar_plan_min_down_payment = fields.Float(related="company_id.ar_plan_min_down_payment", readonly=False)

    # Disputes and deductions
    ar_writeoff_account_id = fields.Many2one(related="company_id.ar_writeoff_account_id", readonly=False)
    ar_writeoff_approval_amount = fields.Monetary(related="company_id.ar_writeoff_approval_amount", readonly=False)
    ar_deduction_max_amount = fields.Monetary(related="company_id.ar_deduction_max_amount", readonly=False)
    ar_deduction_max_percent = fields.Float(related="company_id.ar_deduction_max_percent", readonly=False)
