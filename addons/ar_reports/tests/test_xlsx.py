import io

from openpyxl import load_workbook

from odoo.tests import tagged

from .common import ArBookCase, D


@tagged("post_install", "-at_install")
class TestXlsxPack(ArBookCase):
    """The workbook opened back, cell by cell, on the hand-built book of the KPI tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A customer name a spreadsheet would take for a formula.
        cls.a.name = '=HYPERLINK("http://evil.example","click")'
        content = cls.env["ar.xlsx.pack"].render(D("2026-01-01"), D("2026-03-31"), cls.env.company.ids)
        cls.book = load_workbook(io.BytesIO(content))

    def test_sheets(self):
        self.assertEqual(
            self.book.sheetnames,
            [
                "Summary",
                "Aging",
                "Late payments by month",
                "Deductions by month",
                "Top reasons",
                "Top delinquent customers",
                "Disputes",
            ],
        )

    def test_summary_holds_the_kpis(self):
        sheet = self.book["Summary"]
        values = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(5, sheet.max_row + 1)}
        self.assertAlmostEqual(values["DSO (days)"], 5900 / 7700 * 90)
        self.assertAlmostEqual(values["Collection effectiveness index (%)"], 4000 / 8600 * 100)
        self.assertEqual(values["Receivable Over 90"], 500)
        self.assertEqual(values["Average days to resolve a late payment"], 27)

    def test_aging_per_customer_with_buckets_frozen_header_and_filter(self):
        sheet = self.book["Aging"]
        self.assertEqual(
            [cell.value for cell in sheet[1]],
            ["Customer", "Not due", "1-30", "31-60", "61-90", "Over 90", "Total", "Oldest days overdue"],
        )
        rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(rows["Charlie"], (0, 0, 400, 700, 0, 1100, 76))
        self.assertEqual(rows["Bravo"], (1300, 0, 0, 0, 500, 1800, 120))
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, "A1:H4")
        self.assertEqual(sheet["B2"].number_format, "#,##0.00")

    def test_formula_injection_is_written_as_text(self):
        sheet = self.book["Aging"]
        cell = next(row[0] for row in sheet.iter_rows(min_row=2) if str(row[0].value).startswith("=HYPERLINK"))
        self.assertEqual(cell.data_type, "s")
        delinquent = self.book["Top delinquent customers"]
        self.assertEqual(delinquent["A2"].data_type, "s")
        self.assertEqual(delinquent["A2"].value, self.a.name)

    def test_late_payments_by_month_with_a_chart(self):
        sheet = self.book["Late payments by month"]
        self.assertEqual(
            list(sheet.iter_rows(min_row=2, values_only=True)), [("2026-01", 1, 1000), ("2026-03", 1, 800)]
        )
        self.assertEqual(len(sheet._charts), 1)

    def test_top_delinquent_customers(self):
        rows = list(self.book["Top delinquent customers"].iter_rows(min_row=2, values_only=True))
        self.assertEqual([row[1:] for row in rows], [(3000, 14), (1100, 76), (500, 120)])
