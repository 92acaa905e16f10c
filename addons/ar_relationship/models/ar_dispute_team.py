from odoo import fields, models


class ArDisputeTeam(models.Model):
    """People who handle disputes and deductions together: a dispute routed to the team goes
    to its members in turn."""

    _name = "ar.dispute.team"
    _description = "Dispute team"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    user_ids = fields.Many2many(
        "res.users",
        string="Members",
        domain=[("share", "=", False)],
        help="Disputes routed to the team go to these people in turn.",
    )
    last_user_id = fields.Many2one(
        "res.users",
        string="Last assigned",
        readonly=True,
        help="The member who got the team's last dispute: the next one goes to the member after.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    active = fields.Boolean(default=True)

    def _next_user(self):
        """The member whose turn it is (round robin in a fixed order), remembered as the last
        assigned; no one when the team has no active member."""
        self.ensure_one()
        members = self.user_ids.filtered("active").sorted("id")
        if not members:
            return members
        last = self.last_user_id
        index = list(members).index(last) + 1 if last in members else 0
        user = members[index % len(members)]
        # Whoever opens the dispute takes the turn, collectors and portal customers included.
        self.sudo().last_user_id = user
        return user
