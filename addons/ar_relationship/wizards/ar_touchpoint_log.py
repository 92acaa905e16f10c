from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context

from ..models.ar_touchpoint import KINDS, OUTCOMES


class ArTouchpointLog(models.TransientModel):
    """The quick form behind every "Log touchpoint" button. Callers pass what they know as
    context defaults (default_partner_id, default_invoice_ids, default_kind...); opened from
    invoices (active_model account.move), it files the touchpoint under their customer."""

    _name = "ar.touchpoint.log"
    _description = "Log a touchpoint"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    contact_id = fields.Many2one(
        "res.partner", string="Contact reached", domain="[('commercial_partner_id', '=', partner_id)]"
    )
    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', 'in', ('out_invoice', 'out_refund')),"
        " ('state', '=', 'posted')]",
    )
    kind = fields.Selection(KINDS, required=True, default="call")
    direction = fields.Selection([("out", "Outbound"), ("in", "Inbound")], required=True, default="out")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    outcome = fields.Selection(OUTCOMES)
    summary = fields.Char(required=True)
    body = fields.Text(string="Details")
    reason_id = fields.Many2one(
        "ar.reason.code",
        string="Late-payment reason",
        domain=[("kind", "=", "late_payment")],
        help="When the customer says why it has not paid.",
    )
    sentiment = fields.Selection([("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")])

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "account.move" and context.get("active_ids") and "invoice_ids" in fields_list:
            defaults.setdefault("invoice_ids", [fields.Command.set(context["active_ids"])])
        if context.get("active_model") == "res.partner" and context.get("active_id") and "partner_id" in fields_list:
            defaults.setdefault("partner_id", context["active_id"])
        invoice_ids = self._fields["invoice_ids"].convert_to_cache(defaults.get("invoice_ids", []), self)
        invoices = self.env["account.move"].browse(invoice_ids)
        if invoices and "partner_id" in fields_list:
            customers = invoices.commercial_partner_id
            if len(customers) > 1:
                raise UserError(self.env._("Log a touchpoint on the invoices of one customer at a time."))
            defaults.setdefault("partner_id", customers.id)
        if defaults.get("partner_id"):
            partner = self.env["res.partner"].browse(defaults["partner_id"])
            defaults["partner_id"] = partner.commercial_partner_id.id
            if "contact_id" in fields_list and partner.commercial_partner_id.ar_billing_contact_id:
                defaults.setdefault("contact_id", partner.commercial_partner_id.ar_billing_contact_id.id)
        return defaults

    def action_log(self):
        self.ensure_one()
        # The defaults the caller gave the wizard are not meant for the touchpoint's own records.
        self.env(context=clean_context(self.env.context))["ar.touchpoint"].create(
            {
                "partner_id": self.partner_id.id,
                "contact_id": self.contact_id.id,
                "invoice_ids": [fields.Command.set(self.invoice_ids.ids)],
                "kind": self.kind,
                "direction": self.direction,
                "date": self.date,
                "outcome": self.outcome,
                "summary": self.summary,
                "body": self.body,
                "reason_id": self.reason_id.id,
                "sentiment": self.sentiment,
                "company_id": (self.invoice_ids.company_id[:1] or self.env.company).id,
            }
        )
        return {"type": "ir.actions.act_window_close"}
