from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import SQL, formatLang


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_followup_step_ids = fields.One2many("ar.followup.step", "partner_id", string="Follow-up steps")

    def action_ar_process_followups(self):
        """Take now the follow-up steps due for the selected customers (no commit: the button's
        transaction holds everything)."""
        steps = self.env["ar.followup.step"]._run(self.commercial_partner_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if steps else "info",
                "message": self.env._("%s follow-up step(s) taken.", len(steps))
                if steps
                else self.env._("No follow-up step is due for these customers today."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_ar_followup_preview(self):
        return self.env["ar.followup.preview"].action_open(self.commercial_partner_id)

    def _ar_followup_human_reasons(self, today):
        """The rules that give a customer's follow-up to a person, per partner: a list of
        (reason in plain words, applies to late invoices only)."""
        company = self.env.company
        last_late = self._ar_last_late_payment_dates()
        reasons = defaultdict(list)
        for partner in self:
            if partner.ar_automation == "human":
                reasons[partner.id].append((self.env._("human-only customer"), False))
            if partner.ar_tier == "key":
                reasons[partner.id].append((self.env._("key account"), False))
            if partner.ar_open_dispute_amount:
                reasons[partner.id].append(
                    (
                        self.env._(
                            "open dispute of %s",
                            formatLang(self.env, partner.ar_open_dispute_amount, currency_obj=company.currency_id),
                        ),
                        False,
                    )
                )
            since = partner.ar_customer_since
            if (
                since
                and since <= today - relativedelta(years=company.ar_loyal_years)
                and partner.ar_on_time_rate * 100 >= company.ar_loyal_on_time_rate
            ):
                last = last_late.get(partner.id)
                quiet_since = last or since
                if quiet_since <= today - relativedelta(months=company.ar_loyal_quiet_months):
                    delta = relativedelta(today, quiet_since)
                    months = delta.years * 12 + delta.months
                    reasons[partner.id].append(
                        (self.env._("loyal customer, first late payment in %s months", months), True)
                    )
        return reasons

    def _ar_last_late_payment_dates(self):
        """{commercial partner id: the last day it paid an invoice after its due date, or took a
        follow-up step on an overdue invoice}, in two queries for all partners."""
        if not self:
            return {}
        for model in ("account.move", "account.move.line", "account.partial.reconcile"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT move.commercial_partner_id, MAX(partial.max_date)
                  FROM account_move move
                  JOIN account_move_line line ON line.move_id = move.id AND line.display_type = 'payment_term'
                  JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
                 WHERE move.commercial_partner_id IN %s
                   AND move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND partial.max_date > move.invoice_date_due
              GROUP BY move.commercial_partner_id
                """,
                tuple(self.ids),
            )
        )
        last = dict(self.env.cr.fetchall())
        steps = self.env["ar.followup.step"]._read_group(
            [("partner_id", "in", self.ids), ("level_id.delay", ">", 0)], ["partner_id"], ["date:max"]
        )
        for partner, day in steps:
            last[partner.id] = max(day, last.get(partner.id, day))
        return last
