from . import test_dashboard, test_digest, test_export_injection, test_kpi, test_reports, test_xlsx
