from . import ar_kpi, ar_kpi_dashboard, ar_xlsx_pack, res_users
