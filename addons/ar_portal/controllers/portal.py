import math
from datetime import timedelta

from werkzeug.exceptions import NotFound

from odoo import SUPERUSER_ID, fields, http
from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.payment import utils as payment_utils
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.http import request
from odoo.tools import html2plaintext, html_sanitize, plaintext2html
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.misc import formatLang

SESSION_TOKEN = "ar_portal_token"
EVIDENCE_TYPES = {"application/pdf", "image/png", "image/jpeg"}
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_MAX_FILES = 5
TEXT_MAX_CHARS = 5000
REFERENCE_MAX_CHARS = 100
# Above this a float no longer holds the cents, and rounding it may overflow.
AMOUNT_MAX = 1e13
RATE_WINDOW = timedelta(minutes=10)


class ArCustomerPortal(PortalAccount):
    """The customer's account page under /my/ar. Who the customer is comes from the logged-in
    user, or, for a visitor, from the signed link of a reminder (kept in the session and checked
    again on every request). Every record reached is checked against that commercial partner;
    the rules (amounts, dates, policies) are the core's methods."""

    # Records a customer may create through one route in RATE_WINDOW.
    _ar_rate_limit = 10
    # Open invoices per page of the account page: rendering the rows is what costs, and a
    # customer with a thousand open invoices pays or disputes a few at a time.
    _ar_invoices_per_page = 50
    # Promises and disputes listed on the account page; the others are counted.
    _ar_recent_limit = 10

    # ------------------------------------------------------------------------------------
    # Who is asking

    def _ar_access(self, token=None):
        """(commercial partner (sudo), contact acting (sudo), link or empty) for this request;
        partner empty when nobody is known. A logged-in user always acts for itself."""
        Token = request.env["ar.portal.token"]
        user = request.env.user
        if not user._is_public():
            partner = user.partner_id.sudo()
            return partner.commercial_partner_id, partner, Token.sudo().browse()
        link = Token._find_valid(token or request.session.get(SESSION_TOKEN))
        if token and link:
            request.session[SESSION_TOKEN] = token
        partner = link.partner_id.with_company(link.company_id)
        contact = partner._ar_statement_contact() if partner else partner
        return partner, contact, link

    def _ar_can_act(self, link):
        """Promises, disputes and plans take a login, unless the company opened them to links."""
        return not link or link.company_id.ar_portal_token_actions

    def _ar_refuse(self, link=None):
        if request.env.user._is_public():
            if link:
                return self._ar_render("ar_portal.portal_ar_login_needed", {"page_name": "ar_account"}, status=403)
            return request.render("ar_portal.portal_ar_link_invalid", {"page_name": "ar_account"}, status=403)
        raise NotFound()

    def _ar_env(self, link):
        """The environment to call the core in: the user's own, or for a visitor through a link
        the superuser's (the partner was checked from the link)."""
        return request.env(user=SUPERUSER_ID) if link else request.env

    def _ar_render(self, template, values, status=200):
        values = {**self._prepare_portal_layout_values(), **values}
        response = request.render(template, values)
        response.status_code = status
        return response

    # ------------------------------------------------------------------------------------
    # What the customer owns

    def _ar_open_invoices_domain(self, partner, overdue_only=False):
        overdue_on = fields.Date.context_today(partner) if overdue_only else None
        return [*partner._ar_open_invoices_domain(overdue_on=overdue_on), ("company_id", "=", partner.env.company.id)]

    def _ar_open_invoices(self, partner, overdue_only=False, limit=None, offset=0):
        """The customer's open invoices, oldest due first."""
        return (
            request.env["account.move"]
            .sudo()
            .search(
                self._ar_open_invoices_domain(partner, overdue_only=overdue_only),
                order="invoice_date_due, id",
                limit=limit,
                offset=offset,
            )
        )

    def _ar_invoices_from(self, partner, ids, overdue_only=False):
        """The open invoices of `partner` among `ids` (a list or a comma-separated string). Any id
        that is not one of them is refused: another customer's invoice is never silently
        dropped from a payment or a promise."""
        if isinstance(ids, str):
            ids = [ids]
        refusal = (
            request.env._("Choose among your overdue invoices.")
            if overdue_only
            else request.env._("Choose among your open invoices.")
        )
        try:
            wanted = {int(value) for item in ids or [] for value in str(item).split(",") if value.strip()}
        except (TypeError, ValueError):
            raise UserError(refusal) from None
        if not wanted:
            raise UserError(request.env._("Tick at least one invoice."))
        invoices = self._ar_open_invoices(partner, overdue_only=overdue_only).filtered(lambda move: move.id in wanted)
        if len(invoices) != len(wanted):
            raise UserError(refusal)
        return invoices

    @staticmethod
    def _ar_amount(value, currency, label, allow_zero=False):
        """The amount typed, rounded to the currency. "1,234.50", "1234,50" and "1 234.50" read
        as people mean them; what is not a finite number, or too large to be an amount, is
        refused."""
        text = str(value if value is not None else "").strip().replace(" ", "").replace("\u00a0", "")
        if "," in text and "." not in text and len(text.rsplit(",", 1)[1]) != 3:
            text = text.replace(",", ".")
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise UserError(request.env._("Enter %s as a number, e.g. 120.50.", label))
        if abs(number) >= AMOUNT_MAX:
            raise UserError(request.env._("Check %s: it is too large.", label))
        amount = currency.round(number)
        if allow_zero and currency.compare_amounts(amount, 0) < 0:
            raise UserError(request.env._("Enter %s of zero or more.", label))
        if not allow_zero and currency.compare_amounts(amount, 0) <= 0:
            raise UserError(request.env._("Enter %s above zero.", label))
        return amount

    @staticmethod
    def _ar_clean_text(value, required_message=None, max_chars=TEXT_MAX_CHARS):
        """Plain text from what the customer typed: markup and scripts are removed, not kept;
        NUL characters, which the database refuses, are dropped."""
        text = (value or "").replace("\x00", "").strip()
        if len(text) > max_chars:
            raise UserError(request.env._("Write at most %s characters.", max_chars))
        if "<" in text:
            text = html2plaintext(html_sanitize(text)).strip()
        if not text and required_message:
            raise UserError(required_message)
        return text

    def _ar_evidence(self, files):
        """[(name, content)] of the uploaded files, each a PDF or an image within the size limit."""
        files = [file for file in files if file and file.filename]
        if len(files) > EVIDENCE_MAX_FILES:
            raise UserError(request.env._("Attach at most %s files.", EVIDENCE_MAX_FILES))
        evidence = []
        for file in files:
            content = file.read(EVIDENCE_MAX_BYTES + 1)
            if not content:
                raise UserError(request.env._("%s is empty.", file.filename))
            if len(content) > EVIDENCE_MAX_BYTES:
                raise UserError(request.env._("%(file)s is larger than %(size)s MB.", file=file.filename, size=5))
            if guess_mimetype(content) not in EVIDENCE_TYPES:
                raise UserError(request.env._("%s is not a PDF, PNG or JPEG file.", file.filename))
            evidence.append((file.filename, content))
        return evidence

    def _ar_check_rate(self, model, domain):
        """Refuse above the limit of records created in the last minutes through a route."""
        since = fields.Datetime.now() - RATE_WINDOW
        count = request.env[model].sudo().search_count([*domain, ("create_date", ">=", since)])
        if count >= self._ar_rate_limit:
            raise UserError(
                request.env._("You have sent many requests in the last minutes: please try again a little later.")
            )

    def _ar_account_values(self, partner, link, page=1):
        """Everything the account page shows, in a number of queries that does not depend on
        how many invoices, promises or payments the customer has. The balance, the aging and the
        totals are over all the open invoices; the list shows one page of them."""
        partner = partner.sudo()
        statement = partner._ar_statement_data()[partner.id]
        invoice_count = request.env["account.move"].sudo().search_count(self._ar_open_invoices_domain(partner))
        pager = portal_pager(
            url="/my/ar",
            total=invoice_count,
            page=page,
            step=self._ar_invoices_per_page,
        )
        invoices = self._ar_open_invoices(partner, limit=self._ar_invoices_per_page, offset=pager["offset"])
        invoice_range = None
        if pager["page_count"] > 1:
            invoice_range = request.env._(
                "%(first)s-%(last)s of %(total)s, oldest due first",
                first=pager["offset"] + 1,
                last=pager["offset"] + len(invoices),
                total=invoice_count,
            )
        disputed = invoices._ar_disputed_amounts()
        today = fields.Date.context_today(partner)
        promises = request.env["ar.promise"].sudo().search([("partner_id", "=", partner.id), ("state", "=", "open")])
        disputes = (
            request.env["ar.dispute"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("kind", "=", "dispute"),
                    "|",
                    ("state", "in", ("new", "investigating")),
                    ("date_resolved", ">=", today - timedelta(days=90)),
                ]
            )
        )
        plans = (
            request.env["ar.payment.plan"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("state", "in", ("proposed", "active"))], order="date desc")
        )
        plan = plans.filtered(lambda plan: plan.state == "active")[:1] or plans[:1]
        next_line = plan.line_ids.filtered(lambda line: line.status != "paid")[:1] if plan.state == "active" else None
        return {
            "page_name": "ar_account",
            "partner": partner,
            "link": link,
            "can_act": self._ar_can_act(link),
            "currency": partner.env.company.currency_id,
            "statement": statement,
            "invoices": invoices,
            "pager": pager,
            "disputed": disputed,
            "promised_ids": set(promises.invoice_ids.ids),
            "today": today,
            "promises": promises,
            "disputes": disputes,
            "plan": plan,
            "next_line": next_line,
            "bucket_labels": self._ar_bucket_labels(),
            "recent_limit": self._ar_recent_limit,
            "invoice_range": invoice_range,
            "promises_more": self._ar_more_label(promises),
            "disputes_more": self._ar_more_label(disputes),
        }

    def _ar_more_label(self, records):
        """What is left out of a list bounded to the recent ones, or nothing."""
        more = len(records) - self._ar_recent_limit
        return request.env._("and %s more: your collector has them all.", more) if more > 0 else None

    @staticmethod
    def _ar_bucket_labels():
        return [
            ("current", request.env._("Not due")),
            ("1_30", request.env._("1-30 days")),
            ("31_60", request.env._("31-60 days")),
            ("61_90", request.env._("61-90 days")),
            ("over_90", request.env._("Over 90 days")),
        ]

    # ------------------------------------------------------------------------------------
    # Portal home

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ar_open_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            values["ar_open_count"] = (
                request.env["account.move"].sudo().search_count(partner._ar_open_invoices_domain())
            )
        return values

    # ------------------------------------------------------------------------------------
    # The account page and the statement

    @http.route(["/my/ar", "/my/ar/page/<int:page>"], type="http", auth="public", website=True, sitemap=False)
    def portal_ar_account(self, token=None, page=1, **kwargs):
        partner, _contact, link = self._ar_access(token)
        if not partner:
            return self._ar_refuse()
        values = self._ar_account_values(partner, link, page=page)
        values["message"] = {
            "paid": request.env._("Thank you: your payment is being processed."),
            "promise": request.env._("Thank you: your promise to pay was sent to your collector."),
            "plan": request.env._("Your payment plan request was sent."),
            "remittance": request.env._("Thank you: your remittance advice was sent to our accountants."),
        }.get(kwargs.get("done"))
        return self._ar_render("ar_portal.portal_ar_account", values)

    @http.route("/my/ar/statement", type="http", auth="public", website=True, sitemap=False)
    def portal_ar_statement(self, **kwargs):
        partner, _contact, link = self._ar_access()
        if not partner:
            return self._ar_refuse()
        # Rendered as superuser for this one customer, checked above.
        pdf, _type = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(partner.env.company)
            ._render_qweb_pdf("ar_relationship.action_report_ar_statement", partner.ids)
        )
        filename = request.env._("Statement %s.pdf", partner.name)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )

    @http.route("/my/ar/invoice/<int:invoice_id>", type="http", auth="public", website=True, sitemap=False)
    def portal_ar_invoice(self, invoice_id, **kwargs):
        """Odoo's own page of one of the customer's invoices, with its access token: a visitor
        through a link has no login to open it otherwise."""
        partner, _contact, _link = self._ar_access()
        invoice = request.env["account.move"].sudo().browse(invoice_id).exists()
        if not partner or not invoice or invoice.commercial_partner_id != partner or invoice.state != "posted":
            raise NotFound()
        return request.redirect(invoice.get_portal_url())

    # ------------------------------------------------------------------------------------
    # Pay

    def _ar_payment_selection(self, partner, invoice_ids, amount):
        """The invoices and the amount of a payment, checked: the customer's open invoices in one
        currency, an amount above zero and at most what is left to pay on them."""
        invoices = self._ar_invoices_from(partner, invoice_ids)
        currency = invoices.currency_id
        if len(currency) > 1:
            raise UserError(request.env._("Pay the invoices of one currency at a time."))
        residual = currency.round(sum(invoices.mapped("amount_residual")))
        amount = residual if amount in (None, "") else self._ar_amount(amount, currency, request.env._("the amount"))
        if currency.compare_amounts(amount, residual) > 0:
            raise UserError(
                request.env._(
                    "You can pay at most %(residual)s on %(invoices)s: what is left to pay.",
                    residual=formatLang(request.env, residual, currency_obj=currency),
                    invoices=", ".join(invoices.mapped("name")),
                )
            )
        return invoices, currency, amount

    @http.route("/my/ar/pay", type="http", auth="public", methods=["GET", "POST"], website=True, sitemap=False)
    def portal_ar_pay(self, invoice_ids=None, amount=None, **kwargs):
        partner, _contact, link = self._ar_access()
        if not partner:
            return self._ar_refuse()
        # Ticked invoices come as one parameter each; a link gives them comma-separated.
        invoice_ids = request.httprequest.values.getlist("invoice_ids") or invoice_ids
        try:
            invoices, currency, amount = self._ar_payment_selection(partner, invoice_ids, amount)
        except UserError as error:
            values = self._ar_account_values(partner, link)
            values["error"] = error.args[0]
            return self._ar_render("ar_portal.portal_ar_account", values, status=400)
        ids = ",".join(str(invoice_id) for invoice_id in invoices.ids)
        payer = request.env.user.partner_id if not link else partner
        values = self._get_common_page_view_values(
            invoices_data={
                "partner": partner,
                "company": invoices.company_id,
                "total_amount": amount,
                "currency": currency,
                "amount_residual": amount,
                "landing_route": "/my/ar?done=paid",
                "transaction_route": f"/my/ar/pay/transaction/{ids}",
            },
            access_token=payment_utils.generate_access_token(payer.id, amount, currency.id, ids),
        )
        values.update(
            {
                "page_name": "ar_pay",
                "partner": partner,
                "link": link,
                "invoices": invoices,
                "amount": amount,
                "residual": currency.round(sum(invoices.mapped("amount_residual"))),
            }
        )
        return self._ar_render("ar_portal.portal_ar_pay", values)

    @http.route("/my/ar/pay/transaction/<string:invoice_ids>", type="json", auth="public")
    def portal_ar_pay_transaction(self, invoice_ids, access_token=None, amount=None, **kwargs):
        """One transaction for the invoices chosen, for the amount of the form: the access token
        signs both, and the selection is checked again as it is now."""
        partner, _contact, link = self._ar_access()
        if not partner:
            raise ValidationError(request.env._("Your link has expired: open the account page again."))
        try:
            invoices, currency, amount = self._ar_payment_selection(partner, invoice_ids, amount)
        except UserError as error:
            raise ValidationError(error.args[0]) from None
        payer = request.env.user.partner_id if not link else partner
        ids = ",".join(str(invoice_id) for invoice_id in invoices.ids)
        try:
            self._ar_check_rate("payment.transaction", [("partner_id", "=", payer.id)])
        except UserError as error:
            raise ValidationError(error.args[0]) from None
        # Odoo's check compares in constant time, which takes ASCII strings only.
        if not (isinstance(access_token, str) and access_token.isascii()) or not payment_utils.check_access_token(
            access_token, payer.id, amount, currency.id, ids
        ):
            raise ValidationError(request.env._("The payment was changed: open the payment page again."))
        # Odoo's invoice payment script sends the reference it shows; the transaction computes its own.
        self._validate_transaction_kwargs(kwargs, additional_allowed_keys=("payment_reference",))
        kwargs.pop("payment_reference", None)
        kwargs.update(
            {
                "currency_id": currency.id,
                "partner_id": payer.id,
                "landing_route": "/my/ar?done=paid",
            }
        )
        transaction = self._create_transaction(
            amount=amount,
            custom_create_values={"invoice_ids": [Command.set(invoices.ids)]},
            **kwargs,
        )
        return transaction._get_processing_values()

    # ------------------------------------------------------------------------------------
    # Promise to pay

    @http.route("/my/ar/promise", type="http", auth="public", methods=["GET", "POST"], website=True, sitemap=False)
    def portal_ar_promise(self, **post):
        partner, contact, link = self._ar_access()
        if not partner or not self._ar_can_act(link):
            return self._ar_refuse(link)
        invoices = self._ar_open_invoices(partner)
        values = {
            "page_name": "ar_promise",
            "partner": partner,
            "invoices": invoices,
            "currency": partner.env.company.currency_id,
            "max_date": fields.Date.context_today(partner)
            + timedelta(days=partner.env.company.ar_portal_promise_max_days),
            "post": post,
        }
        if request.httprequest.method != "POST":
            return self._ar_render("ar_portal.portal_ar_promise", values)
        try:
            selected = request.httprequest.form.getlist("invoice_ids")
            chosen = self._ar_invoices_from(partner, selected) if selected else invoices
            currency = chosen.currency_id[:1] or values["currency"]
            amount = self._ar_amount(post.get("amount"), currency, request.env._("the amount you promise"))
            try:
                promise_date = fields.Date.to_date(post.get("promise_date"))
            except ValueError:
                promise_date = None
            if not promise_date:
                raise UserError(request.env._("Enter the date you will pay by."))
            note = self._ar_clean_text(post.get("note"))
            self._ar_check_rate("ar.promise", [("partner_id", "=", partner.id), ("channel", "=", "portal")])
            self._ar_env(link)["ar.promise"]._ar_create_from_portal(
                partner, chosen, amount, promise_date, note=note, contact=contact
            )
        except (UserError, ValidationError) as error:
            values["error"] = error.args[0]
            return self._ar_render("ar_portal.portal_ar_promise", values, status=400)
        return request.redirect("/my/ar?done=promise")

    # ------------------------------------------------------------------------------------
    # Disputes

    def _ar_dispute_reasons(self, partner):
        return (
            request.env["ar.reason.code"]
            .sudo()
            .search([("kind", "=", "dispute"), ("company_id", "in", (False, partner.env.company.id))])
        )

    @http.route("/my/ar/dispute/new", type="http", auth="public", methods=["GET", "POST"], website=True, sitemap=False)
    def portal_ar_dispute_new(self, invoice_id=None, **post):
        partner, contact, link = self._ar_access()
        if not partner or not self._ar_can_act(link):
            return self._ar_refuse(link)
        try:
            invoice = self._ar_invoices_from(partner, [invoice_id])
        except UserError:
            raise NotFound() from None
        bearable = request.env["ar.dispute"].sudo()._ar_bearable_amounts(invoice)[invoice.id]
        values = {
            "page_name": "ar_dispute",
            "partner": partner,
            "invoice": invoice,
            "bearable": bearable,
            "currency": invoice.company_currency_id,
            "reasons": self._ar_dispute_reasons(partner),
            "post": post,
        }
        if request.httprequest.method != "POST":
            return self._ar_render("ar_portal.portal_ar_dispute_new", values)
        try:
            reason = values["reasons"].filtered(lambda reason: str(reason.id) == str(post.get("reason_id")))
            if not reason:
                raise UserError(request.env._("Choose the reason of your dispute in the list."))
            amount = post.get("amount")
            amount = (
                self._ar_amount(amount, values["currency"], request.env._("the amount you dispute"))
                if (amount or "").strip()
                else bearable
            )
            message = self._ar_clean_text(post.get("message"), request.env._("Tell us why you dispute this amount."))
            evidence = self._ar_evidence(request.httprequest.files.getlist("attachments"))
            self._ar_check_rate("ar.dispute", [("partner_id", "=", partner.id), ("origin", "=", "portal")])
            dispute = self._ar_env(link)["ar.dispute"]._open_from_portal(invoice, reason, amount, message, evidence)
            if link:
                # Run as the superuser for a visitor, the core signs the opening message with
                # the bot: it is the customer's, and the customer's page shows only its own.
                bot = request.env.ref("base.partner_root")
                dispute.message_ids.filtered(
                    lambda message: message.message_type == "comment" and message.author_id == bot
                ).sudo().author_id = contact
        except (UserError, ValidationError) as error:
            values["error"] = error.args[0]
            return self._ar_render("ar_portal.portal_ar_dispute_new", values, status=400)
        return request.redirect(f"/my/ar/dispute/{dispute.id}")

    def _ar_dispute_of(self, partner, dispute_id):
        dispute = request.env["ar.dispute"].sudo().browse(dispute_id).exists()
        if not partner or not dispute or dispute.partner_id != partner or dispute.kind != "dispute":
            raise NotFound()
        return dispute

    def _ar_conversation(self, dispute, partner):
        """The messages the customer sees on its dispute: its own, and our replies sent as
        messages (not internal notes or tracking)."""
        comment = request.env.ref("mail.mt_comment")
        contacts = partner.with_context(active_test=False).search([("id", "child_of", partner.id)])
        return dispute.message_ids.filtered(
            lambda message: (
                message.message_type == "comment" and (message.subtype_id == comment or message.author_id in contacts)
            )
        ).sorted("id")

    @http.route("/my/ar/dispute/<int:dispute_id>", type="http", auth="public", website=True, sitemap=False)
    def portal_ar_dispute(self, dispute_id, **kwargs):
        partner, _contact, link = self._ar_access()
        if not partner or not self._ar_can_act(link):
            return self._ar_refuse(link)
        dispute = self._ar_dispute_of(partner, dispute_id)
        return self._ar_render("ar_portal.portal_ar_dispute", self._ar_dispute_values(dispute, partner))

    def _ar_dispute_values(self, dispute, partner):
        return {
            "page_name": "ar_dispute",
            "partner": partner,
            "dispute": dispute,
            "messages": self._ar_conversation(dispute, partner),
            "state_label": dict(dispute._fields["state"]._description_selection(request.env))[dispute.state],
        }

    @http.route("/my/ar/dispute/<int:dispute_id>/message", type="http", auth="public", methods=["POST"], website=True)
    def portal_ar_dispute_message(self, dispute_id, **post):
        partner, contact, link = self._ar_access()
        if not partner or not self._ar_can_act(link):
            return self._ar_refuse(link)
        dispute = self._ar_dispute_of(partner, dispute_id)
        author = request.env.user.partner_id if not link else contact
        try:
            message = self._ar_clean_text(post.get("message"), request.env._("Write your message first."))
            evidence = self._ar_evidence(request.httprequest.files.getlist("attachments"))
            self._ar_check_rate(
                "mail.message",
                [("model", "=", "ar.dispute"), ("res_id", "=", dispute.id), ("author_id", "=", author.id)],
            )
        except UserError as error:
            values = self._ar_dispute_values(dispute, partner)
            values.update(error=error.args[0], post=post)
            return self._ar_render("ar_portal.portal_ar_dispute", values, status=400)
        # A note, like the message that opened it: the customer does not follow our side.
        dispute.with_context(mail_create_nosubscribe=True).message_post(
            body=plaintext2html(message),
            author_id=author.id,
            attachments=evidence,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        if dispute.user_id:
            dispute.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=dispute.user_id.id,
                summary=request.env._("%s: new message from the customer", dispute.name),
            )
        return request.redirect(f"/my/ar/dispute/{dispute.id}")

    # ------------------------------------------------------------------------------------
    # Payment plan

    @http.route("/my/ar/plan", type="http", auth="public", methods=["GET", "POST"], website=True, sitemap=False)
    def portal_ar_plan(self, **post):
        partner, contact, link = self._ar_access()
        if not partner or not self._ar_can_act(link):
            return self._ar_refuse(link)
        company = partner.env.company
        values = {
            "page_name": "ar_plan",
            "partner": partner,
            "invoices": self._ar_open_invoices(partner, overdue_only=True),
            "currency": company.currency_id,
            "min_down_payment": company.ar_plan_min_down_payment,
            "max_months": company.ar_plan_max_months,
            "post": post,
        }
        if request.httprequest.method != "POST":
            return self._ar_render("ar_portal.portal_ar_plan", values)
        try:
            invoices = self._ar_invoices_from(
                partner, request.httprequest.form.getlist("invoice_ids"), overdue_only=True
            )
            try:
                count = int(post.get("installment_count") or 0)
            except ValueError:
                count = 0
            if not 1 <= count <= 36:
                raise UserError(request.env._("Choose between 1 and 36 installments."))
            down_payment = post.get("down_payment")
            if (down_payment or "").strip():
                down_payment = self._ar_amount(
                    down_payment, invoices.company_currency_id[:1], request.env._("the down payment"), allow_zero=True
                )
            else:
                down_payment = None
            self._ar_check_rate("ar.payment.plan", [("partner_id", "=", partner.id)])
            self._ar_env(link)["ar.payment.plan"]._ar_request_from_portal(
                partner, invoices, post.get("frequency"), count, down_payment=down_payment, contact=contact
            )
        except (UserError, ValidationError) as error:
            values["error"] = error.args[0]
            return self._ar_render("ar_portal.portal_ar_plan", values, status=400)
        return request.redirect("/my/ar?done=plan")

    # ------------------------------------------------------------------------------------
    # Remittance advice

    @http.route("/my/ar/remittance", type="http", auth="public", methods=["GET", "POST"], website=True, sitemap=False)
    def portal_ar_remittance(self, **post):
        partner, contact, link = self._ar_access()
        if not partner:
            return self._ar_refuse()
        invoices = self._ar_open_invoices(partner)
        values = {
            "page_name": "ar_remittance",
            "partner": partner,
            "invoices": invoices,
            "currency": partner.env.company.currency_id,
            "post": post,
        }
        if request.httprequest.method != "POST":
            return self._ar_render("ar_portal.portal_ar_remittance", values)
        try:
            self._ar_record_remittance(partner, contact, invoices, post)
        except (UserError, ValidationError) as error:
            values["error"] = error.args[0]
            return self._ar_render("ar_portal.portal_ar_remittance", values, status=400)
        return request.redirect("/my/ar?done=remittance")

    def _ar_record_remittance(self, partner, contact, invoices, post):
        """Read the remittance form: an amount per invoice, the reference, the date and the bank's
        advice; the touchpoint model records it."""
        currency = partner.env.company.currency_id
        unknown = {key for key in post if key.startswith("amount_") and (post[key] or "").strip()} - {
            f"amount_{invoice.id}" for invoice in invoices
        }
        if unknown:
            raise UserError(request.env._("Choose among your open invoices."))
        amounts = {}
        for invoice in invoices:
            value = (post.get(f"amount_{invoice.id}") or "").strip()
            if value:
                amounts[invoice] = self._ar_amount(value, currency, request.env._("the amount for %s", invoice.name))
        reference = self._ar_clean_text(post.get("reference"), max_chars=REFERENCE_MAX_CHARS)
        try:
            paid_on = fields.Date.to_date(post.get("date")) or fields.Date.context_today(partner)
        except ValueError:
            raise UserError(request.env._("Enter the date of the transfer.")) from None
        evidence = self._ar_evidence(request.httprequest.files.getlist("attachments"))[:1]
        self._ar_check_rate(
            "ar.touchpoint",
            [("partner_id", "=", partner.id), ("kind", "=", "portal"), ("direction", "=", "in")],
        )
        request.env["ar.touchpoint"]._ar_remittance_from_portal(
            partner, amounts, reference, paid_on, contact=contact, evidence=evidence
        )
