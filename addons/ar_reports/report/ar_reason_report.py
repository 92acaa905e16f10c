from odoo import fields, models, tools
from odoo.tools import SQL

SOURCES = [("touchpoint", "Touchpoint"), ("promise", "Promise"), ("dispute", "Dispute or deduction")]


class ArReasonReport(models.Model):
    """Every reason given, wherever it was recorded: late-payment reasons on touchpoints and
    promises (as in the KPIs), dispute and deduction reasons on the cases. Ranked by count."""

    _name = "ar.reason.report"
    _description = "Reasons given"
    _auto = False
    _order = "date desc"

    source = fields.Selection(SOURCES, readonly=True)
    reason_id = fields.Many2one("ar.reason.code", readonly=True)
    kind = fields.Selection(
        [("late_payment", "Late payment"), ("dispute", "Dispute"), ("deduction", "Deduction")], readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(readonly=True)
    amount = fields.Monetary(
        readonly=True, help="Touchpoint: the invoices concerned; promise: the amount promised; case: its amount."
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                    SELECT row_number() OVER (ORDER BY source, record_id) AS id, reasons.*
                      FROM (
                            SELECT 'touchpoint' AS source, touchpoint.id AS record_id, touchpoint.reason_id,
                                   reason.kind AS kind, touchpoint.partner_id, touchpoint.company_id,
                                   touchpoint.date::date AS date,
                                   COALESCE((SELECT SUM(move.amount_total_signed)
                                               FROM ar_touchpoint_account_move_rel rel
                                               JOIN account_move move ON move.id = rel.move_id
                                              WHERE rel.touchpoint_id = touchpoint.id), 0) AS amount
                              FROM ar_touchpoint touchpoint
                              JOIN ar_reason_code reason ON reason.id = touchpoint.reason_id
                             UNION ALL
                            SELECT 'promise', promise.id, promise.reason_id, reason.kind, promise.partner_id,
                                   promise.company_id, promise.date, promise.amount
                              FROM ar_promise promise
                              JOIN ar_reason_code reason ON reason.id = promise.reason_id
                             UNION ALL
                            SELECT 'dispute', dispute.id, dispute.reason_id, reason.kind, dispute.partner_id,
                                   dispute.company_id, dispute.date_opened, dispute.amount
                              FROM ar_dispute dispute
                              JOIN ar_reason_code reason ON reason.id = dispute.reason_id
                           ) reasons
                )
                """,
                SQL.identifier(self._table),
            )
        )
