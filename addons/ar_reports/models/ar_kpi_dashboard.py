from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

# The dashboard's tiles: key in the data, whether a higher value is better (it colours the
# change green or red), unit.
TILES = (
    ("dso", False, "days"),
    ("best_possible_dso", False, "days"),
    ("add", False, "days"),
    ("cei", True, "%"),
    ("overdue_share", False, "%"),
    ("promise_kept_rate", True, "%"),
)
# Tiles whose records are the receivable open at the end of the period, and which part of it.
OPEN_RECEIVABLE = {
    "dso": None,
    "best_possible_dso": "current",
    "add": "overdue",
    "overdue_share": "overdue",
    "current": "current",
    "d1_30": (1, 30),
    "d31_60": (31, 60),
    "d61_90": (61, 90),
    "over_90": (91, None),
}


class ArKpi(models.AbstractModel):
    """The AR dashboard (an OWL client action) reads its figures here and asks here for the
    records behind each tile, bar and row, so that what it shows and what it opens agree."""

    _inherit = "ar.kpi"

    @api.model
    def dashboard_data(self, date_from, date_to, company_ids=None):
        """The tiles with their value on the previous period of the same length, the series by
        month and the top lists with their names."""
        scoped, date_from, date_to, companies = self._dashboard_scope(date_from, date_to, company_ids)
        return scoped._dashboard_data(date_from, date_to, companies)

    @api.model
    def action_open_kpi(self, key, date_from, date_to, company_ids=None, value=None):
        """The records behind a tile (`key`), a month's bar (`value`: "YYYY-MM") or a row of a
        top list (`value`: the customer's or the reason's id), as a window action."""
        scoped, date_from, date_to, companies = self._dashboard_scope(date_from, date_to, company_ids)
        return scoped._open_kpi_action(key, value, date_from, date_to, companies)

    def _dashboard_data(self, date_from, date_to, companies):
        kpi = self.compute(date_from, date_to, companies.ids)
        previous_to = date_from - timedelta(days=1)
        previous_from = previous_to - (date_to - date_from)
        previous = self.compute(previous_from, previous_to, companies.ids)
        labels = self._tile_labels()
        tiles = []
        for key, higher_is_better, unit in TILES:
            value, before = self._tile_value(kpi, key), self._tile_value(previous, key)
            tiles.append(
                {
                    "key": key,
                    "label": labels[key],
                    "value": value,
                    "previous": before,
                    "change": value - before if value is not None and before is not None else None,
                    "higher_is_better": higher_is_better,
                    "unit": unit,
                }
            )
        partners = self.env["res.partner"].browse([row["partner_id"] for row in kpi["top_delinquent_customers"]])
        reasons = self.env["ar.reason.code"].browse(
            [row["reason_code_id"] for row in kpi["top_late_reasons"] + kpi["top_deduction_reasons"]]
        )
        partner_names = {partner.id: partner.display_name for partner in partners}
        reason_names = {reason.id: reason.display_name for reason in reasons}
        return {
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "previous_from": fields.Date.to_string(previous_from),
            "previous_to": fields.Date.to_string(previous_to),
            "company_ids": companies.ids,
            "currency_id": companies[:1].currency_id.id,
            "tiles": tiles,
            "aging": kpi["aging"],
            "late_payments_by_month": self._monthly(kpi["late_payments_by_month"], date_from, date_to),
            "deductions_by_month": self._monthly(kpi["deductions_by_month"], date_from, date_to),
            "top_delinquent_customers": [
                {**row, "name": partner_names[row["partner_id"]]} for row in kpi["top_delinquent_customers"]
            ],
            "top_late_reasons": [
                {**row, "name": reason_names[row["reason_code_id"]]} for row in kpi["top_late_reasons"]
            ],
            "top_deduction_reasons": [
                {**row, "name": reason_names[row["reason_code_id"]]} for row in kpi["top_deduction_reasons"]
            ],
        }

    def _open_kpi_action(self, key, value, date_from, date_to, companies):
        in_companies = [("company_id", "in", companies.ids)]
        if key in OPEN_RECEIVABLE:
            return self._open_receivable_action(key, date_to, companies)
        if key == "cei":
            return self._window_action(
                self.env._(
                    "Credit sales, %(start)s to %(end)s",
                    start=format_date(self.env, date_from),
                    end=format_date(self.env, date_to),
                ),
                "account.move",
                [
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("invoice_date", ">=", date_from),
                    ("invoice_date", "<=", date_to),
                    *in_companies,
                ],
                views=[("account.view_out_invoice_tree", "list"), ("account.view_move_form", "form")],
            )
        if key == "promise_kept_rate":
            return self._window_action(
                self.env._(
                    "Promises due, %(start)s to %(end)s",
                    start=format_date(self.env, date_from),
                    end=format_date(self.env, date_to),
                ),
                "ar.promise",
                [
                    ("promise_date", ">=", date_from),
                    ("promise_date", "<=", date_to),
                    ("state", "in", ("kept", "partial", "broken")),
                    *in_companies,
                ],
            )
        if key == "late_payment_month":
            start, end = self._month_bounds(value, date_from, date_to)
            return self._window_action(
                self.env._("Paid late in %(month)s", month=format_date(self.env, start, date_format="MMMM yyyy")),
                "ar.late.payment.report",
                [("paid_date", ">=", start), ("paid_date", "<=", end), *in_companies],
            )
        if key == "deduction_month":
            start, end = self._month_bounds(value, date_from, date_to)
            return self._window_action(
                self.env._("Deductions of %(month)s", month=format_date(self.env, start, date_format="MMMM yyyy")),
                "ar.dispute",
                self._deduction_domain(start, end, companies),
            )
        if key == "delinquent_customer":
            partner = self.env["res.partner"].browse(int(value)).exists()
            return self._window_action(
                self.env._("Open invoices of %(customer)s", customer=partner.display_name),
                "account.move",
                [*partner._ar_open_invoices_domain(), *in_companies],
                views=[("account.view_out_invoice_tree", "list"), ("account.view_move_form", "form")],
            )
        if key == "late_reason":
            return self._late_reason_action(int(value), date_from, date_to, companies)
        if key == "deduction_reason":
            reason = self.env["ar.reason.code"].browse(int(value)).exists()
            return self._window_action(
                self.env._("Deductions: %(reason)s", reason=reason.display_name),
                "ar.dispute",
                [*self._deduction_domain(date_from, date_to, companies), ("reason_id", "=", reason.id)],
            )
        raise UserError(self.env._("The dashboard has no figure called %(key)s.", key=key))

    def _dashboard_scope(self, date_from, date_to, company_ids):
        """The dashboard is for AR viewers, on companies the user works in; the model returned
        reads every figure with those companies allowed, so that record rules keep to them."""
        if not self.env.user.has_group("ar_relationship.group_ar_viewer"):
            raise AccessError(self.env._("The AR dashboard is for AR viewers."))
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        if not date_from or not date_to or date_from > date_to:
            raise UserError(self.env._("The period must start before it ends."))
        company_ids = company_ids or self.env.companies.ids
        if not set(company_ids) <= set(self.env.user.company_ids.ids):
            raise AccessError(self.env._("You do not work in all of these companies."))
        scoped = self.with_context(allowed_company_ids=company_ids)
        return scoped, date_from, date_to, scoped.env["res.company"].browse(company_ids)

    def _tile_labels(self):
        return {
            "dso": self.env._("DSO"),
            "best_possible_dso": self.env._("Best possible DSO"),
            "add": self.env._("Average days delinquent"),
            "cei": self.env._("Collection effectiveness"),
            "overdue_share": self.env._("Overdue share"),
            "promise_kept_rate": self.env._("Promises kept"),
        }

    @api.model
    def _tile_value(self, kpi, key):
        if key != "overdue_share":
            return kpi[key]
        total = sum(kpi["aging"].values())
        # The buckets are rounded amounts: a book with nothing open has no overdue share.
        return (total - kpi["aging"]["current"]) / total * 100 if total else None

    @api.model
    def _monthly(self, rows, date_from, date_to):
        """Every month of the period, those without any row at zero, so that the chart's
        axis is the period itself."""
        by_month = {row["month"]: row for row in rows}
        series, month = [], date_from.replace(day=1)
        while month <= date_to:
            key = month.strftime("%Y-%m")
            row = by_month.get(key, {"count": 0, "amount": 0.0})
            series.append(
                {
                    "month": key,
                    "label": format_date(self.env, month, date_format="MMM yyyy"),
                    "count": row["count"],
                    "amount": row["amount"],
                }
            )
            month += relativedelta(months=1)
        return series

    @api.model
    def _month_bounds(self, month, date_from, date_to):
        """A month of the chart, within the period (its first and last months are partial)."""
        try:
            start = date.fromisoformat(f"{month}-01")
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("A month is written YYYY-MM.")) from error
        return max(start, date_from), min(start + relativedelta(months=1, days=-1), date_to)

    def _open_receivable_action(self, key, day, companies):
        """The receivable journal items open on `day`: dated by then and not fully reconciled
        by then (as in the aging query, a reconciliation counts from its latest date)."""
        domain = [
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("date", "<=", day),
            ("company_id", "in", companies.ids),
            "|",
            "|",
            ("reconciled", "=", False),
            ("matched_credit_ids.max_date", ">", day),
            ("matched_debit_ids.max_date", ">", day),
        ]
        part = OPEN_RECEIVABLE[key]
        if part == "current":
            domain.append(("date_maturity", ">=", day))
        elif part == "overdue":
            domain.append(("date_maturity", "<", day))
        elif part:
            low, high = part
            domain.append(("date_maturity", "<=", day - timedelta(days=low)))
            if high:
                domain.append(("date_maturity", ">=", day - timedelta(days=high)))
        day_text = format_date(self.env, day)
        titles = {
            None: self.env._("Receivable open on %(day)s", day=day_text),
            "current": self.env._("Receivable not yet due on %(day)s", day=day_text),
            "overdue": self.env._("Receivable overdue on %(day)s", day=day_text),
        }
        title = titles.get(part) or self.env._("Receivable %(low)s+ days overdue on %(day)s", low=part[0], day=day_text)
        return self._window_action(
            title,
            "account.move.line",
            domain,
            views=[("account.view_move_line_tree", "list"), ("account.view_move_line_form", "form")],
        )

    def _late_reason_action(self, reason_id, date_from, date_to, companies):
        """The KPI counts a late-payment reason on touchpoints and on promises: the row opens
        the touchpoints that gave it, or the promises when it was only given on promises."""
        reason = self.env["ar.reason.code"].browse(reason_id).exists()
        day_from, day_to = self._datetime_bounds(date_from, date_to)
        touchpoints = [
            ("reason_id", "=", reason.id),
            ("date", ">=", day_from),
            ("date", "<", day_to),
            ("company_id", "in", companies.ids),
        ]
        if self.env["ar.touchpoint"].search_count(touchpoints, limit=1):
            return self._window_action(
                self.env._("Touchpoints: %(reason)s", reason=reason.display_name), "ar.touchpoint", touchpoints
            )
        return self._window_action(
            self.env._("Promises: %(reason)s", reason=reason.display_name),
            "ar.promise",
            [
                ("reason_id", "=", reason.id),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("company_id", "in", companies.ids),
            ],
        )

    def _window_action(self, name, model, domain, views=None):
        views = [(self.env.ref(xmlid).id, mode) for xmlid, mode in views] if views else [(False, "list")]
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": domain,
            "views": [*views, *([(False, "form")] if len(views) == 1 else [])],
            "context": {"create": False},
            "target": "current",
        }
