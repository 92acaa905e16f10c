from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_grace_days = fields.Integer(
        string="Grace days",
        default=3,
        help="Days a promise to pay or a payment plan installment may be late before it counts as "
        "broken or missed: payments take a few days to reach the bank.",
    )
    ar_plan_max_months = fields.Integer(
        string="Longest payment plan (months)",
        default=6,
        help="A payment plan whose last installment falls later than this after its start needs an "
        "AR manager's approval.",
    )
    ar_plan_min_down_payment = fields.Float(
        string="Minimum down payment (%)",
        default=10.0,
        help="A payment plan whose down payment is less than this share of the amount it covers needs "
        "an AR manager's approval. 0 accepts plans without down payment.",
    )
