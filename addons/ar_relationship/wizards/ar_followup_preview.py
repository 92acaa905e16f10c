from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.ar_followup_step import MODES


class ArFollowupPreview(models.TransientModel):
    """What follow-up would do today, per customer, with approve and skip on each line."""

    _name = "ar.followup.preview"
    _description = "Follow-up preview"

    date = fields.Date(default=fields.Date.context_today, readonly=True)
    line_ids = fields.One2many("ar.followup.preview.line", "preview_id", string="Customers")

    @api.model
    def action_open(self, partners=None):
        items = self.env["ar.followup.step"]._plan(partners)
        preview = self.create({"line_ids": [Command.create(self.line_ids._values_from_item(item)) for item in items]})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Follow-up preview"),
            "res_model": self._name,
            "res_id": preview.id,
            "view_mode": "form",
            "target": "current",
        }


class ArFollowupPreviewLine(models.TransientModel):
    _name = "ar.followup.preview.line"
    _description = "Follow-up preview line"
    _order = "sequence, id"

    preview_id = fields.Many2one("ar.followup.preview", required=True, ondelete="cascade")
    sequence = fields.Integer()
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("ar.followup.level", readonly=True)
    invoice_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    amount = fields.Monetary(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    channel = fields.Char(readonly=True)
    mode = fields.Selection(MODES, readonly=True)
    reason = fields.Char(string="Why", readonly=True)
    state = fields.Selection(
        [("pending", "To do"), ("done", "Done"), ("skipped", "Skipped")], default="pending", readonly=True
    )

    def _values_from_item(self, item):
        level = item["level"]
        channels = [
            label
            for flag, label in (
                (level.send_email, self.env._("Email")),
                (level.print_letter, self.env._("Letter")),
                (level.create_activity, self.env._("Task")),
            )
            if flag
        ]
        if item["mode"] == "human":
            channels = [self.env._("Task for the collector")]
        return {
            "partner_id": item["partner"].id,
            "level_id": level.id,
            "invoice_ids": [Command.set([invoice.id for invoice in item["targets"]])],
            "amount": item["amount"],
            "currency_id": level.company_id.currency_id.id,
            "channel": ", ".join(channels),
            "mode": item["mode"],
            "reason": "; ".join(item["reasons"]),
        }

    def _current_item(self):
        """The line's step as the engine sees it now (someone may have acted since the preview)."""
        self.ensure_one()
        items = self.env["ar.followup.step"]._plan(self.partner_id)
        if not items or items[0]["mode"] in ("paused", "below_minimum"):
            raise UserError(self.env._("No follow-up step is due for %s any more.", self.partner_id.display_name))
        item = items[0]
        if item["level"].approval == "manager" and not self.env.user.has_group("ar_relationship.group_ar_manager"):
            raise UserError(self.env._("The level %s needs an AR manager's approval.", item["level"].name))
        return item

    def action_approve(self):
        self.ensure_one()
        item = self._current_item()
        if item["mode"] != "human":
            item["mode"] = "auto"
        steps = self.env["ar.followup.step"]._execute([item], approved_by=self.env.user)
        if not steps:
            raise UserError(self.env._("Another run has just taken this step for %s.", self.partner_id.display_name))
        self.state = "done"

    def action_skip(self):
        self.ensure_one()
        self.env["ar.followup.step"]._skip(self._current_item(), self.env.user)
        self.state = "skipped"
