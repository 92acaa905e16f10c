from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date


class ArWorklistSnooze(models.TransientModel):
    """Takes customers off the worklist until a date, from worklist rows (active_ids: the
    customers)."""

    _name = "ar.worklist.snooze"
    _description = "Snooze customers in the worklist"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    date = fields.Date(string="Back on", required=True, help="The customers come back to the worklist on this day.")
    reason = fields.Char(required=True, help="e.g. Waiting for the AP manager's call back.")

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner" and self.env.context.get("active_ids"):
            defaults.setdefault("partner_ids", [fields.Command.set(self.env.context["active_ids"])])
        return defaults

    def action_snooze(self):
        self.ensure_one()
        if self.date <= fields.Date.context_today(self):
            raise UserError(self.env._("Snooze until a day after today."))
        partners = self.partner_ids.commercial_partner_id
        # Collectors work the worklist without the right to edit the customers' contact details.
        partners.sudo().write({"ar_snoozed_until": self.date, "ar_snooze_reason": self.reason})
        summary = self.env._(
            "Snoozed in the worklist until %(date)s: %(reason)s",
            date=format_date(self.env, self.date),
            reason=self.reason,
        )
        self.env["ar.touchpoint"].create(
            [{"partner_id": partner.id, "kind": "note", "summary": summary} for partner in partners]
        )
        return {"type": "ir.actions.act_window_close"}
