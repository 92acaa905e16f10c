from odoo import models


class ArFollowupStep(models.Model):
    _inherit = "ar.followup.step"

    def _compute_portal_url(self):
        # Reminders reach people who may have no portal login: the link carries a token.
        Token = self.env["ar.portal.token"]
        for step in self:
            if not step.partner_id:
                step.portal_url = False
                continue
            company = step.company_id or self.env.company
            step.portal_url = Token.with_company(company)._get_or_create(step.partner_id).url
