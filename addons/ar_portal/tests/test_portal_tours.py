from odoo.tests import tagged

from .common import ArPortalCase


@tagged("post_install", "-at_install")
class TestPortalTours(ArPortalCase):
    """The customer's account page in a real browser, as ar_portal_a (Fjord Bakery)."""

    def _tour(self, name):
        self.start_tour("/my/ar", name, login="ar_portal_a")

    def test_pay_several_invoices_with_demo_provider(self):
        self._tour("ar_portal_pay")
        transaction = self.env["payment.transaction"].search([("partner_id", "=", self.user_a.partner_id.id)])
        self.assertEqual(len(transaction), 1)
        self.assertEqual(len(transaction.invoice_ids), 2)
        for invoice in transaction.invoice_ids:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_partial_payment(self):
        self._tour("ar_portal_pay_partial")
        transaction = self.env["payment.transaction"].search([("partner_id", "=", self.user_a.partner_id.id)])
        self.assertEqual(transaction.amount, 40.0)
        self.assertEqual(transaction.invoice_ids.payment_state, "partial")

    def test_dispute_with_a_file(self):
        self._tour("ar_portal_dispute")
        dispute = self.env["ar.dispute"].search([("partner_id", "=", self.customer_a.id)])
        self.assertRecordValues(dispute, [{"amount": 30.0, "origin": "portal", "state": "new"}])
        self.assertEqual(dispute.message_ids.attachment_ids.mapped("name"), ["delivery-note.pdf"])

    def test_promise(self):
        self._tour("ar_portal_promise")
        promise = self.env["ar.promise"].search([("partner_id", "=", self.customer_a.id)])
        self.assertRecordValues(promise, [{"amount": 100.0, "channel": "portal", "state": "open"}])

    def test_payment_plan_and_an_installment(self):
        self._tour("ar_portal_plan")
        plan = self.env["ar.payment.plan"].search([("partner_id", "=", self.customer_a.id)])
        self.assertEqual(plan.state, "active")
        transaction = self.env["payment.transaction"].search([("partner_id", "=", self.user_a.partner_id.id)])
        self.assertEqual(transaction.state, "done")
        self.assertEqual(transaction.amount, plan.line_ids[0].amount)
        self.assertEqual(plan.line_ids[0].status, "paid")

    def test_remittance_advice(self):
        self._tour("ar_portal_remittance")
        touchpoint = self.env["ar.touchpoint"].search(
            [("partner_id", "=", self.customer_a.id), ("kind", "=", "portal")]
        )
        self.assertIn("TRF-0042", touchpoint.summary)


@tagged("post_install", "-at_install")
class TestPortalToursPhone(ArPortalCase):
    """The same page at a phone's width."""

    browser_size = "375x740"
    touch_enabled = True

    def test_pay_several_invoices_on_a_phone(self):
        self.start_tour("/my/ar", "ar_portal_pay", login="ar_portal_a")
        transaction = self.env["payment.transaction"].search([("partner_id", "=", self.user_a.partner_id.id)])
        self.assertEqual(transaction.state, "done")
        self.assertEqual(len(transaction.invoice_ids), 2)
