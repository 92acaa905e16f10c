from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class ArPaymentPlan(models.Model):
    _inherit = "ar.payment.plan"

    portal_request = fields.Boolean(
        string="Asked on the portal",
        readonly=True,
        copy=False,
        help="The customer asked for this plan on its account page: its request is its agreement, so the plan "
        "starts as soon as an AR manager approves it.",
    )

    def action_approve(self):
        result = super().action_approve()
        self.filtered(lambda plan: plan.portal_request and plan.state in ("draft", "proposed")).action_activate()
        return result

    @api.model
    def _ar_request_from_portal(self, partner, invoices, frequency, installment_count, down_payment=None, contact=None):
        """A payment plan the customer asks for on its account page, checked by the back
        office's "Propose payment plan" form: within the company's policy it starts at once
        (asking for it is the customer's agreement); outside, it waits for an AR manager.
        The caller has checked that `invoices` are `partner`'s. Returns the plan (sudo)."""
        partner = partner.commercial_partner_id
        if not invoices or any(move.commercial_partner_id != partner for move in invoices):
            raise UserError(self.env._("Choose among your overdue invoices."))
        if frequency not in ("weekly", "biweekly", "monthly"):
            raise UserError(self.env._("Choose how often you would pay in the list."))
        company = invoices.company_id[:1]
        values = {
            "partner_id": partner.id,
            "contact_id": contact.id if contact else False,
            "invoice_ids": [Command.set(invoices.ids)],
            "company_id": company.id,
            "frequency": frequency,
            "installment_count": installment_count,
        }
        if down_payment is not None:
            values["down_payment"] = down_payment
        form = self.env["ar.payment.plan.propose"].sudo().with_company(company).create(values)
        action = form.action_propose()
        plan = self.sudo().browse(action["res_id"])
        plan.write({"user_id": (partner.ar_collector_id or plan.user_id).id, "portal_request": True})
        if not plan.needs_approval:
            plan.action_activate()
        return plan
