from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from .ar_common import ar_users


@tagged("post_install", "-at_install")
class TestTouchpoint(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer, cls.collector, cls.manager = ar_users(cls.env)
        # A sales user: edits contacts, not their AR profile.
        cls.viewer.groups_id = [Command.link(cls.env.ref("base.group_partner_manager").id)]
        cls.customer = cls.env["res.partner"].create({"name": "Lakeshore Bakery", "is_company": True})
        cls.billing = cls.env["res.partner"].create(
            {"name": "Ada Lovell", "parent_id": cls.customer.id, "type": "invoice", "email": "ada@lakeshore.example"}
        )
        cls.customer.ar_billing_contact_id = cls.billing
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.billing.id,
                "invoice_date": "2025-03-01",
                "invoice_line_ids": [Command.create({"name": "Bread", "price_unit": 250.0, "tax_ids": []})],
            }
        )
        cls.invoice.action_post()
        cls.cash_flow = cls.env.ref("ar_relationship.ar_reason_code_late_cash_flow")

    def _touchpoint(self, **values):
        return self.env["ar.touchpoint"].create(
            {"partner_id": self.customer.id, "summary": "Called AP", "kind": "call", **values}
        )

    def _log(self, context, **values):
        """Fill the Log touchpoint form as the collector does, opened with `context`."""
        wizard_model = self.env["ar.touchpoint.log"].with_user(self.collector).with_context(**context)
        with Form(wizard_model) as form:
            for name, value in values.items():
                setattr(form, name, value)
        form.record.action_log()
        return self.env["ar.touchpoint"].search([("partner_id", "=", self.customer.id)], limit=1)

    def test_log_from_the_invoice_files_it_under_the_customer_with_the_invoice(self):
        # The invoice's button opens the form with the invoice as default.
        with Form(
            self.env["ar.touchpoint.log"].with_user(self.collector).with_context(default_invoice_ids=self.invoice.ids)
        ) as form:
            self.assertEqual(form.partner_id, self.customer)
            self.assertEqual(form.contact_id, self.billing, "the billing contact is who we usually reach")
            self.assertEqual(form.invoice_ids[:], self.invoice)
            self.assertEqual((form.kind, form.direction), ("call", "out"))
            form.outcome = "promised"
            form.reason_id = self.cash_flow
            form.sentiment = "neutral"
            form.summary = "Will pay on Friday after their customer pays"
        form.record.action_log()
        touchpoint = self.env["ar.touchpoint"].search([("invoice_ids", "in", self.invoice.ids)])
        self.assertEqual(len(touchpoint), 1)
        self.assertEqual(touchpoint.partner_id, self.customer)
        self.assertEqual(touchpoint.contact_id, self.billing)
        self.assertEqual(touchpoint.invoice_names, self.invoice.name)
        self.assertEqual((touchpoint.outcome, touchpoint.reason_id), ("promised", self.cash_flow))
        self.assertEqual(touchpoint.user_id, self.collector)
        self.assertFalse(touchpoint.is_automatic)
        self.assertEqual(self.customer.ar_last_touchpoint_date, touchpoint.date)
        self.assertEqual(self.customer.ar_touchpoint_count, 1)

    def test_log_from_a_list_of_invoices_or_a_contact(self):
        touchpoint = self._log(
            {"active_model": "account.move", "active_ids": self.invoice.ids}, kind="email", summary="Sent a copy"
        )
        self.assertEqual((touchpoint.kind, touchpoint.invoice_ids), ("email", self.invoice))
        # From the customer form of a contact: filed under its company.
        touchpoint = self._log({"default_partner_id": self.billing.id}, kind="meeting", summary="Met Ada")
        self.assertEqual((touchpoint.partner_id, touchpoint.kind), (self.customer, "meeting"))
        self.assertFalse(touchpoint.invoice_ids)

    def test_log_from_the_customer_action_is_reusable_with_context_defaults(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_touchpoint_log_action")
        self.assertEqual((action["res_model"], action["target"]), ("ar.touchpoint.log", "new"))
        touchpoint = self._log(
            {"default_partner_id": self.customer.id, "default_kind": "letter", "default_direction": "in"},
            summary="Letter from their lawyer",
        )
        self.assertEqual((touchpoint.kind, touchpoint.direction), ("letter", "in"))

    def test_invoices_and_contacts_of_another_customer_are_refused(self):
        other = self.env["res.partner"].create({"name": "Other Co", "is_company": True})
        with self.assertRaises(ValidationError):
            self._touchpoint(partner_id=other.id, invoice_ids=[Command.set(self.invoice.ids)])
        with self.assertRaises(ValidationError):
            self._touchpoint(partner_id=other.id, contact_id=self.billing.id)

    def test_timeline_newest_first_for_every_internal_user(self):
        old = self._touchpoint(date="2025-01-10 09:00:00", summary="Old call")
        new = self._touchpoint(date="2025-04-10 09:00:00", kind="email", summary="New email")
        action = self.customer.with_user(self.viewer).action_ar_open_timeline()
        timeline = self.env["ar.touchpoint"].with_user(self.viewer).search(action["domain"])
        self.assertEqual(timeline.mapped("summary"), ["New email", "Old call"])
        self.assertEqual(timeline, new | old)
        # What the list shows, read as a sales user who has no access to invoices.
        rows = timeline.read(["date", "kind", "summary", "invoice_names", "user_id", "partner_id"])
        self.assertEqual(rows[0]["kind"], "email")
        emails = self.env["ar.touchpoint"].with_user(self.viewer).search(action["domain"] + [("kind", "=", "email")])
        self.assertEqual(emails, new)

    def test_viewer_reads_but_cannot_log(self):
        with self.assertRaises(AccessError):
            self._touchpoint().with_user(self.viewer).write({"summary": "Changed"})
        with self.assertRaises(AccessError):
            self.env["ar.touchpoint"].with_user(self.viewer).create(
                {"partner_id": self.customer.id, "summary": "Viewer call"}
            )
        with self.assertRaises(AccessError):
            self.env["ar.touchpoint.log"].with_user(self.viewer).create(
                {"partner_id": self.customer.id, "summary": "Viewer call"}
            )

    def test_collector_adds_but_cannot_change_or_delete(self):
        touchpoint = (
            self.env["ar.touchpoint"]
            .with_user(self.collector)
            .create({"partner_id": self.customer.id, "summary": "Left a message", "outcome": "left_message"})
        )
        with self.assertRaises(AccessError):
            touchpoint.write({"outcome": "reached"})
        with self.assertRaises(AccessError):
            touchpoint.unlink()
        self.assertEqual(touchpoint.outcome, "left_message")

    def test_manager_corrects_and_the_correction_is_tracked(self):
        touchpoint = (
            self.env["ar.touchpoint"]
            .with_user(self.collector)
            .create({"partner_id": self.customer.id, "summary": "Reached Ada", "outcome": "reached"})
        )
        # Ends the collector's transaction: Odoo tracks no change made in the creating one.
        self.env.cr.precommit.run()
        touchpoint.with_user(self.manager).write({"outcome": "no_answer", "summary": "Voicemail only"})
        self.env.cr.precommit.run()  # where the tracking of the changes is written
        touchpoint.invalidate_recordset(["message_ids"])
        message = touchpoint.message_ids[:1]
        self.assertEqual(message.author_id, self.manager.partner_id)
        changes = {
            value.field_id.name: (value.old_value_char, value.new_value_char)
            for value in message.sudo().tracking_value_ids
        }
        self.assertEqual(changes["outcome"], ("Reached", "No answer"))
        self.assertEqual(changes["summary"], ("Reached Ada", "Voicemail only"))
        touchpoint.with_user(self.manager).unlink()
        self.assertFalse(touchpoint.exists())

    def test_only_collectors_change_the_ar_profile(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.viewer).write({"ar_tier": "key"})
        self.customer.with_user(self.viewer).write({"comment": "Prefers calls in the morning"})
        self.customer.with_user(self.collector).write({"ar_tier": "key", "ar_collector_id": self.collector.id})
        self.assertEqual(self.customer.ar_tier, "key")

    def test_sales_users_see_the_health_badge_and_timeline_but_no_log_button(self):
        arch = self.env["res.partner"].with_user(self.viewer).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="ar_health_badge"', arch)
        self.assertIn('name="action_ar_open_timeline"', arch)
        self.assertNotIn("Log touchpoint", arch)
        arch = self.env["res.partner"].with_user(self.collector).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("Log touchpoint", arch)

    def test_accounting_administrators_are_ar_managers(self):
        accountant = self.env["res.users"].create(
            {
                "name": "Chief Accountant",
                "login": "ar_chief_accountant",
                "groups_id": [Command.set(self.env.ref("account.group_account_manager").ids)],
            }
        )
        self.assertTrue(accountant.has_group("ar_relationship.group_ar_manager"))
        self.assertTrue(self.viewer.has_group("ar_relationship.group_ar_viewer"))
        self.assertFalse(self.viewer.has_group("ar_relationship.group_ar_collector"))

    def test_logging_a_touchpoint_for_someone_notifies_nobody(self):
        touchpoint = (
            self.env["ar.touchpoint"]
            .with_user(self.manager)
            .create(
                {"partner_id": self.customer.id, "summary": "Call made by the collector", "user_id": self.collector.id}
            )
        )
        self.assertFalse(touchpoint.message_follower_ids)
        self.assertFalse(
            self.env["mail.mail"].search([("model", "=", "ar.touchpoint"), ("res_id", "=", touchpoint.id)])
        )

    def test_system_logs_for_any_user(self):
        touchpoint = (
            self.env["ar.touchpoint"]
            .with_user(self.viewer)
            ._log_system([{"partner_id": self.billing.id, "kind": "portal", "direction": "in", "summary": "Viewed"}])
        )
        self.assertTrue(touchpoint.is_automatic)
        self.assertEqual(touchpoint.partner_id, self.customer)

    def test_touchpoints_stay_in_their_company(self):
        other_company = self.env["res.company"].create({"name": "AR Other Company"})
        theirs = self._touchpoint(company_id=other_company.id, summary="Their call")
        ours = self._touchpoint(summary="Our call")
        touchpoints = self.env["ar.touchpoint"].with_user(self.manager)
        self.assertEqual(touchpoints.search([("partner_id", "=", self.customer.id)]), ours)
        with self.assertRaises(AccessError):
            theirs.with_user(self.manager).read(["summary"])
        self.assertEqual(self.customer.with_user(self.manager).ar_touchpoint_count, 1)
        # A user of both companies sees both.
        self.manager.company_ids = [Command.link(other_company.id)]
        both = touchpoints.with_context(allowed_company_ids=[self.env.company.id, other_company.id])
        self.assertEqual(both.search([("partner_id", "=", self.customer.id)]), ours | theirs)


@tagged("post_install", "-at_install")
class TestReasonCode(TransactionCase):
    def test_default_reasons_of_each_kind_are_installed(self):
        reasons = self.env["ar.reason.code"].search([("company_id", "=", False)])
        counts = {
            kind: len(reasons.filtered(lambda r, kind=kind: r.kind == kind))
            for kind in ("late_payment", "dispute", "deduction")
        }
        self.assertEqual(counts, {"late_payment": 7, "dispute": 6, "deduction": 7})
        self.assertTrue(self.env.ref("ar_relationship.ar_reason_code_deduction_unauthorized").needs_approval)

    def test_managers_edit_everyone_reads(self):
        viewer, collector, manager = ar_users(self.env)
        reason = self.env.ref("ar_relationship.ar_reason_code_late_oversight")
        self.assertEqual(reason.with_user(viewer).name, "Oversight")
        with self.assertRaises(AccessError):
            reason.with_user(collector).write({"name": "Forgot"})
        reason.with_user(manager).write({"name": "Forgot"})
        self.assertEqual(reason.name, "Forgot")

    def test_a_code_is_unique_per_kind(self):
        with self.assertRaises(ValidationError):
            self.env["ar.reason.code"].create({"code": "CASH_FLOW", "name": "Cash", "kind": "late_payment"})
        dispute = self.env["ar.reason.code"].create({"code": "CASH_FLOW", "name": "Cash", "kind": "dispute"})
        self.assertEqual(dispute.kind, "dispute")
