from datetime import timedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date, formatLang


class ResUsers(models.Model):
    _inherit = "res.users"

    ar_digest_opt_in = fields.Boolean(
        string="Weekly AR digest",
        help="Every week, an email with the AR dashboard's tiles for the last 7 days and their change against "
        "the 7 days before. For AR managers.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["ar_digest_opt_in"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["ar_digest_opt_in"]

    def _ar_digest_values(self, date_from, date_to):
        """The dashboard's tiles as this user sees them (their rights, their companies),
        written out for the email."""
        self.ensure_one()
        data = self.env["ar.kpi"].with_user(self).dashboard_data(date_from, date_to, self.company_ids.ids)
        env = self.with_user(self).env

        def text(tile, value):
            if value is None:
                return "-"
            number = formatLang(env, value, digits=1)
            return f"{number} %" if tile["unit"] == "%" else env._("%(number)s days", number=number)

        tiles = []
        for tile in data["tiles"]:
            change = tile["change"]
            better = change and (change > 0) == tile["higher_is_better"]
            tiles.append(
                {
                    "label": tile["label"],
                    "value": text(tile, tile["value"]),
                    "previous": text(tile, tile["previous"]),
                    "change": "-"
                    if change is None
                    else ("+" if change > 0 else "") + formatLang(env, change, digits=1),
                    "color": "#6c757d" if not change else "#28a745" if better else "#dc3545",
                }
            )
        return {
            "period": env._("%(start)s to %(end)s", start=format_date(env, date_from), end=format_date(env, date_to)),
            "tiles": tiles,
        }

    @api.model
    def _cron_send_ar_digest(self):
        """Queue the weekly digest for each AR manager who opted in: the last 7 days to
        yesterday, against the 7 days before."""
        managers = self.search(
            [
                ("ar_digest_opt_in", "=", True),
                ("share", "=", False),
                ("groups_id", "in", self.env.ref("ar_relationship.group_ar_manager").ids),
            ]
        )
        template = self.env.ref("ar_reports.mail_template_ar_digest")
        date_to = fields.Date.context_today(self) - timedelta(days=1)
        date_from = date_to - timedelta(days=6)
        for user in managers:
            template.with_context(ar_digest=user._ar_digest_values(date_from, date_to)).send_mail(user.id)
