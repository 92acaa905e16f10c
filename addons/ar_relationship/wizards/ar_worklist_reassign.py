from odoo import api, fields, models
from odoo.exceptions import UserError


class ArWorklistReassign(models.TransientModel):
    """Gives customers to another collector, from worklist rows (active_ids: the customers)."""

    _name = "ar.worklist.reassign"
    _description = "Reassign customers to a collector"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    collector_id = fields.Many2one(
        "res.users",
        required=True,
        domain=lambda self: [("groups_id", "in", self.env.ref("ar_relationship.group_ar_collector").ids)],
    )

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner" and self.env.context.get("active_ids"):
            defaults.setdefault("partner_ids", [fields.Command.set(self.env.context["active_ids"])])
        return defaults

    def action_reassign(self):
        self.ensure_one()
        if not self.collector_id.has_group("ar_relationship.group_ar_collector"):
            raise UserError(self.env._("%s is not a collector.", self.collector_id.name))
        # Collectors hand customers over without the right to edit their contact details.
        self.partner_ids.commercial_partner_id.sudo().write({"ar_collector_id": self.collector_id.id})
        return {"type": "ir.actions.act_window_close"}
