from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_portal_token_ids = fields.One2many(
        "ar.portal.token",
        "partner_id",
        string="Account links",
        help="The links to the account page sent in reminders; revoke one to close it at once.",
    )
