from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user


def ar_users(env, company=None):
    """A viewer (any internal user), a collector and an AR manager."""
    company = company or env.company
    common = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
    return (
        new_test_user(env, login="ar_viewer", groups="base.group_user", **common),
        new_test_user(
            env,
            login="ar_collector",
            groups="base.group_user,account.group_account_invoice,ar_relationship.group_ar_collector",
            **common,
        ),
        new_test_user(
            env,
            login="ar_manager",
            groups="base.group_user,account.group_account_invoice,ar_relationship.group_ar_manager",
            **common,
        ),
    )


class ArAccountingCase(AccountTestInvoicingCommon):
    """Customers with invoices on 30-day terms and payments, all with explicit dates, in a
    company of their own (so the demo book does not count)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term_30 = cls.env.ref("account.account_payment_term_30days")
        cls.bank = cls.company_data["default_journal_bank"]

    @classmethod
    def _default_ladder(cls):
        """The default follow-up levels (-3, 3, 15, 30 and 45 days), copied for the test company,
        by key; no amount routes a reminder to a person."""
        cls.env.company.ar_followup_human_amount = 0
        return {
            key: cls.env.ref(f"ar_relationship.ar_followup_level_{key}")
            .sudo()
            .copy({"company_id": cls.env.company.id})
            .with_env(cls.env)
            for key in ("courtesy", "first", "second", "call", "final")
        }

    @classmethod
    def _customer(cls, name):
        customer = cls.env["res.partner"].create({"name": name, "is_company": True})
        cls.env["res.partner"].create(
            {"name": f"AP of {name}", "parent_id": customer.id, "type": "invoice", "email": "ap@example.com"}
        )
        return customer

    @classmethod
    def _invoice(cls, customer, day, amount=1000.0, post=True):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": day,
                "date": day,
                "invoice_payment_term_id": cls.term_30.id,
                "invoice_line_ids": [
                    Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, day, amount=None):
        """Register a payment on the invoice as an accountant does, with the Pay button."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "payment_date": day,
                    "journal_id": cls.bank.id,
                    "amount": amount or invoice.amount_residual,
                    "payment_difference_handling": "open",
                }
            )
        )
        return wizard._create_payments()

    @staticmethod
    def _day(text):
        return fields.Date.from_string(text)
