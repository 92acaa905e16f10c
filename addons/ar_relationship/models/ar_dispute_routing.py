from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ArDisputeRouting(models.Model):
    """Who handles a new dispute or deduction: the first rule, in sequence, that matches its
    reason, amount and customer tier gives it to a person or to a team. Without a matching
    rule, the reason's default owner or team takes it, else the customer's collector."""

    _name = "ar.dispute.routing"
    _description = "Dispute routing rule"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    reason_ids = fields.Many2many(
        "ar.reason.code",
        string="Reasons",
        domain=[("kind", "in", ("dispute", "deduction"))],
        help="The rule applies to these reasons only. Empty: to any reason, and to cases without one.",
    )
    min_amount = fields.Monetary(
        string="From amount",
        help="The rule applies to disputes of at least this amount. Zero: any amount.",
    )
    tier = fields.Selection(
        selection="_selection_tier",
        string="Customer tier",
        help="The rule applies to the customers of this tier only. Empty: any customer.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        domain=[("share", "=", False)],
        help="Who gets the matching disputes. Leave empty to give them to the team.",
    )
    team_id = fields.Many2one(
        "ar.dispute.team",
        domain="[('company_id', '=', company_id)]",
        help="The team of the matching disputes. Without an owner, its members take turns.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)

    @api.model
    def _selection_tier(self):
        return self.env["res.partner"]._fields["ar_tier"].selection

    @api.constrains("user_id", "team_id")
    def _check_assignee(self):
        for rule in self:
            if not rule.user_id and not rule.team_id:
                raise ValidationError(
                    self.env._("The rule %s gives its disputes to no one: set an owner or a team.", rule.name)
                )

    def _matches(self, dispute):
        self.ensure_one()
        return (
            self.company_id == dispute.company_id
            and (not self.reason_ids or dispute.reason_id in self.reason_ids)
            and self.currency_id.compare_amounts(dispute.amount, self.min_amount) >= 0
            and (not self.tier or dispute.partner_id.ar_tier == self.tier)
        )
