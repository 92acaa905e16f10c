{
    "name": "AR Portal",
    "summary": "The customer's account on the portal: statement, pay, promise, dispute, plan",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-relationship/ar-suite",
    "author": "AR Suite contributors",
    "license": "LGPL-3",
    "depends": ["ar_relationship", "portal", "account_payment"],
}
