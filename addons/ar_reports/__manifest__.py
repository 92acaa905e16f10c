{
    "name": "AR Reports",
    "summary": "AR metrics: DSO, CEI, aging, late-payment and deduction trends, XLSX pack",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-relationship/ar-suite",
    "author": "AR Suite contributors",
    "license": "LGPL-3",
    "depends": ["ar_relationship"],
    "data": [
        "security/ir.model.access.csv",
        "security/ar_reports_rules.xml",
        "views/ar_aging_report_views.xml",
        "views/ar_late_payment_report_views.xml",
        "wizards/ar_xlsx_export_views.xml",
        "views/ar_dashboard_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_backend": ["ar_reports/static/src/dashboard/*"],
        "web.assets_tests": ["ar_reports/static/tests/tours/*"],
    },
}
