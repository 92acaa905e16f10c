import secrets
from datetime import timedelta

from odoo import api, fields, models


class ArPortalToken(models.Model):
    """A signed link to a customer's account page for people without a portal login: it lets
    them read the account and pay, until it expires or a manager revokes it."""

    _name = "ar.portal.token"
    _description = "Account page link"
    _order = "create_date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        help="The commercial entity whose account the link opens.",
    )
    token = fields.Char(required=True, readonly=True, copy=False, index=True, default=lambda self: self._new_token())
    expires_at = fields.Datetime(string="Expires on", required=True, help="After this moment the link opens nothing.")
    revoked = fields.Boolean(readonly=True, help="Revoked by a manager: the link opens nothing any more.")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    url = fields.Char(compute="_compute_url", help="The link sent in reminders.")
    is_valid = fields.Boolean(string="Valid", compute="_compute_url")

    _sql_constraints = [("token_unique", "unique(token)", "A link token is unique.")]

    @api.model
    def _new_token(self):
        return secrets.token_urlsafe(32)

    @api.depends("token", "expires_at", "revoked")
    def _compute_url(self):
        now = fields.Datetime.now()
        for link in self:
            link.url = f"{link.get_base_url()}/my/ar?token={link.token}"
            link.is_valid = not link.revoked and bool(link.expires_at) and link.expires_at > now

    def action_revoke(self):
        self.write({"revoked": True})

    @api.model
    def _get_or_create(self, partner):
        """The valid link of `partner`'s commercial entity with the longest life left; a new one
        when none has at least half of the company's validity left, so that a reminder never
        carries a link about to expire."""
        partner = partner.commercial_partner_id
        company = self.env.company
        days = max(company.ar_portal_token_days, 1)
        now = fields.Datetime.now()
        link = self.sudo().search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("revoked", "=", False),
                ("expires_at", ">", now + timedelta(days=days / 2)),
            ],
            order="expires_at desc",
            limit=1,
        )
        return link or self.sudo().create(
            {"partner_id": partner.id, "company_id": company.id, "expires_at": now + timedelta(days=days)}
        )

    @api.model
    def _find_valid(self, token):
        """The link of `token` if it is still valid, else an empty recordset (sudo)."""
        # PostgreSQL refuses a NUL character in a query: such a token is never valid.
        if not token or not isinstance(token, str) or len(token) > 100 or "\x00" in token:
            return self.sudo().browse()
        return self.sudo().search(
            [("token", "=", token), ("revoked", "=", False), ("expires_at", ">", fields.Datetime.now())], limit=1
        )
