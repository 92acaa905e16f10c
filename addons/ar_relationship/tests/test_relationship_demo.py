from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..models.ar_book_generator import DEMO_PROFILES


@tagged("post_install", "-at_install")
class TestRelationshipDemo(TransactionCase):
    """The demo tells the relationship story: profiles, timelines and health."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loyal = cls.env.ref("ar_relationship.res_partner_ar_loyal_demo")
        cls.collector = cls.env.ref("ar_relationship.res_users_ar_collector_demo")

    def test_loyal_customer_pays_on_time_but_is_overdue_now(self):
        loyal = self.loyal
        loyal._ar_refresh_behaviour()
        self.assertGreaterEqual(loyal.ar_on_time_rate, 0.75)
        self.assertGreaterEqual(loyal.ar_overdue_count, 1)
        self.assertGreater(loyal.ar_overdue_amount, 0)
        self.assertEqual(loyal.ar_trend, "worsening")
        self.assertIn("overdue", loyal.ar_health_explanation)
        self.assertIn("payments worsening", loyal.ar_health_explanation)
        self.assertLess(loyal.ar_health_score, 100)

    def test_loyal_customer_profile_and_timeline(self):
        loyal = self.loyal
        self.assertEqual((loyal.ar_tier, loyal.ar_collector_id), ("key", self.collector))
        self.assertEqual(loyal.ar_billing_contact_id, self.env.ref("ar_relationship.res_partner_ar_loyal_billing_demo"))
        years = relativedelta(fields.Date.today(), loyal.ar_customer_since).years
        self.assertEqual(years, 9)
        timeline = self.env["ar.touchpoint"].search([("partner_id", "=", loyal.id)])
        by_people = timeline.filtered(lambda touchpoint: not touchpoint.is_automatic)
        self.assertGreaterEqual(len(by_people), 4)
        latest = by_people[0]
        self.assertEqual(latest.reason_id, self.env.ref("ar_relationship.ar_reason_code_late_approval_pending"))
        self.assertTrue(latest.invoice_ids)
        self.assertTrue(all(invoice.payment_state == "not_paid" for invoice in latest.invoice_ids))
        # Every payment of its book is in the timeline, dated the day it was received.
        payments = timeline.filtered(lambda touchpoint: touchpoint.kind == "payment")
        paid = self.env["account.move"].search(
            [("partner_id", "=", loyal.id), ("move_type", "=", "out_invoice"), ("payment_state", "=", "paid")]
        )
        self.assertEqual(payments.invoice_ids, paid)
        self.assertLessEqual(min(payments.mapped("date")).date(), fields.Date.today() - relativedelta(months=12))

    def test_collector_login_works_some_customers(self):
        self.assertEqual(self.collector.login, "collector")
        self.assertTrue(self.collector.has_group("ar_relationship.group_ar_collector"))
        self.assertFalse(self.collector.has_group("ar_relationship.group_ar_manager"))
        customers = self.env["res.partner"].search([("ar_collector_id", "=", self.collector.id)])
        self.assertGreaterEqual(len(customers), 4)
        self.assertTrue(self.env.ref("base.user_admin").has_group("ar_relationship.group_ar_manager"))

    def test_every_demo_customer_has_a_health_and_reliable_ones_score_higher(self):
        scores = {}
        for xmlid, profile in DEMO_PROFILES.items():
            partner = self.env.ref(f"ar_relationship.{xmlid}")
            self.assertTrue(partner.ar_health_level, partner.name)
            self.assertTrue(partner.ar_health_explanation, partner.name)
            scores.setdefault(profile, []).append(partner.ar_health_score)
        average = {profile: sum(values) / len(values) for profile, values in scores.items()}
        self.assertGreater(average["reliable"], average["chronic"] + 20)
