from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_portal_token_days = fields.Integer(
        string="Account links valid for (days)",
        default=30,
        help="How long the link to the account page sent in reminders opens it without a password.",
    )
    ar_portal_token_actions = fields.Boolean(
        string="Promises, disputes and plans through links",
        help="Let whoever opens the account page through a reminder's link also promise to pay, dispute an "
        "invoice or ask for a payment plan. Off: reading and paying only; the rest takes a portal login.",
    )
    ar_portal_promise_max_days = fields.Integer(
        string="Promises from the portal up to (days)",
        default=30,
        help="A customer can promise on the portal to pay at most this many days from today; a longer delay "
        "takes a call with the collector.",
    )
