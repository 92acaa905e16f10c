from odoo import models


class ArFollowupStep(models.Model):
    _inherit = "ar.followup.step"

    def _compute_portal_url(self):
        # Reminders reach people who may have no portal login: the link carries a token.
        Token = self.env["ar.portal.token"]
        for step in self:
            step.portal_url = (
                step.partner_id
                and Token.with_company(step.company_id or self.env.company)._get_or_create(step.partner_id).url
            )
