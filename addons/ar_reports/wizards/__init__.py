from . import ar_xlsx_export
