from markupsafe import Markup

from odoo import fields, models
from odoo.tools.misc import format_date, formatLang


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_snoozed_until = fields.Date(
        string="Worklist snoozed until",
        copy=False,
        help="The customer leaves the collectors' worklist until this day, e.g. while waiting for a call back.",
    )
    ar_snooze_reason = fields.Char(string="Snooze reason", copy=False)
    ar_promise_count = fields.Integer(string="Promises to pay", compute="_compute_ar_promise_stats")
    ar_promise_settled_count = fields.Integer(string="Promises settled", compute="_compute_ar_promise_stats")
    ar_promise_kept_rate = fields.Float(
        string="Promises kept",
        compute="_compute_ar_promise_stats",
        help="Share of the settled promises (kept, partially kept or broken) that were kept in full. "
        "On a company: all its promises; on a contact: the promises this person made.",
    )
    ar_payment_plan_count = fields.Integer(string="Payment plans", compute="_compute_ar_payment_plan_count")

    def _compute_ar_promise_stats(self):
        partners = self._origin
        companies = partners.filtered(lambda partner: partner.commercial_partner_id == partner)
        contacts = partners - companies
        stats = {}
        Promise = self.env["ar.promise"]
        for field_name, group in (("partner_id", companies), ("contact_id", contacts)):
            if group:
                for partner, state, count in Promise._read_group(
                    [(field_name, "in", group.ids)], [field_name, "state"], ["__count"]
                ):
                    stats.setdefault(partner.id, {})[state] = count
        for partner in self:
            counts = stats.get(partner._origin.id, {})
            settled = counts.get("kept", 0) + counts.get("partial", 0) + counts.get("broken", 0)
            partner.ar_promise_count = sum(counts.values())
            partner.ar_promise_settled_count = settled
            partner.ar_promise_kept_rate = counts.get("kept", 0) / settled if settled else 0.0

    def _compute_ar_payment_plan_count(self):
        groups = self.env["ar.payment.plan"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.ar_payment_plan_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_ar_open_promises(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_promise_action")
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        return action

    def action_ar_open_payment_plans(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_payment_plan_action")
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        return action

    def action_ar_email_overdue(self):
        """The email composer, addressed to the billing contact, listing the overdue invoices."""
        self.ensure_one()
        partner = self.commercial_partner_id
        today = fields.Date.context_today(self)
        invoices = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", today),
            ],
            order="invoice_date_due, id",
        )
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td style='text-align: right'>%s</td></tr>")
            % (
                invoice.name,
                format_date(self.env, invoice.invoice_date_due),
                formatLang(self.env, invoice.amount_residual, currency_obj=invoice.currency_id),
            )
            for invoice in invoices
        )
        body = Markup(
            "<p>%s</p><table class='table table-sm'><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
            "<tbody>%s</tbody></table><p>%s</p>"
        ) % (
            self.env._("Dear customer, according to our records these invoices are past their due date:"),
            self.env._("Invoice"),
            self.env._("Due date"),
            self.env._("Left to pay"),
            rows,
            self.env._("Could you let us know when we can expect the payment? Thank you."),
        )
        recipient = partner.ar_billing_contact_id or partner
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Email %s", partner.display_name),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": partner.ids,
                "default_composition_mode": "comment",
                "default_partner_ids": recipient.ids,
                "default_subject": self.env._("Overdue invoices: %s", partner.name),
                "default_body": body,
            },
        }

    # ------------------------------------------------------------------------------------
    # The health score's hooks

    def _ar_open_promise_counts(self):
        counts = super()._ar_open_promise_counts()
        groups = (
            self.env["ar.promise"]
            .sudo()
            ._read_group([("partner_id", "in", self.ids), ("state", "=", "open")], ["partner_id"], ["__count"])
        )
        counts.update({partner.id: count for partner, count in groups})
        return counts

    def _ar_broken_promise_counts(self, date_from):
        counts = super()._ar_broken_promise_counts(date_from)
        groups = (
            self.env["ar.promise"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "broken"), ("closed_date", ">=", date_from)],
                ["partner_id"],
                ["__count"],
            )
        )
        counts.update({partner.id: count for partner, count in groups})
        return counts
