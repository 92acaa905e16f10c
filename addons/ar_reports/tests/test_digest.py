from datetime import date

from freezegun import freeze_time

from odoo.addons.ar_relationship.tests.ar_common import ArAccountingCase, ar_users
from odoo.tests import new_test_user, tagged

D = date.fromisoformat


@tagged("post_install", "-at_install")
class TestDigest(ArAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls._customer("Alpha")
        cls._invoice(customer, D("2026-01-01"), 500)  # due 01-31: overdue all along
        cls._invoice(customer, D("2026-03-02"), 1000)  # due 04-01: not yet due
        cls.viewer, cls.collector, cls.manager = ar_users(cls.env)
        cls.quiet_manager = new_test_user(
            cls.env,
            login="ar_manager_quiet",
            groups="base.group_user,account.group_account_invoice,ar_relationship.group_ar_manager",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )

    def _digests(self):
        return self.env["mail.mail"].search([("subject", "like", "AR digest")])

    def test_managers_opt_in_from_their_preferences(self):
        self.manager.with_user(self.manager).write({"ar_digest_opt_in": True})
        self.assertTrue(self.manager.ar_digest_opt_in)

    @freeze_time("2026-03-09")
    def test_cron_queues_one_digest_per_opted_in_manager_with_the_figures(self):
        self.manager.ar_digest_opt_in = True
        self.collector.ar_digest_opt_in = True  # not an AR manager: no digest
        before = self._digests()
        self.env["res.users"]._cron_send_ar_digest()
        digests = self._digests() - before
        self.assertEqual(digests.recipient_ids, self.manager.partner_id)
        self.assertEqual(len(digests), 1)
        # 2026-03-02 to 03-08: 1,000 sold, 1,500 open of which 500 overdue. The 7 days before:
        # nothing sold (no DSO to compare with), 500 open, all of it overdue.
        body = digests.body_html
        self.assertIn("2026", digests.subject)
        self.assertIn("10.5 days", body)  # DSO: 1,500 / 1,000 x 7
        self.assertIn("33.3 %", body)  # overdue share
        self.assertIn("100.0 %", body)  # overdue share, the 7 days before
        self.assertIn("-66.7", body)
