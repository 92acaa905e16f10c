import io

import xlsxwriter

from odoo import api, fields, models

from .ar_kpi import BUCKETS

BUCKET_LABELS = ("Not due", "1-30", "31-60", "61-90", "Over 90")


class ArXlsxPack(models.AbstractModel):
    """The AR workbook for accountants: the KPIs and the tables behind them, one sheet each,
    with native Excel charts. Written row by row (xlsxwriter's constant-memory mode), so that a
    large book's workbook costs little memory."""

    _name = "ar.xlsx.pack"
    _description = "AR workbook"

    @api.model
    def render(self, date_from, date_to, company_ids=None):
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        companies = self.env["res.company"].browse(company_ids) if company_ids else self.env.companies
        kpi = self.env["ar.kpi"].compute(date_from, date_to, companies.ids)
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_formulas": False})
        styles = {
            "title": book.add_format({"bold": True, "font_size": 14}),
            "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "money": book.add_format({"num_format": "#,##0.00"}),
            "number": book.add_format({"num_format": "0.0"}),
            "int": book.add_format({"num_format": "0"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        }
        writer = _Writer(book, styles)
        self._summary(writer, kpi, date_from, date_to, companies)
        self._aging(writer, date_to, companies)
        self._by_month(writer, "Late payments by month", kpi["late_payments_by_month"], "Late payments")
        self._by_month(writer, "Deductions by month", kpi["deductions_by_month"], "Deductions")
        self._top_reasons(writer, kpi)
        self._top_delinquent(writer, kpi)
        self._disputes(writer, companies)
        book.close()
        return output.getvalue()

    def _summary(self, writer, kpi, date_from, date_to, companies):
        sheet = writer.sheet("Summary")
        sheet.set_column(0, 0, 42)
        sheet.set_column(1, 1, 18)
        writer.row(sheet, [self.env._("AR summary, %(start)s to %(end)s", start=date_from, end=date_to)], "title")
        writer.row(sheet, [", ".join(companies.mapped("name"))])
        writer.row(sheet, [])
        writer.row(sheet, ["Metric", "Value"], "header")
        rows = [
            ("DSO (days)", kpi["dso"], "number"),
            ("Best possible DSO (days)", kpi["best_possible_dso"], "number"),
            ("Average days delinquent", kpi["add"], "number"),
            ("Collection effectiveness index (%)", kpi["cei"], "number"),
            ("Average days to resolve a late payment", kpi["avg_days_to_resolve_delinquency"], "number"),
            ("Average days to resolve a deduction", kpi["avg_days_to_resolve_deduction"], "number"),
            ("Promise kept rate (%)", kpi["promise_kept_rate"], "number"),
            *(
                (f"Receivable {label}", kpi["aging"][bucket], "money")
                for bucket, label in zip(BUCKETS, BUCKET_LABELS, strict=True)
            ),
        ]
        for label, value, style in rows:
            writer.row(sheet, [label, value], [None, style])

    def _aging(self, writer, day, companies):
        sheet = writer.sheet("Aging")
        rows = self.env["ar.kpi"]._aging_by_partner(day, tuple(companies.ids))
        names = dict(
            self.env["res.partner"].browse([row["partner_id"] for row in rows]).mapped(lambda p: (p.id, p.name))
        )
        headers = ["Customer", *BUCKET_LABELS, "Total", "Oldest days overdue"]
        writer.table_header(sheet, headers, widths=[36] + [14] * 7)
        for row in sorted(rows, key=lambda row: -row["overdue"]):
            amounts = [row[bucket] for bucket in BUCKETS]
            writer.row(
                sheet,
                [names.get(row["partner_id"], ""), *amounts, sum(amounts), row["oldest"]],
                [None, *["money"] * 6, "int"],
            )
        writer.autofilter(sheet, len(headers))

    def _by_month(self, writer, title, rows, series):
        sheet = writer.sheet(title)
        writer.table_header(sheet, ["Month", "Count", "Amount"], widths=[12, 10, 16])
        for row in rows:
            writer.row(sheet, [row["month"], row["count"], row["amount"]], [None, "int", "money"])
        writer.autofilter(sheet, 3)
        if rows:
            chart = writer.book.add_chart({"type": "line"})
            chart.add_series(
                {
                    "name": f"{series} (amount)",
                    "categories": [sheet.name, 1, 0, len(rows), 0],
                    "values": [sheet.name, 1, 2, len(rows), 2],
                }
            )
            chart.set_title({"name": title})
            sheet.insert_chart("E2", chart)

    def _top_reasons(self, writer, kpi):
        sheet = writer.sheet("Top reasons")
        codes = self.env["ar.reason.code"].browse(
            [row["reason_code_id"] for row in kpi["top_late_reasons"] + kpi["top_deduction_reasons"]]
        )
        names = {code.id: code.name for code in codes}
        writer.table_header(sheet, ["Kind", "Reason", "Count", "Amount"], widths=[16, 40, 10, 16])
        start = writer.rows[sheet.name]
        for kind, rows in (("Late payment", kpi["top_late_reasons"]), ("Deduction", kpi["top_deduction_reasons"])):
            first = writer.rows[sheet.name]
            for row in rows:
                writer.row(
                    sheet,
                    [kind, names[row["reason_code_id"]], row["count"], row["amount"]],
                    [None, None, "int", "money"],
                )
            if rows:
                chart = writer.book.add_chart({"type": "bar"})
                chart.add_series(
                    {
                        "name": f"{kind} reasons",
                        "categories": [sheet.name, first, 1, first + len(rows) - 1, 1],
                        "values": [sheet.name, first, 2, first + len(rows) - 1, 2],
                    }
                )
                chart.set_title({"name": f"Top {kind.lower()} reasons"})
                sheet.insert_chart(f"G{2 + 16 * (kind == 'Deduction')}", chart)
        if writer.rows[sheet.name] > start:
            writer.autofilter(sheet, 4)

    def _top_delinquent(self, writer, kpi):
        sheet = writer.sheet("Top delinquent customers")
        rows = kpi["top_delinquent_customers"]
        names = {p.id: p.name for p in self.env["res.partner"].browse([row["partner_id"] for row in rows])}
        writer.table_header(sheet, ["Customer", "Overdue amount", "Oldest days overdue"], widths=[36, 16, 18])
        for row in rows:
            writer.row(
                sheet,
                [names[row["partner_id"]], row["overdue_amount"], row["oldest_days_overdue"]],
                [None, "money", "int"],
            )
        writer.autofilter(sheet, 3)

    def _disputes(self, writer, companies):
        sheet = writer.sheet("Disputes")
        headers = ["Reference", "Customer", "Invoice", "Kind", "Reason", "State", "Amount", "Opened", "Resolved"]
        writer.table_header(sheet, [*headers, "Days to resolve"], widths=[14, 32, 18, 12, 32, 14, 14, 12, 12, 14])
        disputes = self.env["ar.dispute"].search_fetch(
            [("company_id", "in", companies.ids)],
            ["name", "partner_id", "invoice_id", "kind", "reason_id", "state", "amount", "date_opened"]
            + ["date_resolved", "days_to_resolve"],
            order="date_opened, id",
        )
        kinds = dict(disputes._fields["kind"]._description_selection(self.env))
        states = dict(disputes._fields["state"]._description_selection(self.env))
        for dispute in disputes:
            writer.row(
                sheet,
                [
                    dispute.name,
                    dispute.partner_id.name,
                    dispute.invoice_id.name or "",
                    kinds.get(dispute.kind, ""),
                    dispute.reason_id.name or "",
                    states.get(dispute.state, ""),
                    dispute.amount,
                    dispute.date_opened,
                    dispute.date_resolved or None,
                    dispute.days_to_resolve if dispute.date_resolved else None,
                ],
                [None] * 6 + ["money", "date", "date", "int"],
            )
        writer.autofilter(sheet, len(headers) + 1)


class _Writer:
    """Rows written in order (constant-memory mode needs it), every text as a string: a value
    such as "=HYPERLINK(...)" typed by a customer stays text, never a formula."""

    def __init__(self, book, styles):
        self.book, self.styles, self.rows = book, styles, {}

    def sheet(self, name):
        sheet = self.book.add_worksheet(name)
        self.rows[name] = 0
        return sheet

    def table_header(self, sheet, headers, widths):
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        self.row(sheet, headers, "header")
        sheet.freeze_panes(1, 0)

    def autofilter(self, sheet, columns):
        sheet.autofilter(0, 0, max(self.rows[sheet.name] - 1, 0), columns - 1)

    def row(self, sheet, values, styles=None):
        line = self.rows[sheet.name]
        if not isinstance(styles, list):
            styles = [styles] * len(values)
        for col, (value, style) in enumerate(zip(values, styles, strict=False)):
            cell_format = self.styles.get(style) if style else None
            if value is None or value is False:
                sheet.write_blank(line, col, None, cell_format)
            elif isinstance(value, str):
                sheet.write_string(line, col, value, cell_format)
            elif hasattr(value, "isoformat"):
                sheet.write_datetime(line, col, fields.Datetime.to_datetime(value), cell_format)
            else:
                sheet.write_number(line, col, value, cell_format)
        self.rows[sheet.name] = line + 1
