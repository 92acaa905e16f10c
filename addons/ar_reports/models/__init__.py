from . import ar_kpi, ar_xlsx_pack
