from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..models.ar_book_generator import DEMO_PROFILES
from .common import late_share, overdue, paid_dates


@tagged("post_install", "-at_install")
class TestDemoBook(TransactionCase):
    """The demo book shows each behaviour the README promises."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.customers = {}
        for xmlid, profile in DEMO_PROFILES.items():
            cls.customers.setdefault(profile, cls.env["res.partner"])
            cls.customers[profile] |= cls.env.ref(f"ar_relationship.{xmlid}")

    def _invoices(self, partners, move_type="out_invoice"):
        return self.env["account.move"].search(
            [("partner_id", "in", partners.ids), ("move_type", "=", move_type), ("state", "=", "posted")]
        )

    def test_forty_companies_with_a_billing_contact_and_eighteen_months(self):
        everyone = sum(self.customers.values(), self.env["res.partner"])
        self.assertGreaterEqual(len(everyone), 40)
        for partner in everyone:
            self.assertTrue(partner.is_company)
            self.assertTrue(partner.child_ids.filtered(lambda c: c.type == "invoice" and c.email), partner.name)
        dates = self._invoices(everyone).mapped("invoice_date")
        self.assertLessEqual(min(dates), self.today - relativedelta(months=17))
        self.assertGreaterEqual(max(dates), self.today - relativedelta(days=7))

    def test_reliable_payers_pay_on_time_and_chronic_ones_late(self):
        reliable = self._invoices(self.customers["reliable"])
        chronic = self._invoices(self.customers["chronic"])
        self.assertLess(late_share(reliable), 0.15)
        self.assertGreater(late_share(chronic), 0.5)
        self.assertTrue(overdue(chronic))

    def test_loyal_customer_has_just_become_late(self):
        invoices = self._invoices(self.customers["loyal_now_late"])
        paid = invoices.filtered(lambda inv: inv.payment_state == "paid")
        self.assertGreaterEqual(len(paid), 8)
        self.assertEqual(late_share(invoices), 0.0, "every past invoice was paid on time")
        self.assertLessEqual(min(paid.mapped("invoice_date")), self.today - relativedelta(months=12))
        late = overdue(invoices)
        self.assertTrue(late)
        self.assertGreater(
            min(late.mapped("invoice_date_due")), max(paid_dates(paid).values()) - relativedelta(days=60)
        )

    def test_disputing_customer_holds_back_one_invoice(self):
        partner = self.customers["disputer"]
        invoices = self._invoices(partner)
        held = overdue(invoices)
        self.assertEqual(len(held), 1)
        self.assertEqual(held.payment_state, "not_paid")
        messages = held.message_ids.filtered(lambda m: m.author_id.commercial_partner_id == partner)
        self.assertIn("We contest the unit price", messages.body)

    def test_short_payers_leave_small_remainders(self):
        invoices = self._invoices(self.customers["short"])
        short = invoices.filtered(
            lambda inv: inv.payment_state == "partial" and inv.amount_residual < 0.05 * inv.amount_total
        )
        self.assertGreaterEqual(len(short), 3)

    def test_new_customers_started_recently(self):
        for partner in self.customers["new"]:
            first = min(self._invoices(partner).mapped("invoice_date"))
            self.assertGreaterEqual(first, self.today - relativedelta(days=60), partner.name)

    def test_credit_notes_and_partial_payments(self):
        everyone = sum(self.customers.values(), self.env["res.partner"])
        refunds = self._invoices(everyone, "out_refund")
        self.assertGreaterEqual(len(refunds), 5)
        self.assertTrue(all(refund.payment_state == "paid" for refund in refunds), "each credit note is reconciled")
        invoices = self._invoices(everyone)
        # Invoices settled with more than one payment.
        receivable = invoices.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        split = receivable.filtered(lambda line: len(line.matched_credit_ids) > 1)
        self.assertGreaterEqual(len(split), 10)

    def test_portal_logins_belong_to_two_demo_customers(self):
        portal = self.env.ref("base.demo_user0")
        portal2 = self.env["res.users"].search([("login", "=", "portal2")])
        self.assertEqual(
            portal.partner_id.commercial_partner_id, self.env.ref("ar_relationship.res_partner_ar_chronic1_demo")
        )
        self.assertEqual(
            portal2.partner_id.commercial_partner_id, self.env.ref("ar_relationship.res_partner_ar_average1_demo")
        )
        self.assertTrue(portal2.has_group("base.group_portal"))
        self.assertTrue(overdue(self._invoices(portal.partner_id.commercial_partner_id)))
