from odoo import fields, models


class ArPaymentPlanProposeLine(models.TransientModel):
    _name = "ar.payment.plan.propose.line"
    _description = "Proposed installment"
    _order = "date, id"

    wizard_id = fields.Many2one("ar.payment.plan.propose", required=True, ondelete="cascade")
    date = fields.Date(string="Due date")
    amount = fields.Monetary()
    is_down_payment = fields.Boolean(string="Down payment")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
