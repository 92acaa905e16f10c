from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_grace_days = fields.Integer(related="company_id.ar_grace_days", readonly=False)
    ar_plan_max_months = fields.Integer(related="company_id.ar_plan_max_months", readonly=False)
    ar_plan_min_down_payment = fields.Float(related="company_id.ar_plan_min_down_payment", readonly=False)
