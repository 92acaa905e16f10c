from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_portal_token_days = fields.Integer(related="company_id.ar_portal_token_days", readonly=False)
    ar_portal_token_actions = fields.Boolean(related="company_id.ar_portal_token_actions", readonly=False)
    ar_portal_promise_max_days = fields.Integer(related="company_id.ar_portal_promise_max_days", readonly=False)
