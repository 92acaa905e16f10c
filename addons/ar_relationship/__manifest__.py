{
    "name": "AR Relationship",
    "summary": "Relationship-driven accounts receivable: timeline, health, promises, "
    "follow-up and disputes on Odoo's own invoices and partners",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-relationship/ar-suite",
    "author": "AR Suite contributors",
    "license": "LGPL-3",
    "depends": ["account", "mail"],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/ar_book_demo.xml",
    ],
    "application": True,
}
