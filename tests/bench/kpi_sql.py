"""The kpi_12m anchor: the figures of ar.kpi.compute in one hand-written SQL statement, the
lower bound of what computing them can cost. The bench asserts that both give the same numbers."""

import math
from datetime import timedelta

from odoo.tools import float_round

TOP = 10

# One round trip: every figure the KPI service returns, aggregated by PostgreSQL.
QUERY = """
WITH receivable AS (
    SELECT line.id, line.balance, line.date, line.company_id,
           COALESCE(partner.commercial_partner_id, line.partner_id) AS partner_id,
           %(date_to)s::date - COALESCE(line.date_maturity, line.date) AS days
      FROM account_move_line line
      JOIN account_account account ON account.id = line.account_id
 LEFT JOIN res_partner partner ON partner.id = line.partner_id
     WHERE account.account_type = 'asset_receivable'
       AND line.parent_state = 'posted'
       AND line.company_id = ANY(%(companies)s)
       AND line.date <= %(date_to)s
),
reconciled AS (
    SELECT debit_move_id AS line_id, -amount AS amount
      FROM account_partial_reconcile
     WHERE max_date <= %(date_to)s AND company_id = ANY(%(companies)s)
     UNION ALL
    SELECT credit_move_id, amount
      FROM account_partial_reconcile
     WHERE max_date <= %(date_to)s AND company_id = ANY(%(companies)s)
),
open_line AS (
    SELECT receivable.partner_id, receivable.days,
           receivable.balance + COALESCE(SUM(reconciled.amount), 0) AS amount
      FROM receivable
 LEFT JOIN reconciled ON reconciled.line_id = receivable.id
  GROUP BY receivable.id, receivable.partner_id, receivable.days, receivable.balance
),
by_partner AS (
    SELECT partner_id,
           COALESCE(SUM(amount) FILTER (WHERE days > 0), 0) AS overdue,
           COALESCE(MAX(days) FILTER (WHERE days > 0 AND amount > 0), 0) AS oldest
      FROM open_line
     WHERE amount != 0
  GROUP BY partner_id
),
paid AS (
    SELECT line.move_id, MAX(partial.max_date) AS paid_date
      FROM account_move_line line
      JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
     WHERE line.display_type = 'payment_term'
  GROUP BY line.move_id
),
late AS (
    SELECT to_char(paid.paid_date, 'YYYY-MM') AS month, COUNT(*) AS count,
           SUM(move.amount_total_signed) AS amount, SUM(paid.paid_date - move.invoice_date_due) AS days_late
      FROM account_move move
      JOIN paid ON paid.move_id = move.id
     WHERE move.move_type = 'out_invoice' AND move.state = 'posted'
       AND move.payment_state IN ('paid', 'in_payment')
       AND paid.paid_date > move.invoice_date_due
       AND paid.paid_date BETWEEN %(date_from)s AND %(date_to)s
       AND move.company_id = ANY(%(companies)s)
  GROUP BY month
),
late_reason AS (
    SELECT reason_id, SUM(count) AS count, SUM(amount) AS amount
      FROM (
            SELECT touchpoint.reason_id, COUNT(DISTINCT touchpoint.id) AS count,
                   COALESCE(SUM(move.amount_total_signed), 0) AS amount
              FROM ar_touchpoint touchpoint
              JOIN ar_reason_code reason ON reason.id = touchpoint.reason_id AND reason.kind = 'late_payment'
         LEFT JOIN ar_touchpoint_account_move_rel rel ON rel.touchpoint_id = touchpoint.id
         LEFT JOIN account_move move ON move.id = rel.move_id
             WHERE touchpoint.date >= %(date_from)s::timestamp
               AND touchpoint.date < %(date_to)s::timestamp + interval '1 day'
               AND touchpoint.company_id = ANY(%(companies)s)
          GROUP BY touchpoint.reason_id
             UNION ALL
            SELECT promise.reason_id, COUNT(*), COALESCE(SUM(promise.amount), 0)
              FROM ar_promise promise
              JOIN ar_reason_code reason ON reason.id = promise.reason_id AND reason.kind = 'late_payment'
             WHERE promise.date BETWEEN %(date_from)s AND %(date_to)s
               AND promise.company_id = ANY(%(companies)s)
          GROUP BY promise.reason_id
           ) sources
  GROUP BY reason_id
),
deduction AS (
    SELECT * FROM ar_dispute
     WHERE kind = 'deduction' AND company_id = ANY(%(companies)s)
)
SELECT
    (SELECT COALESCE(SUM(amount_total_signed), 0) FROM account_move
      WHERE move_type IN ('out_invoice', 'out_refund') AND state = 'posted'
        AND invoice_date BETWEEN %(date_from)s AND %(date_to)s AND company_id = ANY(%(companies)s)) AS sales,
    (SELECT COALESCE(SUM(balance), 0) FROM receivable WHERE date < %(date_from)s) AS receivable_begin,
    (SELECT json_build_object(
            'current', COALESCE(SUM(amount) FILTER (WHERE days <= 0), 0),
            'd1_30', COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 1 AND 30), 0),
            'd31_60', COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 31 AND 60), 0),
            'd61_90', COALESCE(SUM(amount) FILTER (WHERE days BETWEEN 61 AND 90), 0),
            'over_90', COALESCE(SUM(amount) FILTER (WHERE days > 90), 0))
       FROM open_line) AS aging,
    (SELECT json_agg(json_build_array(partner_id, overdue, oldest) ORDER BY overdue DESC, partner_id)
       FROM (SELECT * FROM by_partner WHERE round(overdue, %(digits)s) > 0
           ORDER BY overdue DESC, partner_id LIMIT %(top)s) top) AS delinquent,
    (SELECT json_agg(json_build_array(month, count, amount, days_late) ORDER BY month) FROM late) AS late,
    (SELECT json_agg(json_build_array(reason_id, count, amount) ORDER BY count DESC, amount DESC, reason_id)
       FROM (SELECT * FROM late_reason ORDER BY count DESC, amount DESC, reason_id LIMIT %(top)s) top
    ) AS late_reasons,
    (SELECT json_agg(json_build_array(month, count, amount) ORDER BY month)
       FROM (SELECT to_char(date_opened, 'YYYY-MM') AS month, COUNT(*) AS count, SUM(amount) AS amount
               FROM deduction WHERE date_opened BETWEEN %(date_from)s AND %(date_to)s GROUP BY month) months
    ) AS deductions,
    (SELECT json_agg(json_build_array(reason_id, count, amount) ORDER BY count DESC, amount DESC, reason_id)
       FROM (SELECT reason_id, COUNT(*) AS count, SUM(amount) AS amount FROM deduction
              WHERE date_opened BETWEEN %(date_from)s AND %(date_to)s AND reason_id IS NOT NULL
           GROUP BY reason_id ORDER BY count DESC, amount DESC, reason_id LIMIT %(top)s) top
    ) AS deduction_reasons,
    (SELECT AVG(days_to_resolve) FROM deduction WHERE date_resolved BETWEEN %(date_from)s AND %(date_to)s)
        AS deduction_days,
    (SELECT json_build_array(COUNT(*) FILTER (WHERE state = 'kept'), COUNT(*))
       FROM ar_promise
      WHERE promise_date BETWEEN %(date_from)s AND %(date_to)s AND state IN ('kept', 'partial', 'broken')
        AND company_id = ANY(%(companies)s)) AS promises
"""


