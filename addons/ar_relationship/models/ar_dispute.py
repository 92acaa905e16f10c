from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date, formatLang

KINDS = [("dispute", "Dispute"), ("deduction", "Deduction")]
ORIGINS = [("back_office", "Back office"), ("portal", "Portal"), ("payment", "Payment")]
STATES = [
    ("new", "New"),
    ("investigating", "Investigating"),
    ("valid", "Valid"),
    ("invalid", "Invalid"),
    ("closed", "Closed"),
]
# While open, the amount is out of follow-up; resolved or closed, it is not.
OPEN_STATES = ("new", "investigating")
RESOLUTIONS = [
    ("credit_note", "Credit note"),
    ("write_off", "Write-off"),
    ("rejected", "Rejected"),
    ("withdrawn", "Withdrawn"),
    ("paid", "Paid by the customer"),
]
AGE_BUCKETS = [("0_30", "0-30 days"), ("31_60", "31-60 days"), ("61_90", "61-90 days"), ("over_90", "Over 90 days")]


class ArDispute(models.Model):
    """An amount of an invoice the customer contests (dispute) or did not pay (deduction).
    While it is open, that amount is out of follow-up; it ends valid (a credit note or a
    write-off takes it off the invoice), invalid (it is due again) or closed."""

    _name = "ar.dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Dispute or deduction"
    _order = "date_opened desc, id desc"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    invoice_id = fields.Many2one(
        "account.move",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('payment_state', 'in', ('not_paid', 'partial')), ('commercial_partner_id', '=?', partner_id)]",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        help="The invoice's customer (its commercial entity). Choose it first to choose among its invoices.",
    )
    company_id = fields.Many2one(related="invoice_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        KINDS,
        required=True,
        default="dispute",
        tracking=True,
        help="Dispute: the customer contests an amount of the invoice. Deduction: the customer paid less than "
        "invoiced.",
    )
    amount = fields.Monetary(
        required=True,
        tracking=True,
        help="In the company's currency. At most what is left to pay on the invoice, less its other open disputes.",
    )
    reason_id = fields.Many2one(
        "ar.reason.code",
        index=True,
        tracking=True,
        domain="[('kind', '=', kind)]",
        help="Why the customer disputes or deducted. A deduction found on a payment may come without one: set it "
        "before resolving.",
    )
    description = fields.Text(help="What the customer says, and what we found.")
    origin = fields.Selection(
        ORIGINS,
        required=True,
        default="back_office",
        readonly=True,
        help="Back office: recorded by us. Portal: sent by the customer. Payment: found when a payment left a "
        "small amount open on the invoice.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        index=True,
        tracking=True,
        domain=[("share", "=", False)],
        help="Who resolves it. Set by the routing rules when it is opened.",
    )
    team_id = fields.Many2one("ar.dispute.team", index=True, tracking=True)
    state = fields.Selection(STATES, required=True, default="new", index=True, tracking=True, group_expand=True)
    date_opened = fields.Date(string="Opened on", required=True, default=fields.Date.context_today, index=True)
    date_resolved = fields.Date(string="Resolved on", readonly=True, copy=False)
    days_to_resolve = fields.Integer(
        compute="_compute_days_to_resolve",
        store=True,
        aggregator="avg",
        help="From the day it was opened to the day it was resolved.",
    )
    days_open = fields.Integer(
        compute="_compute_age",
        store=True,
        aggregator="avg",
        help="Days since it was opened (until resolved), as of the last nightly refresh.",
    )
    age_bucket = fields.Selection(AGE_BUCKETS, string="Age", compute="_compute_age", store=True)
    deadline = fields.Date(
        compute="_compute_deadline",
        store=True,
        readonly=False,
        tracking=True,
        help="The day it should be resolved by: the day it was opened plus the reason's deadline in days.",
    )
    is_overdue = fields.Boolean(
        string="Overdue", compute="_compute_is_overdue", search="_search_is_overdue", help="Open past its deadline."
    )
    resolution_type = fields.Selection(RESOLUTIONS, string="Resolution", readonly=True, copy=False, tracking=True)
    resolution_amount = fields.Monetary(
        readonly=True, copy=False, help="Credited or written off; for a rejection, the amount due again."
    )
    resolution_move_id = fields.Many2one(
        "account.move",
        string="Resolution entry",
        readonly=True,
        copy=False,
        help="The credit note or the write-off entry reconciled with the invoice.",
    )

    @api.depends("invoice_id")
    def _compute_partner_id(self):
        for dispute in self:
            dispute.partner_id = dispute.invoice_id.commercial_partner_id or dispute.partner_id

    @api.depends("date_opened", "date_resolved")
    def _compute_days_to_resolve(self):
        for dispute in self:
            resolved = dispute.date_resolved
            dispute.days_to_resolve = (resolved - dispute.date_opened).days if resolved and dispute.date_opened else 0

    @api.depends("date_opened", "date_resolved")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for dispute in self:
            days = max(((dispute.date_resolved or today) - dispute.date_opened).days, 0) if dispute.date_opened else 0
            dispute.days_open = days
            dispute.age_bucket = (
                "0_30" if days <= 30 else "31_60" if days <= 60 else "61_90" if days <= 90 else "over_90"
            )

    # Not on the reason's deadline days: changing the policy does not move the deadlines given.
    @api.depends("date_opened", "reason_id")
    def _compute_deadline(self):
        for dispute in self:
            days = dispute.reason_id.deadline_days if dispute.reason_id else 30
            dispute.deadline = dispute.date_opened and dispute.date_opened + timedelta(days=days)

    @api.depends("deadline", "state")
    @api.depends_context("date")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for dispute in self:
            dispute.is_overdue = dispute.state in OPEN_STATES and bool(dispute.deadline) and dispute.deadline < today

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search overdue disputes with 'is set' or 'is not set'."))
        domain = [("state", "in", OPEN_STATES), ("deadline", "<", fields.Date.context_today(self))]
        return domain if (operator == "=") == value else ["!", *domain]

    @api.constrains("amount", "invoice_id")
    def _check_amount(self):
        disputed = self.invoice_id._ar_disputed_amounts()
        for dispute in self:
            currency = dispute.currency_id
            if currency.compare_amounts(dispute.amount, 0) <= 0:
                raise ValidationError(self.env._("The amount of %s must be above zero.", dispute.name))
            invoice = dispute.invoice_id.sudo()
            if dispute.state not in OPEN_STATES:
                continue
            if currency.compare_amounts(disputed.get(invoice.id, 0.0), invoice.amount_residual_signed) > 0:
                raise ValidationError(
                    self.env._(
                        "%(invoice)s has %(left)s left to pay: it cannot bear %(disputed)s in open disputes.",
                        invoice=invoice.name,
                        left=formatLang(self.env, invoice.amount_residual_signed, currency_obj=currency),
                        disputed=formatLang(self.env, disputed.get(invoice.id, 0.0), currency_obj=currency),
                    )
                )

    @api.constrains("invoice_id", "partner_id")
    def _check_invoice(self):
        for dispute in self:
            invoice = dispute.invoice_id.sudo()
            if invoice.move_type != "out_invoice" or invoice.state != "posted":
                raise ValidationError(
                    self.env._("%s is not a posted customer invoice: only those can be disputed.", invoice.display_name)
                )
            if dispute.partner_id != invoice.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(invoice)s is not an invoice of %(customer)s.",
                        invoice=invoice.name,
                        customer=dispute.partner_id.display_name,
                    )
                )

    @api.constrains("kind", "reason_id")
    def _check_reason_kind(self):
        for dispute in self:
            if dispute.reason_id and dispute.reason_id.kind != dispute.kind:
                raise ValidationError(
                    self.env._(
                        "%(reason)s is not a reason for a %(kind)s.",
                        reason=dispute.reason_id.name,
                        kind=dict(KINDS)[dispute.kind].lower(),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("ar.dispute") or "/"
        disputes = super().create(vals_list)
        disputes.filtered(lambda dispute: not dispute.user_id and not dispute.team_id)._ar_route()
        disputes._ar_log([dispute._ar_opened_summary() for dispute in disputes])
        disputes._ar_schedule_review()
        disputes.partner_id._ar_mark_behaviour_to_recompute()
        return disputes

    def write(self, vals):
        logged = {"state", "amount", "reason_id"}.intersection(vals)
        before = {dispute.id: (dispute.state, dispute.amount, dispute.reason_id) for dispute in self} if logged else {}
        partners = self.partner_id
        result = super().write(vals)
        if logged:
            self._ar_log([dispute._ar_change_summary(*before[dispute.id]) for dispute in self])
        if logged or "invoice_id" in vals:
            (partners | self.partner_id)._ar_mark_behaviour_to_recompute()
        return result

    # ------------------------------------------------------------------------------------
    # Actions

    def action_investigate(self):
        for dispute in self:
            if dispute.state != "new":
                raise UserError(
                    self.env._("%s is not new: it is already under investigation or resolved.", dispute.name)
                )
            dispute.write({"state": "investigating", "user_id": dispute.user_id.id or self.env.user.id})

    def action_open_resolve(self):
        """The resolution form, for the resolution in the context (credit note, write-off or
        rejection)."""
        self.ensure_one()
        self._ar_check_open()
        resolution = self.env.context.get("ar_resolution", "credit_note")
        return {
            "type": "ir.actions.act_window",
            "name": dict(self.env["ar.dispute.resolve"]._fields["resolution"].selection)[resolution],
            "res_model": "ar.dispute.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"default_dispute_id": self.id, "default_resolution": resolution},
        }

    def action_close(self):
        """Resolved: file it. Still open: the customer withdrew it, its amount is due again."""
        today = fields.Date.context_today(self)
        for dispute in self:
            if dispute.state == "closed":
                continue
            if dispute.state in OPEN_STATES:
                dispute.write(
                    {
                        "state": "closed",
                        "resolution_type": "withdrawn",
                        "resolution_amount": 0.0,
                        "date_resolved": today,
                    }
                )
            else:
                dispute.state = "closed"

    def action_open_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.invoice_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------------------------
    # Resolutions: the real accounting

    def _ar_resolve_credit_note(self, amount=None, date=None):
        """Valid: a credit note of `amount` (default: the disputed amount) for the customer,
        posted and reconciled with the invoice. Returns the credit note."""
        self.ensure_one()
        amount, date = self._ar_check_resolution("credit_note", amount, date)
        # Posting a credit note of the invoice reconciles them: the invoice may be paid before the
        # dispute is valid, which must not read as the customer paying in full.
        resolving = self.with_context(ar_resolving_dispute_id=self.id)
        credit_note = resolving._ar_create_credit_note(amount, date)
        resolving._ar_reconcile_with_invoice(credit_note)
        self.write(
            {
                "state": "valid",
                "resolution_type": "credit_note",
                "resolution_amount": amount,
                "resolution_move_id": credit_note.id,
                "date_resolved": date,
            }
        )
        return credit_note

    def _ar_resolve_write_off(self, amount=None, account=None, date=None):
        """Valid: a balanced entry moves `amount` (default: the disputed amount) from the
        customer's receivable to `account` (default: the company's write-off account) and is
        reconciled with the invoice. Above the company's threshold, an AR manager only.
        Returns the entry."""
        self.ensure_one()
        amount, date = self._ar_check_resolution("write_off", amount, date)
        account = account or self.company_id.ar_writeoff_account_id
        if not account:
            raise UserError(
                self.env._("Choose the account to write off to, or set the write-off account in the settings.")
            )
        if account.account_type in ("asset_receivable", "liability_payable"):
            raise UserError(self.env._("Write off to an expense or income account, not to %s.", account.display_name))
        resolving = self.with_context(ar_resolving_dispute_id=self.id)
        entry = resolving._ar_create_write_off(amount, account, date)
        resolving._ar_reconcile_with_invoice(entry)
        self.write(
            {
                "state": "valid",
                "resolution_type": "write_off",
                "resolution_amount": amount,
                "resolution_move_id": entry.id,
                "date_resolved": date,
            }
        )
        return entry

    def _ar_reject(self, message=None, date=None):
        """Invalid: the amount is due again and follow-up takes it back; the customer is told
        why on the invoice (emailed to its billing contact)."""
        self.ensure_one()
        self._ar_check_open()
        date = self._ar_resolution_date(date)
        self.write(
            {"state": "invalid", "resolution_type": "rejected", "resolution_amount": self.amount, "date_resolved": date}
        )
        invoice = self.invoice_id
        partner = self.partner_id
        contact = (
            partner.ar_billing_contact_id
            or partner.child_ids.filtered(lambda child: child.type == "invoice")[:1]
            or invoice.partner_id
        )
        # The customer reads it on the invoice it disputed, on the portal and by email; posted as
        # the owner even when the owner cannot write on invoices.
        invoice.sudo().message_post(
            body=message or self._ar_default_rejection_message(),
            author_id=self.env.user.partner_id.id,
            partner_ids=contact.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _ar_default_rejection_message(self):
        self.ensure_one()
        return self.env._(
            "Dear customer, we have reviewed your %(kind)s %(reference)s of %(amount)s on invoice %(invoice)s and "
            "cannot accept it. The amount remains due: please include it in your next payment, or reply to this "
            "message if you have anything to add.",
            kind=dict(KINDS)[self.kind].lower(),
            reference=self.name,
            amount=formatLang(self.env, self.amount, currency_obj=self.currency_id),
            invoice=self.invoice_id.name,
        )

    def _ar_check_open(self):
        for dispute in self:
            if dispute.state not in OPEN_STATES:
                raise UserError(self.env._("%s is already resolved.", dispute.name))

    def _ar_resolution_date(self, date):
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        if date < self.date_opened:
            raise UserError(
                self.env._(
                    "%(name)s was opened on %(opened)s: it cannot be resolved before.",
                    name=self.name,
                    opened=format_date(self.env, self.date_opened),
                )
            )
        return date

    def _ar_check_resolution(self, resolution, amount, date):
        """The amount and date of an accepted resolution, checked: the user may accept it, and the
        invoice can bear the amount."""
        self.ensure_one()
        self._ar_check_open()
        currency = self.currency_id
        amount = self.amount if amount is None else currency.round(amount)
        date = self._ar_resolution_date(date)
        if not self.reason_id:
            raise UserError(self.env._("Give %s a reason before accepting it.", self.name))
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, self.amount) > 0:
            raise UserError(
                self.env._(
                    "Accept between 0 and the disputed %(amount)s.",
                    amount=formatLang(self.env, self.amount, currency_obj=currency),
                )
            )
        residual = self.invoice_id.sudo().amount_residual_signed
        if currency.compare_amounts(amount, residual) > 0:
            raise UserError(
                self.env._(
                    "%(invoice)s has only %(residual)s left to pay: credit or write off at most that.",
                    invoice=self.invoice_id.name,
                    residual=formatLang(self.env, residual, currency_obj=currency),
                )
            )
        if not self.env.su and not self.env.user.has_group("ar_relationship.group_ar_manager"):
            threshold = self.company_id.ar_writeoff_approval_amount
            if self.reason_id.needs_approval:
                raise UserError(
                    self.env._(
                        "Accepting a case with the reason %(reason)s needs an AR manager: ask one to resolve %(name)s.",
                        reason=self.reason_id.name,
                        name=self.name,
                    )
                )
            if resolution == "write_off" and threshold and currency.compare_amounts(amount, threshold) > 0:
                raise UserError(
                    self.env._(
                        "Writing off %(amount)s is above %(threshold)s: an AR manager approves it. Ask one to resolve "
                        "%(name)s.",
                        amount=formatLang(self.env, amount, currency_obj=currency),
                        threshold=formatLang(self.env, threshold, currency_obj=currency),
                        name=self.name,
                    )
                )
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise UserError(self.env._("Accepting %s posts an accounting entry: it takes invoicing rights.", self.name))
        return amount, date

    def _ar_invoice_currency_amount(self, amount):
        """`amount` (company currency) in the invoice's currency, at the invoice's own rate."""
        invoice = self.invoice_id
        if invoice.currency_id == invoice.company_currency_id:
            return amount
        if self.currency_id.compare_amounts(amount, invoice.amount_residual_signed) == 0:
            return invoice.amount_residual
        return invoice.currency_id.round(amount * invoice.amount_residual / invoice.amount_residual_signed)

    def _ar_create_credit_note(self, amount, date):
        """A posted credit note of `amount` taxes included, reversing the invoice's lines in
        proportion so that the taxes are credited too; a rounding line without tax takes the
        cents the proportion cannot hit."""
        invoice = self.invoice_id
        target = self._ar_invoice_currency_amount(amount)
        ratio = target / invoice.amount_total
        lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        label = self.env._("%(reference)s on %(invoice)s", reference=self.name, invoice=invoice.name)
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "invoice_date": date,
                "date": date,
                "invoice_payment_term_id": False,
                "invoice_date_due": date,
                "journal_id": invoice.journal_id.id,
                "currency_id": invoice.currency_id.id,
                "fiscal_position_id": invoice.fiscal_position_id.id,
                "reversed_entry_id": invoice.id,
                "invoice_origin": invoice.name,
                "ref": self.env._("Credit note for %s", label),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": f"{label}: {line.name}" if line.name else label,
                            "product_id": line.product_id.id,
                            "account_id": line.account_id.id,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                            "analytic_distribution": line.analytic_distribution,
                            "quantity": 1.0,
                            "price_unit": line.currency_id.round(
                                line.price_unit * line.quantity * (1 - line.discount / 100) * ratio
                            ),
                        }
                    )
                    for line in lines
                ],
            }
        )
        rounding = invoice.currency_id.round(target - credit_note.amount_total)
        if not invoice.currency_id.is_zero(rounding):
            credit_note.write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": self.env._("Rounding of %s", label),
                                "account_id": lines[:1].account_id.id,
                                "tax_ids": [Command.clear()],
                                "quantity": 1.0,
                                "price_unit": rounding,
                            }
                        )
                    ]
                }
            )
        credit_note.action_post()
        return credit_note

    def _ar_create_write_off(self, amount, account, date):
        """A posted entry: credit the customer's receivable, debit `account`."""
        invoice = self.invoice_id
        receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")[:1]
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(self.company_id), ("type", "=", "general")], limit=1
        )
        if not journal:
            raise UserError(
                self.env._("%s has no miscellaneous journal to post the write-off in.", self.company_id.name)
            )
        label = self.env._("Write-off of %(reference)s on %(invoice)s", reference=self.name, invoice=invoice.name)
        amount_currency = self._ar_invoice_currency_amount(amount)
        common = {"name": label, "partner_id": self.partner_id.id, "currency_id": invoice.currency_id.id}
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": journal.id,
                "date": date,
                "ref": label,
                "line_ids": [
                    Command.create(
                        {
                            **common,
                            "account_id": receivable.account_id.id,
                            "balance": -amount,
                            "amount_currency": -amount_currency,
                        }
                    ),
                    Command.create(
                        {**common, "account_id": account.id, "balance": amount, "amount_currency": amount_currency}
                    ),
                ],
            }
        )
        entry.action_post()
        return entry

    def _ar_reconcile_with_invoice(self, move):
        lines = (self.invoice_id.line_ids | move.line_ids).filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )
        lines.reconcile()

    # ------------------------------------------------------------------------------------
    # Routing, timeline, review

    def _ar_route(self):
        """Give each dispute an owner and a team: the first matching routing rule, else the
        reason's default owner or team, else the customer's collector. A team without an owner
        gives the dispute to its next member in turn."""
        rules = self.env["ar.dispute.routing"].sudo().search([("company_id", "in", self.company_id.ids)])
        for dispute in self:
            rule = next((rule for rule in rules if rule._matches(dispute)), None)
            if rule:
                user, team = rule.user_id, rule.team_id
            else:
                # A reason shared by all companies may name a team of another company: not for this one.
                reason = dispute.reason_id.sudo()
                team = reason.team_id if reason.team_id.company_id == dispute.company_id else reason.team_id.browse()
                user = reason.user_id
            if team and not user:
                user = team.sudo()._next_user()
            dispute.write(
                {"user_id": (user or dispute.partner_id.ar_collector_id).id, "team_id": team.id if team else False}
            )

    def _ar_schedule_review(self):
        """A to-do for the owner of a case that someone else opened: the customer on the portal,
        a payment, or a colleague."""
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for dispute in self:
            if not dispute.user_id or dispute.user_id == self.env.user or not todo:
                continue
            dispute.activity_schedule(
                activity_type_id=todo.id,
                user_id=dispute.user_id.id,
                date_deadline=dispute.deadline,
                summary=self.env._(
                    "Review %(kind)s %(name)s", kind=dict(KINDS)[dispute.kind].lower(), name=dispute.name
                ),
            )

    def _ar_log(self, summaries):
        """One touchpoint (kind dispute) per dispute on its customer's timeline, dated the day
        it was opened or resolved."""
        Touchpoint = self.env["ar.touchpoint"]
        today = fields.Date.context_today(self)
        vals_list = []
        for dispute, summary in zip(self, summaries, strict=True):
            if not summary:
                continue
            opened_by_customer = dispute.state == "new" and dispute.origin in ("portal", "payment")
            if dispute.state == "new":
                day = dispute.date_opened
            elif dispute.state in OPEN_STATES:
                day = today
            else:
                day = dispute.date_resolved or today
            # A customer's contact who opened it from the portal is the contact reached.
            contact = self.env.user.partner_id if opened_by_customer and dispute.origin == "portal" else None
            vals_list.append(
                {
                    "partner_id": dispute.partner_id.id,
                    "contact_id": contact.id
                    if contact and contact.commercial_partner_id == dispute.partner_id
                    else False,
                    "invoice_ids": [Command.set(dispute.invoice_id.ids)],
                    "kind": "dispute",
                    "direction": "in" if opened_by_customer else "out",
                    "outcome": "disputed" if dispute.state in OPEN_STATES else False,
                    "summary": summary,
                    "date": Touchpoint._event_datetime(day, today),
                    "body": dispute.description if dispute.state == "new" else False,
                    "company_id": dispute.company_id.id,
                    "res_model": self._name,
                    "res_id": dispute.id,
                }
            )
        return Touchpoint._log_system(vals_list)

    def _ar_amount_text(self, amount=None):
        return formatLang(self.env, self.amount if amount is None else amount, currency_obj=self.currency_id)

    def _ar_opened_summary(self):
        values = {
            "name": self.name,
            "invoice": self.invoice_id.name,
            "amount": self._ar_amount_text(),
            "reason": self.reason_id.name or self.env._("reason to qualify"),
        }
        if self.kind == "deduction":
            return self.env._("Deduction %(name)s on %(invoice)s: %(amount)s short paid (%(reason)s)", **values)
        return self.env._("Dispute %(name)s on %(invoice)s: %(amount)s contested (%(reason)s)", **values)

    def _ar_change_summary(self, old_state, old_amount, old_reason):
        """What changed on the dispute, in one line for the customer's timeline."""
        name = f"{dict(KINDS)[self.kind]} {self.name}"
        parts = []
        if self.state != old_state:
            parts.append(self._ar_state_summary(name))
        if self.currency_id.compare_amounts(self.amount, old_amount):
            parts.append(
                self.env._(
                    "%(name)s: amount changed from %(old)s to %(new)s",
                    name=name,
                    old=self._ar_amount_text(old_amount),
                    new=self._ar_amount_text(),
                )
            )
        if self.reason_id != old_reason:
            parts.append(
                self.env._(
                    "%(name)s: reason %(reason)s", name=name, reason=self.reason_id.name or self.env._("removed")
                )
            )
        return "; ".join(parts)

    def _ar_state_summary(self, name):
        amount = self._ar_amount_text(self.resolution_amount or self.amount)
        if self.state == "investigating":
            return self.env._("%(name)s under investigation by %(owner)s", name=name, owner=self.user_id.name or "")
        if self.state == "valid" and self.resolution_type == "credit_note":
            return self.env._(
                "%(name)s accepted: credit note %(move)s of %(amount)s",
                name=name,
                move=self.resolution_move_id.name,
                amount=amount,
            )
        if self.state == "valid":
            return self.env._("%(name)s accepted: %(amount)s written off", name=name, amount=amount)
        if self.state == "invalid":
            return self.env._("%(name)s rejected: %(amount)s due again", name=name, amount=amount)
        if self.state == "closed" and self.resolution_type == "withdrawn":
            return self.env._("%(name)s withdrawn: %(amount)s due again", name=name, amount=self._ar_amount_text())
        if self.state == "closed" and self.resolution_type == "paid":
            return self.env._("%(name)s closed: %(invoice)s paid in full", name=name, invoice=self.invoice_id.name)
        if self.state == "closed":
            return self.env._("%(name)s closed", name=name)
        return self.env._("%(name)s reopened", name=name)

    # ------------------------------------------------------------------------------------
    # Opening disputes: from the portal, from payments, from a list of invoices

    @api.model
    def _open_from_portal(self, invoice, reason, amount, message, attachments=None):
        """Open a dispute sent by a customer from the portal, routed like any other, with its
        message and evidence in the chatter. The portal controller checks the user's access
        to the invoice first; this checks again, and checks the input, with messages meant for
        the customer.

        :param invoice: an account.move, or its id
        :param reason: an ar.reason.code of kind dispute, or its id
        :param amount: the contested amount, in the company's currency (a number or a string)
        :param message: what the customer says
        :param attachments: [(file name, content as bytes)]
        :return: the new dispute (sudo: portal users have no access to disputes)
        """
        user = self.env.user
        invoice = self._ar_portal_record("account.move", invoice)
        if (
            not invoice
            or invoice.move_type != "out_invoice"
            or invoice.state != "posted"
            or (not user._is_internal() and invoice.commercial_partner_id != user.partner_id.commercial_partner_id)
        ):
            raise UserError(self.env._("This invoice cannot be disputed from your account."))
        if invoice.payment_state not in ("not_paid", "partial"):
            raise UserError(self.env._("Invoice %s is paid: there is nothing left to dispute.", invoice.name))
        reason = self._ar_portal_record("ar.reason.code", reason)
        if (
            not reason
            or not reason.active
            or reason.kind != "dispute"
            or (reason.company_id and reason.company_id != invoice.company_id)
        ):
            raise UserError(self.env._("Choose the reason of your dispute in the list."))
        currency = invoice.company_currency_id
        try:
            amount = currency.round(float(amount))
        except (TypeError, ValueError):
            raise UserError(self.env._("Enter the amount you dispute as a number, e.g. 120.50.")) from None
        bearable = self.sudo()._ar_bearable_amounts(invoice)[invoice.id]
        if currency.compare_amounts(amount, 0) <= 0:
            raise UserError(self.env._("Enter the amount you dispute: it must be above zero."))
        if currency.compare_amounts(amount, bearable) > 0:
            raise UserError(
                self.env._(
                    "You can dispute at most %(amount)s on invoice %(invoice)s: what is left to pay, less what is "
                    "already in dispute.",
                    amount=formatLang(self.env, bearable, currency_obj=currency),
                    invoice=invoice.name,
                )
            )
        message = (message or "").strip()
        if not message:
            raise UserError(self.env._("Tell us why you dispute this amount."))
        # The customer does not follow the dispute: its notes and tracking are ours.
        dispute = (
            self.sudo()
            .with_company(invoice.company_id)
            .with_context(mail_create_nosubscribe=True)
            .create(
                {
                    "invoice_id": invoice.id,
                    "kind": "dispute",
                    "reason_id": reason.id,
                    "amount": amount,
                    "description": message,
                    "origin": "portal",
                }
            )
        )
        dispute.message_post(
            body=message,
            author_id=user.partner_id.id,
            attachments=attachments or [],
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return dispute

    @api.model
    def _ar_portal_record(self, model, value):
        """The record of `model` that the portal passed (a record or an id), as superuser; empty
        when there is none."""
        if isinstance(value, models.BaseModel):
            value = value.id
        try:
            record_id = int(value)
        except (TypeError, ValueError):
            return self.env[model].sudo().browse()
        return self.env[model].sudo().browse(record_id).exists()

    @api.model
    def _ar_on_reconcile(self, partials):
        """What a reconciliation means for disputes: those of invoices now paid in full are
        closed; small remainders left by customer payments become proposed deductions."""
        invoices = (partials.debit_move_id.move_id | partials.credit_move_id.move_id).filtered(
            lambda move: move.move_type == "out_invoice"
        )
        if not invoices:
            return self.browse()
        self._ar_close_paid(invoices)
        return self._ar_propose_deductions(partials)

    @api.model
    def _ar_bearable_amounts(self, invoices):
        """{invoice id: what can still be disputed on it}: what is left to pay, less its open
        disputes, in the company's currency."""
        disputed = invoices._ar_disputed_amounts()
        return {
            invoice.id: max(
                invoice.company_currency_id.round(invoice.amount_residual_signed - disputed.get(invoice.id, 0.0)), 0.0
            )
            for invoice in invoices
        }

    @api.model
    def _ar_short_paid(self, invoices):
        """{invoice id: remainder} for the invoices left partly paid with a remainder within the
        company's deduction limits and not in dispute yet."""
        bearable = self._ar_bearable_amounts(invoices)
        short = {}
        for invoice in invoices:
            company, currency = invoice.company_id, invoice.company_currency_id
            remainder = bearable[invoice.id]
            if (
                invoice.move_type == "out_invoice"
                and invoice.state == "posted"
                and invoice.payment_state == "partial"
                and currency.compare_amounts(remainder, invoice.amount_residual_signed) == 0
                and currency.compare_amounts(remainder, 0) > 0
                and currency.compare_amounts(remainder, company.ar_deduction_max_amount) <= 0
                and currency.compare_amounts(
                    remainder, invoice.amount_total_signed * company.ar_deduction_max_percent / 100
                )
                <= 0
            ):
                short[invoice.id] = remainder
        return short

    @api.model
    def _ar_propose_deductions(self, partials):
        """Deductions proposed (new, from a payment) for the invoices that the customer payments
        reconciled in `partials` left with a small remainder, with a suggested reason when one
        fits. Returns them."""
        paid_on = {}  # invoice: date of the latest payment
        for partial in partials:
            invoice, payment = partial.debit_move_id.move_id, partial.credit_move_id.move_id
            if invoice.move_type == "out_invoice" and (payment.origin_payment_id or payment.statement_line_id):
                paid_on[invoice] = max(paid_on.get(invoice, payment.date), payment.date)
        if not paid_on:
            return self.browse()
        invoices = self.env["account.move"].browse([invoice.id for invoice in paid_on])
        candidates = invoices.filtered(lambda invoice: invoice.payment_state == "partial")
        short = self._ar_short_paid(candidates)
        if not short:
            return self.browse()
        vals_list = []
        for invoice in candidates.filtered(lambda invoice: invoice.id in short):
            reason, description = self._ar_suggest_reason(invoice, paid_on[invoice])
            vals_list.append(
                {
                    "invoice_id": invoice.id,
                    "kind": "deduction",
                    "amount": short[invoice.id],
                    "origin": "payment",
                    "reason_id": reason.id,
                    "description": description,
                    "date_opened": paid_on[invoice],
                }
            )
        # Whoever reconciles, an accountant without AR rights included, proposes them.
        return self.sudo().create(vals_list).with_env(self.env)

    @api.model
    def _ar_suggest_reason(self, invoice, payment_date):
        """A likely reason for what a payment left open on `invoice`, and why, in words: an
        early-payment discount taken after its term when the remainder is that discount."""
        currency = invoice.currency_id
        receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        discount = sum(
            line.amount_currency - line.discount_amount_currency for line in receivable if line.discount_date
        )
        discount_date = max((line.discount_date for line in receivable if line.discount_date), default=None)
        late_discount = self.env.ref("ar_relationship.ar_reason_code_deduction_late_discount", raise_if_not_found=False)
        if (
            discount_date
            and payment_date > discount_date
            and not currency.is_zero(discount)
            and currency.compare_amounts(invoice.amount_residual, discount) == 0
            and late_discount
            and late_discount.active
        ):
            return late_discount, self.env._(
                "Paid on %(paid)s, after the early-payment discount's last day (%(last)s): the %(amount)s left open "
                "is the discount.",
                paid=format_date(self.env, payment_date),
                last=format_date(self.env, discount_date),
                amount=formatLang(self.env, discount, currency_obj=currency),
            )
        return self.env["ar.reason.code"], self.env._(
            "The payment of %(date)s left %(amount)s open on %(invoice)s.",
            date=format_date(self.env, payment_date),
            amount=formatLang(self.env, invoice.amount_residual, currency_obj=currency),
            invoice=invoice.name,
        )

    @api.model
    def _ar_record_deductions(self, invoices, reason=None, payment_date=None):
        """Record what is left to pay on `invoices` as deductions (the register-payment form's
        choice): a deduction the payment already proposed gets the reason; the others are
        created. Returns the deductions."""
        today = payment_date or fields.Date.context_today(self)
        existing = self.search(
            [("invoice_id", "in", invoices.ids), ("kind", "=", "deduction"), ("state", "in", OPEN_STATES)]
        )
        if reason:
            existing.filtered(lambda deduction: deduction.reason_id != reason).reason_id = reason
        bearable = self._ar_bearable_amounts(invoices - existing.invoice_id)
        vals_list = [
            {
                "invoice_id": invoice.id,
                "kind": "deduction",
                "amount": bearable[invoice.id],
                "origin": "payment",
                "reason_id": reason.id if reason else False,
                "date_opened": today,
            }
            for invoice in invoices - existing.invoice_id
            if invoice.payment_state == "partial"
            and invoice.company_currency_id.compare_amounts(bearable[invoice.id], 0) > 0
        ]
        return existing | self.create(vals_list)

    @api.model
    def _ar_close_paid(self, invoices):
        """The customer paid the invoices in full after all: their open disputes are closed."""
        paid = invoices.filtered(lambda invoice: invoice.payment_state in ("paid", "in_payment"))
        if not paid:
            return
        disputes = self.sudo().search(
            [
                ("invoice_id", "in", paid.ids),
                ("state", "in", OPEN_STATES),
                ("id", "!=", self.env.context.get("ar_resolving_dispute_id", False)),
            ]
        )
        if disputes:
            disputes.write(
                {
                    "state": "closed",
                    "resolution_type": "paid",
                    "resolution_amount": 0.0,
                    "date_resolved": fields.Date.context_today(self),
                }
            )

    # ------------------------------------------------------------------------------------
    # Demo

    @api.model
    def _load_demo(self):
        """Disputes and deductions on the demo customers, dated from today (their invoices are
        generated at install): the disputing customer's held invoice, a dispute sent from the
        portal, and the short payers' deductions, the older ones resolved."""
        today = fields.Date.context_today(self)
        company = self.env.company
        admin = self.env.ref("base.user_admin")
        collector = self.env.ref("ar_relationship.res_users_ar_collector_demo")
        company.ar_writeoff_account_id = company.account_journal_early_pay_discount_loss_account_id or self.env[
            "account.account"
        ].search(
            [*self.env["account.account"]._check_company_domain(company), ("account_type", "=", "expense")], limit=1
        )

        def customer(key):
            return self.env.ref(f"ar_relationship.res_partner_ar_{key}_demo")

        def reason(key):
            return self.env.ref(f"ar_relationship.ar_reason_code_{key}")

        def open_invoices(partner):
            return self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", partner.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "=", "not_paid"),
                ],
                order="amount_residual desc",
            )

        held = open_invoices(customer("disputer")).filtered(lambda invoice: invoice.invoice_date_due < today)[:1]
        if held:
            dispute = self.create(
                {
                    "invoice_id": held.id,
                    "reason_id": reason("dispute_pricing").id,
                    "amount": held.currency_id.round(held.amount_residual * 0.12),
                    "date_opened": today - timedelta(days=6),
                    "description": "Tomás says the unit price is 12% above the price in their framework contract. "
                    "Sales is checking which price list applied.",
                }
            )
            dispute.with_user(collector).action_investigate()

        portal_invoice = open_invoices(customer("average1"))[:1]
        if portal_invoice:
            self.with_user(self.env.ref("ar_relationship.res_users_ar_portal2_demo"))._open_from_portal(
                portal_invoice,
                reason("dispute_damaged_goods"),
                portal_invoice.currency_id.round(portal_invoice.amount_residual * 0.1),
                "Two of the boxes arrived crushed; photos attached. We will pay the rest on time.",
                [("crushed-boxes.txt", b"Photos of the delivery: boxes 3 and 7 crushed on arrival.")],
            )

        short2 = customer("short2")
        late = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": short2.id,
                "invoice_date": today - timedelta(days=40),
                "invoice_payment_term_id": self.env.ref("account.account_payment_term_30days_early_discount").id,
                "invoice_line_ids": [
                    Command.create({"name": "Deck hardware", "quantity": 12, "price_unit": 150.0, "tax_ids": []})
                ],
            }
        )
        late.action_post()
        register = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=late.ids)
            .create(
                {
                    "payment_date": today - timedelta(days=25),
                    "amount": late.amount_total * 0.98,
                    "payment_difference_handling": "open",
                }
            )
        )
        register._create_payments()

        # The short payers' remainders became deductions as their payments came in (the last
        # one qualified for them); all but the last get a reason and an owner.
        deductions = self.search(
            [("partner_id", "in", (customer("short1") | short2).ids), ("state", "=", "new")], order="date_opened, id"
        )
        late_discount = reason("deduction_late_discount")
        reasons = [reason(f"deduction_{key}") for key in ("shortage", "freight", "promotion", "damage", "returns")]
        for index, deduction in enumerate(deductions.filtered(lambda deduction: not deduction.reason_id)[:-1]):
            deduction.reason_id = reasons[index % len(reasons)]
        deductions._ar_route()
        # The four latest are being worked or still new; the older ones were resolved weeks
        # after they were found.
        worked = deductions[-4:]
        for deduction in worked.filtered(
            lambda deduction: deduction.reason_id and deduction.reason_id != late_discount
        ):
            deduction.with_user(deduction.user_id or collector).action_investigate()
        for index, deduction in enumerate(deductions - worked):
            deduction = deduction.with_user(admin)
            resolved_on = min(deduction.date_opened + timedelta(days=10 + 7 * (index % 4)), today)
            if index % 4 == 1:
                deduction._ar_reject(date=resolved_on)
            elif index % 4 == 2:
                deduction._ar_resolve_credit_note(date=resolved_on)
            else:
                deduction._ar_resolve_write_off(date=resolved_on)
            if index % 3 == 0:
                deduction.action_close()

    # ------------------------------------------------------------------------------------
    # Cron

    @api.model
    def _cron_refresh_age(self):
        """Nightly: the age of the open disputes, for the aging view."""
        disputes = self.search([("state", "in", OPEN_STATES)])
        for fname in ("days_open", "age_bucket"):
            self.env.add_to_compute(self._fields[fname], disputes)
        disputes.flush_recordset(["days_open", "age_bucket"])
