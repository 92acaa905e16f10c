from odoo.addons.web.controllers.export import CSVExport, ExcelExport, ExportXlsxWriter, GroupExportXlsxWriter

# What a spreadsheet takes for the start of a formula (OWASP's CSV injection list). Odoo's CSV
# export quotes the first three; its XLSX export writes a text starting with "=" as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class _TextCellsMixin:
    """Every text cell is a text: xlsxwriter's write() turns a string starting with "=" into a
    formula, so a customer's name like '=HYPERLINK(...)' would run in the accountant's Excel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.worksheet.strings_to_formulas = False


class _TextXlsxWriter(_TextCellsMixin, ExportXlsxWriter):
    pass


class _TextGroupXlsxWriter(_TextCellsMixin, GroupExportXlsxWriter):
    pass


class ArExcelExport(ExcelExport):
    """Odoo's list export to XLSX, with texts written as texts (Odoo 18.0 writes them as
    formulas when they start with "=")."""

    def from_group_data(self, fields, columns_headers, groups):
        with _TextGroupXlsxWriter(fields, columns_headers, groups.count) as xlsx_writer:
            x, y = 1, 0
            for group_name, group in groups.children.items():
                x, y = xlsx_writer.write_group(x, y, group_name, group)
        return xlsx_writer.value

    def from_data(self, fields, columns_headers, rows):
        with _TextXlsxWriter(fields, columns_headers, len(rows)) as xlsx_writer:
            for row_index, row in enumerate(rows):
                for cell_index, cell_value in enumerate(row):
                    xlsx_writer.write_cell(row_index + 1, cell_index, cell_value)
        return xlsx_writer.value


class ArCSVExport(CSVExport):
    """Odoo's list export to CSV quotes the texts starting with =, + or -; the suite quotes
    those starting with @, a tab or a carriage return as well."""

    def from_data(self, fields, columns_headers, rows):
        rows = [
            [
                f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS[3:]) else value
                for value in row
            ]
            for row in rows
        ]
        return super().from_data(fields, columns_headers, rows)
