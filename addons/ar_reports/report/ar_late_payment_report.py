from odoo import fields, models, tools
from odoo.tools import SQL


class ArLatePaymentReport(models.Model):
    """One row per customer invoice paid after its due date: when, how late, how much. Paid on
    the date of the last entry reconciled with it (the invoice's ar_paid_date), as in the KPIs."""

    _name = "ar.late.payment.report"
    _description = "Late payments"
    _auto = False
    _order = "paid_date desc"

    invoice_id = fields.Many2one("account.move", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    invoice_date_due = fields.Date(string="Due date", readonly=True)
    paid_date = fields.Date(readonly=True)
    days_late = fields.Integer(readonly=True, aggregator="avg")
    amount = fields.Monetary(readonly=True, help="Invoice total, in company currency.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                    SELECT move.id, move.id AS invoice_id, move.commercial_partner_id AS partner_id,
                           move.company_id, move.invoice_date_due, move.ar_paid_date AS paid_date,
                           move.ar_paid_date - move.invoice_date_due AS days_late,
                           move.amount_total_signed AS amount
                      FROM account_move move
                     WHERE move.move_type = 'out_invoice'
                       AND move.state = 'posted'
                       AND move.ar_paid_date > move.invoice_date_due
                )
                """,
                SQL.identifier(self._table),
            )
        )
