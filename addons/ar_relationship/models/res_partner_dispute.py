from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_dispute_count = fields.Integer(string="Dispute count", compute="_compute_ar_dispute_count")

    def _compute_ar_dispute_count(self):
        groups = self.env["ar.dispute"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.ar_dispute_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_ar_open_disputes(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_relationship.ar_dispute_action")
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"search_default_open": 1}
        action["display_name"] = self.env._("Disputes: %s", partner.display_name)
        return action
