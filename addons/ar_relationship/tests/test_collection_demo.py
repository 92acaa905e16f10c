from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCollectionDemo(TransactionCase):
    """The demo shows promises and payment plans in every state on the demo customers, and
    the collector's worklist built from them."""

    def _customer(self, key):
        return self.env.ref(f"ar_relationship.res_partner_ar_{key}_demo")

    def test_demo_promises_open_due_today_kept_and_broken(self):
        promises = self.env["ar.promise"].search([])
        by_customer = {(promise.partner_id, promise.state) for promise in promises}
        self.assertIn((self._customer("loyal"), "open"), by_customer)
        self.assertIn((self._customer("chronic3"), "open"), by_customer)
        self.assertIn((self._customer("chronic1"), "kept"), by_customer)
        self.assertIn((self._customer("chronic1"), "broken"), by_customer)
        broken = promises.filtered(lambda promise: promise.state == "broken")
        self.assertEqual(broken.activity_ids.user_id, self.env.ref("ar_relationship.res_users_ar_collector_demo"))
        self.assertGreater(self._customer("chronic1").ar_promise_kept_rate, 0)

    def test_demo_plans_on_schedule_at_risk_and_awaiting_approval(self):
        plans = {plan.partner_id: plan for plan in self.env["ar.payment.plan"].search([])}
        on_schedule = plans[self._customer("chronic2")]
        self.assertRecordValues(on_schedule, [{"state": "active", "at_risk": False}])
        self.assertEqual(on_schedule.line_ids[0].status, "paid")
        self.assertRecordValues(plans[self._customer("chronic5")], [{"state": "active", "at_risk": True}])
        self.assertRecordValues(
            plans[self._customer("chronic4")], [{"state": "proposed", "needs_approval": True, "approved_by_id": False}]
        )

    def test_demo_collector_worklist_shows_the_broken_promise(self):
        collector = self.env.ref("ar_relationship.res_users_ar_collector_demo")
        rows = self.env["ar.worklist"].with_user(collector).search([("is_snoozed", "=", False)])
        reasons = {row.partner_id: row.reason for row in rows}
        self.assertIn("promise broken", reasons[self._customer("chronic1")])
        self.assertNotIn(self._customer("loyal"), reasons, "its open promise covers its overdue invoices")
