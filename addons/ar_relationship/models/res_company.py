from odoo import fields, models


class ResCompany(models.Model):
    """The company's AR settings, shown in Settings > Invoicing."""

    _inherit = "res.company"

    # Follow-up
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

    # Promises and payment plans
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

    # Disputes and deductions
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