def compute(cr, date_from, date_to, company_ids, digits=2):
    """The figures of ar.kpi.compute(date_from, date_to, company_ids), as it returns them."""
    cr.execute(
        QUERY,
        {
            "date_from": date_from,
            "date_to": date_to,
            "companies": list(company_ids),
            "digits": digits,
            "top": TOP,
        },
    )
    row = cr.dictfetchone()

    def money(value):
        return float_round(float(value), precision_digits=digits)

    days = (date_to - date_from).days + 1
    sales = float(row["sales"])
    aging = {bucket: money(value) for bucket, value in row["aging"].items()}
    receivable_end = money(sum(aging.values()))
    dso = receivable_end / sales * days if sales else None
    best = aging["current"] / sales * days if sales else None
    begin = float(row["receivable_begin"])
    cei_base = begin + sales - aging["current"]
    late = row["late"] or []
    kept, evaluated = row["promises"]
    return {
        "dso": dso,
        "best_possible_dso": best,
        "add": dso - best if sales else None,
        "cei": (begin + sales - receivable_end) / cei_base * 100 if cei_base else None,
        "late_payments_by_month": [
            {"month": month, "count": count, "amount": money(amount)} for month, count, amount, _days in late
        ],
        "avg_days_to_resolve_delinquency": (
            sum(row[3] for row in late) / sum(row[1] for row in late) if late else None
        ),
        "top_late_reasons": [
            {"reason_code_id": reason, "count": int(count), "amount": money(amount)}
            for reason, count, amount in row["late_reasons"] or []
        ],
        "deductions_by_month": [
            {"month": month, "count": count, "amount": money(amount)}
            for month, count, amount in row["deductions"] or []
        ],
        "top_deduction_reasons": [
            {"reason_code_id": reason, "count": count, "amount": money(amount)}
            for reason, count, amount in row["deduction_reasons"] or []
        ],
        "avg_days_to_resolve_deduction": (float(row["deduction_days"]) if row["deduction_days"] is not None else None),
        "top_delinquent_customers": [
            {"partner_id": partner, "overdue_amount": money(overdue), "oldest_days_overdue": oldest}
            for partner, overdue, oldest in row["delinquent"] or []
        ],
        "aging": aging,
        "promise_kept_rate": kept / evaluated * 100 if evaluated else None,
    }


def differences(ours, anchor, path="kpi"):
    """Where the two results differ: amounts to the cent, ratios to 1e-6."""
    if isinstance(ours, dict) and isinstance(anchor, dict):
        if ours.keys() != anchor.keys():
            return [f"{path}: keys {sorted(ours)} != {sorted(anchor)}"]
        return [diff for key in ours for diff in differences(ours[key], anchor[key], f"{path}.{key}")]
    if isinstance(ours, list) and isinstance(anchor, list):
        if len(ours) != len(anchor):
            return [f"{path}: {len(ours)} items != {len(anchor)}"]
        return [
            diff
            for i, (a, b) in enumerate(zip(ours, anchor, strict=True))
            for diff in differences(a, b, f"{path}[{i}]")
        ]
    if isinstance(ours, (int, float)) and isinstance(anchor, (int, float)):
        if math.isclose(ours, anchor, rel_tol=1e-6, abs_tol=0.005):
            return []
    elif ours == anchor or (ours in (None, False) and anchor in (None, False)):
        # "No figure": the ORM's aggregates say False where SQL says NULL.
        return []
    return [f"{path}: ours {ours!r} != SQL {anchor!r}"]


def period(today):
    """The 12 months to `today`, as the bench's kpi cases take them."""
    return today - timedelta(days=364), today
