{
    "name": "AR Portal",
    "summary": "The customer's account on the portal: statement, pay, promise, dispute, plan",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-relationship/ar-suite",
    "author": "AR Suite contributors",
    "license": "LGPL-3",
    "depends": ["ar_relationship", "portal", "account_payment"],
    "data": [
        "security/ir.model.access.csv",
        "security/ar_portal_rules.xml",
        "views/ar_portal_templates.xml",
        "views/res_partner_views.xml",
        "views/ar_payment_plan_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "demo": ["demo/ar_portal_demo.xml"],
    "assets": {
        "web.assets_tests": ["ar_portal/static/tests/tours/*.js"],
    },
}
