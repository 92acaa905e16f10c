from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ArReasonCode(models.Model):
    """Why a customer pays late, disputes an invoice or deducts from a payment, in words the
    whole team shares, so that the reasons can be counted and routed."""

    _name = "ar.reason.code"
    _description = "Receivable reason code"
    _order = "kind, sequence, name"
    _rec_names_search = ["name", "code"]

    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, help="Short identifier used in reports and imports, unique per kind.")
    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(
        [("late_payment", "Late payment"), ("dispute", "Dispute"), ("deduction", "Deduction")],
        required=True,
        default="late_payment",
        help="Late payment: why the customer has not paid yet. Dispute: why it contests an invoice. "
        "Deduction: why it paid less than invoiced.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Default owner",
        domain=[("share", "=", False)],
        help="Who handles the disputes and deductions given this reason when no routing rule assigns them.",
    )
    team_id = fields.Many2one(
        "ar.dispute.team",
        string="Default team",
        help="The team that handles the disputes and deductions given this reason when no routing rule assigns "
        "them: its members take turns. Used when no default owner is set.",
    )
    deadline_days = fields.Integer(
        string="Deadline (days)",
        default=30,
        help="Days from the opening of a dispute or deduction with this reason to the date it should be resolved.",
    )
    needs_approval = fields.Boolean(
        help="Disputes and deductions with this reason are accepted (credit note or write-off) by an AR manager only."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Leave empty to use the reason in every company.")

    @api.constrains("deadline_days")
    def _check_deadline_days(self):
        if any(reason.deadline_days < 0 for reason in self):
            raise ValidationError(self.env._("A deadline is a number of days from zero up."))

    @api.constrains("code", "kind", "company_id")
    def _check_code_unique(self):
        # A reason for every company clashes with the same code in any company.
        others = self.with_context(active_test=False).search([("code", "in", self.mapped("code"))])
        for reason in self:
            for other in others - reason:
                same_scope = not reason.company_id or not other.company_id or reason.company_id == other.company_id
                if other.code == reason.code and other.kind == reason.kind and same_scope:
                    raise ValidationError(
                        self.env._("The code %s is already used by another reason of this kind.", reason.code)
                    )
