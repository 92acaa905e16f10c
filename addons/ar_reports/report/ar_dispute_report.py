from odoo import fields, models, tools
from odoo.addons.ar_relationship.models.ar_dispute import KINDS, RESOLUTIONS, STATES
from odoo.tools import SQL


class ArDisputeReport(models.Model):
    """Disputes and deductions by month opened, and how long the resolved ones took."""

    _name = "ar.dispute.report"
    _description = "Disputes and deductions"
    _auto = False
    _order = "date_opened desc"

    dispute_id = fields.Many2one("ar.dispute", string="Case", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    reason_id = fields.Many2one("ar.reason.code", readonly=True)
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(KINDS, readonly=True)
    state = fields.Selection(STATES, readonly=True)
    resolution_type = fields.Selection(RESOLUTIONS, string="Resolution", readonly=True)
    date_opened = fields.Date(string="Opened on", readonly=True)
    date_resolved = fields.Date(string="Resolved on", readonly=True)
    days_to_resolve = fields.Integer(readonly=True, aggregator="avg")
    amount = fields.Monetary(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                    SELECT dispute.id, dispute.id AS dispute_id, dispute.partner_id, dispute.reason_id,
                           dispute.user_id, dispute.company_id, dispute.kind, dispute.state,
                           dispute.resolution_type, dispute.date_opened, dispute.date_resolved,
                           CASE WHEN dispute.date_resolved IS NOT NULL THEN dispute.days_to_resolve END
                               AS days_to_resolve,
                           dispute.amount
                      FROM ar_dispute dispute
                )
                """,
                SQL.identifier(self._table),
            )
        )
