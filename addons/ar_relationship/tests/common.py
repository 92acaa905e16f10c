from odoo import fields


def paid_dates(invoices):
    """The date each invoice was paid: the latest date among the entries reconciled with it."""
    result = {}
    for invoice in invoices:
        receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        partials = receivable.matched_credit_ids
        result[invoice] = max(partials.credit_move_id.mapped("date"), default=False)
    return result


def late_share(invoices):
    """Share of the fully paid invoices among `invoices` that were paid after their due date."""
    paid = invoices.filtered(lambda inv: inv.payment_state in ("paid", "in_payment"))
    dates = paid_dates(paid)
    late = [inv for inv in paid if dates[inv] > inv.invoice_date_due]
    return len(late) / len(paid) if paid else 0.0


def overdue(invoices, today=None):
    today = today or fields.Date.today()
    return invoices.filtered(lambda inv: inv.payment_state in ("not_paid", "partial") and inv.invoice_date_due < today)
