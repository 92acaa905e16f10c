from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ArPaymentPlanLine(models.Model):
    """One installment of a payment plan: what is due on which date, and how much of it the
    customer's payments have covered so far."""

    _name = "ar.payment.plan.line"
    _description = "Payment plan installment"
    _order = "plan_id, date, id"

    plan_id = fields.Many2one("ar.payment.plan", required=True, index=True, ondelete="cascade")
    date = fields.Date(string="Due date", required=True)
    amount = fields.Monetary(required=True)
    is_down_payment = fields.Boolean(string="Down payment")
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    paid_amount = fields.Monetary(
        string="Paid",
        compute="_compute_paid",
        help="The payments received since the start of the plan pay the oldest installments first.",
    )
    status = fields.Selection(
        [("paid", "Paid"), ("due", "Due"), ("late", "Late")],
        compute="_compute_paid",
        help="Late: not fully paid on its due date. Missed (the plan is at risk): still not paid after the grace days.",
    )

    @api.depends("plan_id.line_ids.amount", "plan_id.line_ids.date")
    def _compute_paid(self):
        today = fields.Date.context_today(self)
        plans = self.plan_id._origin
        paid = plans._ar_paid_amounts()
        allocation = {}
        for plan in plans:
            allocation.update(plan._ar_allocate(paid.get(plan.id, 0.0)))
        for line in self:
            line.paid_amount = allocation.get(line._origin, 0.0)
            if line.currency_id.compare_amounts(line.paid_amount, line.amount) >= 0:
                line.status = "paid"
            elif line.date and line.date < today:
                line.status = "late"
            else:
                line.status = "due"

    @api.constrains("amount")
    def _check_amount(self):
        for line in self:
            if line.currency_id.compare_amounts(line.amount, 0) <= 0:
                raise ValidationError(self.env._("Each installment is for an amount above zero."))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.plan_id._ar_check_draft()
        return lines

    def write(self, vals):
        self.plan_id._ar_check_draft()
        return super().write(vals)

    def unlink(self):
        self.plan_id._ar_check_draft()
        return super().unlink()
