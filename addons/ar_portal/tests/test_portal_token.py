from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ArPortalCase


@tagged("post_install", "-at_install")
class TestPortalToken(ArPortalCase):
    def _link(self, partner, **values):
        return self.env["ar.portal.token"].create(
            {"partner_id": partner.id, "expires_at": fields.Datetime.now() + timedelta(days=5), **values}
        )

    def test_link_reads_and_pays_without_login(self):
        link = self._link(self.customer_a)
        self.assertIn(f"/my/ar?token={link.token}", link.url)
        page = self.url_open(f"/my/ar?token={link.token}").text
        self.assertIn(self.invoices_a[0].name, page)
        self.assertNotIn(self.invoices_b.name, page)
        pay = self.url_open(f"/my/ar/pay?invoice_ids={self.invoices_a[0].id}")
        self.assertEqual(pay.status_code, 200)
        self.assertIn("o_payment_form", pay.text)
        self.assertEqual(self.url_open(f"/my/ar/pay?invoice_ids={self.invoices_b.id}").status_code, 400)
        self.assertEqual(self.url_open(f"/my/ar/invoice/{self.invoices_b.id}").status_code, 404)
        redirect = self.url_open(f"/my/ar/invoice/{self.invoices_a[0].id}", allow_redirects=False)
        self.assertIn("access_token=", redirect.headers["Location"])

    def test_link_pays_for_its_customer(self):
        link = self._link(self.customer_a)
        self.url_open(f"/my/ar?token={link.token}")
        values = self._transaction(self.invoices_a[0])
        transaction = self._settle(values["reference"], "done")
        self.assertEqual(transaction.partner_id, self.customer_a)
        self.assertIn(self.invoices_a[0].payment_state, ("paid", "in_payment"))

    def test_link_needs_login_for_promises_unless_allowed(self):
        link = self._link(self.customer_a)
        self.url_open(f"/my/ar?token={link.token}")
        response = self.url_open("/my/ar/promise")
        self.assertEqual(response.status_code, 403)
        self.assertIn("log in", response.text)
        self.assertEqual(self.url_open(f"/my/ar/dispute/new?invoice_id={self.invoices_a[0].id}").status_code, 403)
        self.assertEqual(self.url_open("/my/ar/plan").status_code, 403)
        self.company.ar_portal_token_actions = True
        self._post("/my/ar/promise", {"amount": "50", "promise_date": str(self.today + timedelta(days=4))})
        promise = self.env["ar.promise"].search([("partner_id", "=", self.customer_a.id)])
        self.assertEqual(promise.amount, 50.0)
        reason = self.env["ar.reason.code"].search([("kind", "=", "dispute")], limit=1)
        response = self._post(
            f"/my/ar/dispute/new?invoice_id={self.invoices_a[0].id}",
            {"reason_id": str(reason.id), "amount": "20", "message": "Sent from the reminder's link"},
        )
        self.assertIn("Sent from the reminder", response.text, "the visitor follows its dispute")
        dispute = self.env["ar.dispute"].search([("invoice_id", "=", self.invoices_a[0].id)])
        self.assertEqual(dispute.origin, "portal")

    def test_expired_revoked_and_unknown_links_open_nothing(self):
        expired = self._link(self.customer_a, expires_at=fields.Datetime.now() - timedelta(minutes=1))
        revoked = self._link(self.customer_a)
        revoked.action_revoke()
        for token in (expired.token, revoked.token, "not-a-token", "x" * 500):
            with self.subTest(token=token[:12]):
                response = self.url_open(f"/my/ar?token={token}")
                self.assertEqual(response.status_code, 403)
                self.assertIn("expired or was revoked", response.text)
                self.assertNotIn(self.invoices_a[0].name, response.text)

    def test_revoking_closes_an_open_session(self):
        link = self._link(self.customer_a)
        self.assertEqual(self.url_open(f"/my/ar?token={link.token}").status_code, 200)
        link.action_revoke()
        response = self.url_open("/my/ar/remittance")
        self.assertEqual(response.status_code, 403)

    def test_foreign_link_reaches_only_its_customer(self):
        link_b = self._link(self.customer_b)
        self.url_open(f"/my/ar?token={link_b.token}")
        for url in (
            f"/my/ar/pay?invoice_ids={self.invoices_a[0].id}",
            f"/my/ar/invoice/{self.invoices_a[0].id}",
        ):
            with self.subTest(url=url):
                self.assertIn(self.url_open(url).status_code, (400, 404))
        response = self._post("/my/ar/remittance", {f"amount_{self.invoices_a[0].id}": "10", "reference": "X"})
        self.assertIn("Choose among your open invoices", response.text)

    def test_reminder_links_to_the_account_with_a_token(self):
        link = self.env["ar.portal.token"]._get_or_create(self.customer_a.child_ids[:1])
        self.assertEqual(link.partner_id, self.customer_a)
        self.assertEqual(self.env["ar.portal.token"]._get_or_create(self.customer_a), link, "reused while fresh")
        self.company.write({"ar_followup_human_amount": 0, "ar_followup_scope": "all"})
        steps = self.env["ar.followup.step"]._run(self.customer_a)
        self.assertTrue(steps.message_id, "a reminder was sent")
        self.assertIn(f"/my/ar?token={link.token}", steps.message_id.body)


@tagged("post_install", "-at_install")
class TestPortalDemo(ArPortalCase):
    def test_demo_customers_pages_render(self):
        chronic = self.env.ref("ar_relationship.res_partner_ar_chronic1_demo", raise_if_not_found=False)
        portal = self.env["res.users"].search([("login", "=", "portal")])
        if not chronic or portal.partner_id.commercial_partner_id != chronic:
            self.skipTest("the demo book is not loaded")
        self.authenticate("portal", "portal")
        for url in ("/my/ar", "/my/ar/promise", "/my/ar/plan", "/my/ar/remittance", "/my"):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
        self.assertIn(chronic.name, self.url_open("/my/ar").text)
        link = self.env.ref("ar_portal.ar_portal_token_chronic1_demo", raise_if_not_found=False)
        if link and link.is_valid:
            self.authenticate(None, None)
            self.assertIn(chronic.name, self.url_open(link.url.replace(link.get_base_url(), "")).text)

    def test_demo_portal_dispute_is_followed_by_its_customer(self):
        average = self.env.ref("ar_relationship.res_partner_ar_average1_demo", raise_if_not_found=False)
        dispute = self.env["ar.dispute"].search([("partner_id", "=", average.id), ("origin", "=", "portal")], limit=1)
        if not dispute:
            self.skipTest("the demo book is not loaded")
        self.authenticate("portal2", "portal2")
        page = self.url_open(f"/my/ar/dispute/{dispute.id}").text
        self.assertIn("boxes arrived crushed", page)
        self.authenticate("portal", "portal")
        self.assertEqual(self.url_open(f"/my/ar/dispute/{dispute.id}").status_code, 404)
