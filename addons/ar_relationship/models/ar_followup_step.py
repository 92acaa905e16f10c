import logging
import threading
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from psycopg2 import errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, formatLang, split_every

_logger = logging.getLogger(__name__)

MODES = [
    ("auto", "Automatic"),
    ("human", "Routed to a person"),
    ("approval", "Waiting for approval"),
    ("pilot", "Outside the pilot: not sent"),
    ("paused", "Paused"),
    ("below_minimum", "Below the minimum amount"),
]
# The modes the engine acts on; the others are shown in the preview only.
ACTIONABLE = ("auto", "human")
# Customers taken at once by the engine; a failing batch is taken again one customer at a time.
EXECUTE_BATCH = 100


class ArFollowupStep(models.Model):
    """A follow-up step taken for a customer: the reminder sent, the letter prepared or the
    task given to a person, for the invoices that had reached a level. One step per invoice
    and level: the engine never takes the same step twice."""

    _name = "ar.followup.step"
    _description = "Follow-up step"
    _order = "date desc, id desc"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    level_id = fields.Many2one("ar.followup.level", required=True, readonly=True)
    tone = fields.Selection(related="level_id.tone")
    date = fields.Date(required=True, readonly=True, index=True)
    invoice_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    amount = fields.Monetary(string="Amount due", readonly=True, help="Open amount of the invoices, on the step's day.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    mode = fields.Selection(
        [("auto", "Automatic"), ("human", "Routed to a person"), ("approved", "Approved"), ("skipped", "Skipped")],
        required=True,
        readonly=True,
    )
    reason = fields.Char(readonly=True, help="Why the step went to a person, or was skipped.")
    contact_id = fields.Many2one("res.partner", string="Addressed to", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Approved by", readonly=True, help="Empty when the engine acted alone."
    )
    message_id = fields.Many2one("mail.message", string="Email", readonly=True)
    mail_state = fields.Selection(
        [("sent", "Sent"), ("queued", "Queued"), ("failed", "Failed")],
        compute="_compute_mail_state",
        string="Email status",
    )
    letter = fields.Boolean(readonly=True, help="A printed letter was prepared for this step.")
    letter_printed = fields.Boolean()
    letter_body = fields.Html(compute="_compute_letter_body", sanitize=False)
    portal_url = fields.Char(
        compute="_compute_portal_url",
        help="Link to the customer's account on the portal, when the portal add-on is installed.",
    )

    def _compute_mail_state(self):
        notifications = self.message_id.notification_ids
        status = defaultdict(set)
        for notification in notifications:
            status[notification.mail_message_id.id].add(notification.notification_status)
        for step in self:
            states = status.get(step.message_id.id, set())
            if not step.message_id:
                step.mail_state = False
            elif states & {"exception", "bounce"}:
                step.mail_state = "failed"
            elif states <= {"sent"}:
                step.mail_state = "sent"
            else:
                step.mail_state = "queued"

    def _compute_letter_body(self):
        for step in self:
            template = step.level_id.mail_template_id
            step.letter_body = (
                template._render_field("body_html", step.ids, compute_lang=True)[step.id] if template else ""
            )

    def _compute_portal_url(self):
        # ar_portal gives the customer's tokenized account link; without it there is no link.
        self.portal_url = False

    # ------------------------------------------------------------------------------------
    # Actions

    def action_print_letters(self):
        letters = self.filtered("letter")
        if not letters:
            raise UserError(self.env._("None of the selected steps has a letter to print."))
        letters.letter_printed = True
        return self.env.ref("ar_relationship.action_report_ar_followup_letter").report_action(letters)

    # ------------------------------------------------------------------------------------
    # The engine: plan, then execute

    @api.model
    def _plan(self, partners=None, today=None):
        """What follow-up would do on `today` for `partners` (all customers when None): one item
        per customer with invoices due for a step, with the level, the mode and why."""
        today = today or fields.Date.context_today(self)
        Level = self.env["ar.followup.level"]
        companies = self.env.companies
        levels = Level.search([("company_id", "in", companies.ids)], order="delay")
        if not levels:
            return []
        domain = [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("company_id", "in", levels.company_id.ids),
            ("invoice_date_due", "<=", today - relativedelta(days=min(levels.mapped("delay")))),
        ]
        if partners is not None:
            domain.append(("commercial_partner_id", "in", partners.commercial_partner_id.ids))
        invoices = self.env["account.move"].search(domain, order="invoice_date_due, id")
        levels_by_company = defaultdict(list)
        for level in levels:
            levels_by_company[level.company_id.id].append(level)

        due = defaultdict(dict)  # partner: {invoice: level}
        for invoice in invoices:
            days = (today - invoice.invoice_date_due).days
            reached = [level for level in levels_by_company[invoice.company_id.id] if level.delay <= days]
            done = invoice.ar_followup_level_id
            if reached and (not done or reached[-1].delay > done.delay):
                due[invoice.commercial_partner_id][invoice] = reached[-1]
        if not due:
            return []
        targeted = self.env["account.move"].browse([invoice.id for targets in due.values() for invoice in targets])
        excluded = targeted._ar_followup_exclusions()
        # An amount in dispute is out of follow-up: what is due is the rest.
        disputed = targeted._ar_disputed_amounts()
        customers = self.env["res.partner"].browse([partner.id for partner in due])
        human_reasons = customers._ar_followup_human_reasons(today)

        items = []
        for partner, targets in due.items():
            kept = {invoice: level for invoice, level in targets.items() if invoice.id not in excluded}
            item = {
                "partner": partner,
                "targets": kept or targets,
                "level": max((kept or targets).values(), key=lambda level: level.delay),
                "reasons": [],
            }
            item["amount"] = sum(
                max(invoice.amount_residual_signed - disputed.get(invoice.id, 0.0), 0.0) for invoice in item["targets"]
            )
            company = item["level"].company_id
            if partner.ar_automation == "paused" and (not partner.ar_paused_until or partner.ar_paused_until >= today):
                item["mode"] = "paused"
                item["reasons"] = [
                    self.env._("customer paused until %(date)s", date=partner.ar_paused_until)
                    if partner.ar_paused_until
                    else self.env._("customer paused"),
                    *([partner.ar_pause_reason] if partner.ar_pause_reason else []),
                ]
            elif not kept:
                item["mode"] = "paused"
                item["reasons"] = sorted({excluded[invoice.id] for invoice in targets})
            elif company.currency_id.compare_amounts(item["amount"], item["level"].min_amount) < 0:
                item["mode"] = "below_minimum"
                item["reasons"] = [
                    self.env._(
                        "%(amount)s due, the level starts at %(minimum)s",
                        amount=formatLang(self.env, item["amount"], currency_obj=company.currency_id),
                        minimum=formatLang(self.env, item["level"].min_amount, currency_obj=company.currency_id),
                    )
                ]
            elif company.ar_followup_scope == "pilot" and company.ar_followup_pilot_tag_id not in partner.category_id:
                item["mode"] = "pilot"
                item["reasons"] = [self.env._("not in the pilot group")]
            elif reasons := self._human_reasons(item, human_reasons.get(partner.id, []), company):
                item["mode"] = "human"
                item["reasons"] = reasons
            else:
                item["mode"] = "auto"
            if item["mode"] == "auto" and item["level"].approval != "auto":
                item["mode"] = "approval"
                item["reasons"] = [dict(item["level"]._fields["approval"].selection)[item["level"].approval]]
            for invoice in targets:
                if invoice.id in excluded and item["mode"] != "paused":
                    item["reasons"].append(excluded[invoice.id])
            items.append(item)
        return items

    @api.model
    def _human_reasons(self, item, partner_reasons, company):
        """Why this step should go to a person rather than out on its own, in plain words."""
        overdue = item["level"].delay > 0
        # A courtesy reminder before the due date is no late payment: loyalty does not apply.
        reasons = [text for text, late_only in partner_reasons if overdue or not late_only]
        threshold = company.ar_followup_human_amount
        if threshold and company.currency_id.compare_amounts(item["amount"], threshold) > 0:
            reasons.append(
                self.env._(
                    "%(amount)s due, above %(threshold)s",
                    amount=formatLang(self.env, item["amount"], currency_obj=company.currency_id),
                    threshold=formatLang(self.env, threshold, currency_obj=company.currency_id),
                )
            )
        return reasons

    @api.model
    def _execute(self, items, today=None, approved_by=None, failures=None):
        """Take the steps of `items` (from `_plan`): send, prepare or route, log, and mark the
        invoices. A customer whose invoices another run holds or has just processed is left
        out: each invoice goes through each level once.

        With a list as `failures`, a customer whose step fails is left for the next run, its
        error added to the list, and the others go on; without it, the error is raised."""
        today = today or fields.Date.context_today(self)
        steps = self.browse()
        for batch in split_every(EXECUTE_BATCH, items, list):
            # A batch goes through at once, which is what makes a run fast; when it fails, its
            # customers are taken one by one, so that only the failing one is left out.
            if len(batch) > 1:
                try:
                    with self.env.cr.savepoint():
                        steps |= self._take_steps(self._lock_invoices(batch), today, approved_by)
                    continue
                except Exception:
                    if self.env.cr.closed:
                        raise
                    _logger.info("follow-up: a batch of %s customers failed, taking them one by one", len(batch))
                    self.env.invalidate_all()
            for item in batch:
                try:
                    with self.env.cr.savepoint():
                        steps |= self._take_steps(self._lock_invoices([item]), today, approved_by)
                except (errors.SerializationFailure, errors.LockNotAvailable):
                    _logger.info("follow-up: %s is being processed by another run", item["partner"].display_name)
                    self.env.invalidate_all()
                except Exception as error:
                    if failures is None or self.env.cr.closed:
                        raise
                    _logger.exception("follow-up: the step of %s failed", item["partner"].display_name)
                    self.env.invalidate_all()
                    failures.append((item, error))
        return steps

    def _lock_invoices(self, items):
        """Lock the invoices of `items` and keep the items whose step nobody took in the
        meantime. Raises LockNotAvailable when another transaction holds one of them."""
        Move = self.env["account.move"]
        Move.flush_model(["ar_followup_level_id"])
        ids = [invoice.id for item in items for invoice in item["targets"]]
        done = dict(
            self.env.execute_query(
                SQL(
                    """SELECT move.id, level.delay
                         FROM account_move move
                    LEFT JOIN ar_followup_level level ON level.id = move.ar_followup_level_id
                        WHERE move.id IN %s
                          FOR NO KEY UPDATE OF move NOWAIT""",
                    tuple(ids),
                )
            )
        )
        Move.browse(ids).invalidate_recordset(["ar_followup_level_id"])
        return [
            item
            for item in items
            if all(
                invoice.id in done and (done[invoice.id] is None or done[invoice.id] < level.delay)
                for invoice, level in item["targets"].items()
            )
        ]

    @api.model
    def _skip(self, item, user, today=None):
        """Record the step as skipped by `user`: nothing is sent and the invoices move past it."""
        if not self._lock_invoices([item]):
            return self.browse()
        item = dict(item, mode="skipped", reasons=[self.env._("skipped by %s", user.name)])
        return self._take_steps([item], today or fields.Date.context_today(self), user)

    def _take_steps(self, items, today, approved_by):
        """Take the steps of `items`, whose invoices are locked: one record of each kind for
        all of them (steps, emails, activities, touchpoints) and one write per level."""
        if not items:
            return self.browse()
        vals_list = []
        for item in items:
            partner, level = item["partner"], item["level"]
            contact = (
                partner.ar_billing_contact_id
                or partner.child_ids.filtered(lambda c: c.type == "invoice")[:1]
                or partner
            )
            collector = partner.ar_collector_id or partner.user_id or self.env.user
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "level_id": level.id,
                    "date": today,
                    "invoice_ids": [Command.set([invoice.id for invoice in item["targets"]])],
                    "amount": item["amount"],
                    "company_id": level.company_id.id,
                    "mode": (
                        item["mode"] if item["mode"] == "skipped" else "approved" if approved_by else item["mode"]
                    ),
                    "reason": "; ".join(item["reasons"]) or False,
                    "contact_id": contact.id,
                    "collector_id": collector.id,
                    "user_id": approved_by.id if approved_by else False,
                    "letter": level.print_letter and item["mode"] == "auto",
                }
            )
        steps = self.create(vals_list)
        self.browse(
            step.id
            for item, step in zip(items, steps, strict=True)
            if item["mode"] == "auto" and step.level_id.send_email and step.level_id.mail_template_id
        )._send_emails()

        activities, touchpoints = [], []
        reached = defaultdict(list)
        for item, step in zip(items, steps, strict=True):
            level = step.level_id
            if item["mode"] == "skipped":
                summary = self.env._("Follow-up %(level)s skipped by %(user)s", level=level.name, user=approved_by.name)
                kind = "note"
            elif item["mode"] == "human":
                activities.append(step._activity_values(step._human_summary(), step._human_note()))
                summary = self.env._("Routed to a person: %(reasons)s", reasons=step.reason)
                kind = "note"
            else:
                if level.create_activity:
                    activities.append(step._activity_values(level.activity_summary or level.name, False))
                summary = step._sent_summary()
                kind = "reminder"
            touchpoints.append(
                {
                    "partner_id": step.partner_id.id,
                    "contact_id": step.contact_id.id if item["mode"] != "human" else False,
                    "invoice_ids": [Command.set(step.invoice_ids.ids)],
                    "kind": kind,
                    "direction": "out",
                    "summary": summary,
                    "company_id": step.company_id.id,
                    "res_model": self._name,
                    "res_id": step.id,
                }
            )
            for invoice, target in item["targets"].items():
                reached[target].append(invoice.id)
        if activities and not self.env.context.get("mail_activity_automation_skip"):
            self.env["mail.activity"].create(activities)
        self.env["ar.touchpoint"]._log_system(touchpoints)
        # One write per level reached, not per invoice. Only follow-up fields change, none of
        # them tracked and never the journal items: the resync of every line of every invoice,
        # the balance check and the tracking of the invoices' other fields are skipped.
        Move = self.env["account.move"].with_context(
            skip_invoice_sync=True, check_move_validity=False, tracking_disable=True
        )
        for target, invoice_ids in reached.items():
            Move.browse(invoice_ids).write({"ar_followup_level_id": target.id, "ar_followup_date": today})
        return steps

    def _activity_values(self, summary, note):
        """The collector's activity on the customer for this step, as activity_schedule makes it."""
        activity_type = self.level_id.activity_type_id or self.env.ref("mail.mail_activity_data_call")
        return {
            "activity_type_id": activity_type.id,
            "summary": summary or activity_type.summary,
            "note": note or activity_type.default_note,
            "automated": True,
            "date_deadline": self.date,
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": self.partner_id.id,
            "user_id": self.collector_id.id,
        }

    def _human_summary(self):
        return self.env._(
            "Follow-up %(level)s for %(customer)s: %(reasons)s",
            level=self.level_id.name,
            customer=self.partner_id.name,
            reasons=self.reason,
        )

    def _human_note(self):
        partner = self.partner_id
        lines = [
            self.env._(
                "%(invoice)s: %(amount)s, %(days)s days overdue",
                invoice=invoice.name,
                amount=formatLang(self.env, invoice.amount_residual_signed, currency_obj=self.currency_id),
                days=(self.date - invoice.invoice_date_due).days,
            )
            for invoice in self.invoice_ids
        ]
        context = self.env._(
            "Health %(score)s/100. %(explanation)s",
            score=partner.ar_health_score,
            explanation=partner.ar_health_explanation or "",
        )
        items = "".join(f"<li>{line}</li>" for line in [*lines, context])
        return f"<p>{self.env._('Routed to a person: %s', self.reason)}</p><ul>{items}</ul>"

    def _sent_summary(self):
        channels = []
        if self.message_id:
            channels.append(self.env._("email to %s", self.contact_id.name))
        if self.letter:
            channels.append(self.env._("letter"))
        if self.level_id.create_activity:
            channels.append(self.env._("task for %s", self.collector_id.name))
        return self.env._(
            "%(level)s: %(count)s invoice(s), %(amount)s (%(channels)s)",
            level=self.level_id.name,
            count=len(self.invoice_ids),
            amount=formatLang(self.env, self.amount, currency_obj=self.currency_id),
            channels=", ".join(channels) or self.env._("nothing sent"),
        )

    def _send_emails(self):
        """Post the reminders of these steps on their customers' chatter, addressed to the
        billing contacts. The emails are queued: the mail queue sends them, and a failure shows
        on the customer."""
        for template, steps in self.grouped(lambda step: step.level_id.mail_template_id).items():
            # One rendering of the template for all the steps that use it.
            rendered = template._generate_template(steps.ids, ["subject", "body_html", "email_from"])
            for step in steps:
                step.message_id = step._post_email(rendered[step.id])

    def _post_email(self, values):
        """Post this step's rendered reminder (`values`) with its attachments; returns the message."""
        attachments = []
        if self.level_id.attach_invoices:
            for invoice in self.invoice_ids:
                pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", invoice.ids)
                attachments.append((f"{invoice.name.replace('/', '_')}.pdf", pdf))
        if self.level_id.attach_statement:
            pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(
                "ar_relationship.action_report_ar_statement", self.partner_id.ids
            )
            attachments.append((self.env._("Statement %s.pdf", self.partner_id.name), pdf))
        author = self.collector_id.partner_id
        message = self.partner_id.with_context(mail_notify_force_send=False).message_post(
            body=values["body_html"],
            subject=values["subject"],
            author_id=author.id,
            email_from=values.get("email_from") or author.email_formatted,
            partner_ids=self.contact_id.ids,
            attachments=attachments,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return message

    @api.model
    def _retry_failed_mails(self):
        """Put the reminders whose email failed back in the mail queue: a failure is shown on
        the customer's chatter until the email goes out, it is never dropped."""
        failed = self.env["mail.mail"].sudo().search([("state", "=", "exception"), ("model", "=", "res.partner")])
        steps = self.search([("message_id", "in", failed.mail_message_id.ids)])
        retry = failed.filtered(lambda mail: mail.mail_message_id in steps.message_id)
        try:
            with self.env.cr.savepoint():
                retry.mark_outgoing()
        except (errors.SerializationFailure, errors.LockNotAvailable):
            _logger.info("follow-up: another run is putting the failed reminders back in the queue")
            self.env.invalidate_all()
            return self.env["mail.mail"]
        return retry

    @api.model
    def _run(self, partners=None, today=None):
        """Process the follow-ups of `partners` (all when None) now, in the current transaction."""
        items = [item for item in self._plan(partners, today) if item["mode"] in ACTIONABLE]
        return self._execute(items, today)

    @api.model
    def _cron_run(self, batch_size=100):
        """Daily: retry failed reminders, then take every step due, a batch of customers at a
        time. Each batch is committed, so a crash loses at most the batch it was in, and the next
        run resumes without repeating what was done. A customer whose step fails is left for
        the next run and its collector is told; the others go on."""
        self._retry_failed_mails()
        customers = [item["partner"].id for item in self._plan() if item["mode"] in ACTIONABLE]
        done = 0
        for batch in split_every(batch_size, customers, list):
            # Planned again in the batch's own transaction: an invoice paid since the run began,
            # by a payment committed after an earlier batch, gets no reminder.
            items = self._plan(self.env["res.partner"].browse(batch))
            failures = []
            taken = self._execute([item for item in items if item["mode"] in ACTIONABLE], failures=failures)
            self._report_failures(failures, taken)
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(customers) - done)
            self._commit_batch()
        return done

    def _report_failures(self, failures, steps):
        """Show on each customer whose step failed what went wrong, as a warning for its collector,
        once while it lasts; close the warnings of the customers whose step went out now."""
        if not failures and not steps:
            return
        warning = self.env.ref("mail.mail_activity_data_warning")
        summary = self.env._("Follow-up could not be processed")
        Activity = self.env["mail.activity"].sudo()
        partners = self.env["res.partner"].browse(
            [item["partner"].id for item, _error in failures] + steps.partner_id.ids
        )
        open_warnings = Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids),
                ("activity_type_id", "=", warning.id),
                ("summary", "=", summary),
            ]
        )
        warned = set(open_warnings.mapped("res_id"))
        for item, error in failures:
            partner = item["partner"]
            if partner.id in warned:
                continue
            warned.add(partner.id)
            partner.sudo().activity_schedule(
                activity_type_id=warning.id,
                summary=summary,
                note=self.env._(
                    "The %(level)s step failed: %(error)s. It is tried again at the next run.",
                    level=item["level"].name,
                    error=str(error).strip() or type(error).__name__,
                ),
                user_id=(partner.ar_collector_id or partner.user_id or self.env.user).id,
            )
        open_warnings.filtered(lambda activity: activity.res_id in steps.partner_id.ids).action_feedback(
            feedback=self.env._("The follow-up step was taken.")
        )

    def _commit_batch(self):
        # Tests run in one transaction that they roll back: only a real cron commits.
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit
