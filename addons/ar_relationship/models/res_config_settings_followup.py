from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_followup_scope = fields.Selection(related="company_id.ar_followup_scope", readonly=False)
    ar_followup_pilot_tag_id = fields.Many2one(related="company_id.ar_followup_pilot_tag_id", readonly=False)
    ar_loyal_years = fields.Integer(related="company_id.ar_loyal_years", readonly=False)
    ar_loyal_on_time_rate = fields.Float(related="company_id.ar_loyal_on_time_rate", readonly=False)
    ar_loyal_quiet_months = fields.Integer(related="company_id.ar_loyal_quiet_months", readonly=False)
    ar_followup_human_amount = fields.Monetary(related="company_id.ar_followup_human_amount", readonly=False)
