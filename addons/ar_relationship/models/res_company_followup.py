from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_followup_scope = fields.Selection(
        [("all", "All customers"), ("pilot", "Pilot customers only")],
        string="Automatic follow-up for",
        default="all",
        required=True,
    )
    ar_followup_pilot_tag_id = fields.Many2one("res.partner.category", string="Pilot tag")
    ar_loyal_years = fields.Integer(string="Loyal after (years)", default=3)
    ar_loyal_on_time_rate = fields.Float(string="Loyal from on-time rate (%)", default=90.0)
    ar_loyal_quiet_months = fields.Integer(string="First late payment in (months)", default=12)
    ar_followup_human_amount = fields.Monetary(
        string="Routed to a person above",
        currency_field="currency_id",
        default=10000.0,
    )
