from odoo import fields, models, tools
from odoo.tools import SQL


class ArAgingReport(models.Model):
    """The receivable open today per customer, by days past due."""

    _name = "ar.aging.report"
    _description = "Receivable aging by customer"
    _auto = False
    _order = "overdue desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    current = fields.Monetary(string="Not due", readonly=True)
    d1_30 = fields.Monetary(string="1-30", readonly=True)
    d31_60 = fields.Monetary(string="31-60", readonly=True)
    d61_90 = fields.Monetary(string="61-90", readonly=True)
    over_90 = fields.Monetary(readonly=True)
    overdue = fields.Monetary(readonly=True)
    total = fields.Monetary(readonly=True)
    oldest_days = fields.Integer(string="Oldest days overdue", readonly=True, aggregator="max")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (SELECT row_number() OVER (ORDER BY company_id, partner_id) AS id, * "
                "FROM (%s) aging)",
                SQL.identifier(self._table),
                self.env["ar.kpi"]._aging_query(SQL("CURRENT_DATE")),
            )
        )
