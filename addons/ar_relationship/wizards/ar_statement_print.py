from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ArStatementPrint(models.TransientModel):
    """Print the statements of the customers selected (one page each, in one PDF) for a
    statement date and a period of payments other than the default last three months."""

    _name = "ar.statement.print"
    _description = "Print customer statements"

    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        help="A contact prints the statement of its company.",
    )
    date_from = fields.Date(
        string="Payments from",
        required=True,
        default=lambda self: self.env["res.partner"]._ar_statement_period()[0],
        help="The statement lists the payments received from this date to the statement date.",
    )
    date_to = fields.Date(
        string="Statement date",
        required=True,
        default=fields.Date.context_today,
        help="The open items, their age and the balance are those of this date.",
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The payments period must start on or before the statement date."))

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "res.partner" and context.get("active_ids") and "partner_ids" in fields_list:
            partners = self.env["res.partner"].browse(context["active_ids"]).commercial_partner_id
            defaults.setdefault("partner_ids", [fields.Command.set(partners.ids)])
        return defaults

    def action_print(self):
        self.ensure_one()
        partners = self.partner_ids.commercial_partner_id
        return self.env.ref("ar_relationship.action_report_ar_statement").report_action(
            partners,
            data={
                "partner_ids": partners.ids,
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            },
        )
