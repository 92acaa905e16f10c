import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user


class ArPortalCase(HttpCase):
    """Two customers with a portal login each and overdue invoices of their own, in the main
    company; the demo payment provider enabled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.customer_a, cls.user_a = cls._customer("Fjord Bakery", "ar_portal_a")
        cls.customer_b, cls.user_b = cls._customer("Harbour Tools", "ar_portal_b")
        # Today as the portal sees it, in the customer's time zone (none: UTC); around midnight
        # the administrator's can already be a day ahead.
        customer_env = cls.user_a.with_user(cls.user_a).with_context(tz=cls.user_a.tz)
        cls.today = fields.Date.context_today(customer_env)
        cls.invoices_a = cls._invoices(cls.customer_a, [100.0, 250.0, 400.0])
        cls.invoices_b = cls._invoices(cls.customer_b, [300.0])
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True, "company_id": cls.company.id})
        cls.env["ar.promise"].flush_model()

    @classmethod
    def _customer(cls, name, login):
        company = cls.env["res.partner"].create({"name": name, "is_company": True, "email": f"{login}@example.com"})
        contact = cls.env["res.partner"].create(
            {"name": f"Billing of {name}", "parent_id": company.id, "email": f"{login}.billing@example.com"}
        )
        user = new_test_user(
            cls.env, login=login, groups="base.group_portal", partner_id=contact.id, company_id=cls.company.id
        )
        return company, user

    @classmethod
    def _invoices(cls, partner, amounts, days_overdue=20):
        moves = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": cls.today - timedelta(days=days_overdue + index),
                    "invoice_date_due": cls.today - timedelta(days=days_overdue + index),
                    "invoice_line_ids": [
                        Command.create({"name": "Flour and yeast", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
                for index, amount in enumerate(amounts)
            ]
        )
        moves.action_post()
        return moves

    def _csrf(self):
        # The token belongs to the session: any form of the account page gives it.
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open("/my/ar/remittance").text)
        return match.group(1) if match else ""

    def _post(self, url, data, files=None, csrf=True):
        data = dict(data)
        if csrf:
            data["csrf_token"] = self._csrf()
        return self.url_open(url, data=data, files=files)

    def _transaction(self, invoices, amount=None):
        """Open the payment page and create its transaction as the payment form does."""
        query = f"invoice_ids={','.join(map(str, invoices.ids))}" + (f"&amount={amount}" if amount else "")
        page = self.url_open(f"/my/ar/pay?{query}").text
        form = re.search(r'<form[^>]*id="o_payment_form"[^>]*>', page, re.S).group(0)
        attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', form))
        method = self.env.ref("payment_demo.payment_method_demo")
        return self.make_jsonrpc_request(
            attributes["transaction-route"],
            {
                "provider_id": self.provider.id,
                "payment_method_id": method.id,
                "token_id": None,
                "amount": float(attributes["amount"]),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": attributes["landing-route"],
                "is_validation": False,
                "access_token": attributes["access-token"].replace("&amp;", "&"),
            },
        )

    def _settle(self, reference, state):
        transaction = self.env["payment.transaction"].search([("reference", "=", reference)])
        transaction._handle_notification_data(
            "demo", {"reference": reference, "payment_details": "4242", "simulated_state": state}
        )
        transaction._post_process()
        return transaction
