from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from .ar_dispute import OPEN_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_dispute_ids = fields.One2many("ar.dispute", "invoice_id", string="Disputes")
    ar_dispute_count = fields.Integer(string="Dispute count", compute="_compute_ar_dispute_count")

    def _compute_ar_dispute_count(self):
        groups = self.env["ar.dispute"]._read_group(
            [("invoice_id", "in", self._origin.ids)], ["invoice_id"], ["__count"]
        )
        counts = {invoice.id: count for invoice, count in groups}
        for move in self:
            move.ar_dispute_count = counts.get(move._origin.id, 0)

    def action_ar_open_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_dispute_action")
        action["domain"] = [("invoice_id", "=", self.id)]
        action["context"] = {"default_invoice_id": self.id}
        action["display_name"] = self.env._("Disputes: %s", self.name)
        return action

    def action_ar_create_deductions(self):
        """The "Create deductions" action on a list of invoices: the remainder of each short-paid
        one (partly paid, remainder within the company's deduction limits) becomes a deduction
        to qualify. Says which invoices were left out and why."""
        Dispute = self.env["ar.dispute"]
        invoices = self.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        short = Dispute._ar_short_paid(invoices)
        skipped = []
        for move in self - invoices.filtered(lambda invoice: invoice.id in short):
            skipped.append(self.env._("%(invoice)s (%(why)s)", invoice=move.name, why=move._ar_not_short_paid_reason()))
        if not short:
            raise UserError(
                self.env._("None of these invoices is short paid:\n%s", "\n".join(skipped))
                if skipped
                else self.env._("Select the short-paid invoices first.")
            )
        deductions = Dispute.create(
            [
                {"invoice_id": invoice_id, "kind": "deduction", "amount": amount, "origin": "back_office"}
                for invoice_id, amount in short.items()
            ]
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_dispute_action")
        action["domain"] = [("id", "in", deductions.ids)]
        action["display_name"] = self.env._("New deductions")
        message = self.env._("%s deduction(s) created.", len(deductions))
        if skipped:
            message = self.env._("%(message)s Left out: %(skipped)s", message=message, skipped=", ".join(skipped))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "warning" if skipped else "success", "message": message, "next": action},
        }

    def _ar_not_short_paid_reason(self):
        """Why the batch action leaves this invoice out, in a few words."""
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state != "posted":
            return self.env._("not a posted customer invoice")
        if self.payment_state != "partial":
            return self.env._("not partly paid")
        if self._ar_disputed_amounts().get(self.id):
            return self.env._("already in dispute")
        return self.env._(
            "%s left to pay, above the deduction limits",
            formatLang(self.env, self.amount_residual_signed, currency_obj=self.company_currency_id),
        )

    def _ar_disputed_amounts(self):
        """{invoice id: amount in open disputes, in the company's currency} for the invoices of
        `self` with open disputes, in one query. Follow-up leaves these amounts alone."""
        if not self:
            return {}
        groups = (
            self.env["ar.dispute"]
            .sudo()
            ._read_group([("invoice_id", "in", self.ids), ("state", "in", OPEN_STATES)], ["invoice_id"], ["amount:sum"])
        )
        return {invoice.id: amount for invoice, amount in groups}
