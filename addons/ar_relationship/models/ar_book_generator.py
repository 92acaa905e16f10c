import logging
import math
import random
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# How each kind of customer pays: relative propensity to pay late, the range of days late
# when it does, and its share of a generated book's customers.
PROFILES = {
    "reliable": {"propensity": 0.25, "late_days": (1, 8), "share": 0.40},
    "average": {"propensity": 1.0, "late_days": (1, 30), "share": 0.33},
    "chronic": {"propensity": 4.0, "late_days": (15, 90), "share": 0.15},
    "short": {"propensity": 1.5, "late_days": (1, 25), "share": 0.06},
    "new": {"propensity": 1.0, "late_days": (1, 20), "share": 0.06},
    # Demo-only profiles: a long-standing on-time payer whose latest invoices are late, and a
    # customer that holds back one invoice it disputes.
    "loyal_now_late": {"propensity": 0.0, "late_days": (1, 5), "share": 0.0},
    "disputer": {"propensity": 0.5, "late_days": (1, 15), "share": 0.0},
}

PAYMENT_TERMS = [
    ("account.account_payment_term_immediate", 0.08),
    ("account.account_payment_term_15days", 0.2),
    ("account.account_payment_term_30days", 0.42),
    ("account.account_payment_term_45days", 0.15),
    ("account.account_payment_term_end_following_month", 0.1),
    ("account.account_payment_term_30days_early_discount", 0.05),
]

NAME_PARTS = (
    [
        "North",
        "Blue",
        "Silver",
        "Oak",
        "Summit",
        "River",
        "Harbor",
        "Granite",
        "Maple",
        "Cedar",
        "Atlas",
        "Pioneer",
        "Sterling",
        "Evergreen",
        "Coastal",
        "Prairie",
        "Union",
        "Redwood",
    ],
    [
        "Foods",
        "Logistics",
        "Medical",
        "Builders",
        "Textiles",
        "Motors",
        "Pharma",
        "Retail",
        "Electric",
        "Farms",
        "Hotels",
        "Labs",
        "Print",
        "Plastics",
        "Furniture",
        "Energy",
    ],
    ["Inc.", "Ltd", "LLC", "Group", "Co.", "Partners", "GmbH", "SA"],
)
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Marco",
    "Nadia",
    "Omar",
    "Paula",
    "Quentin",
    "Rosa",
    "Sven",
    "Tara",
]
LAST_NAMES = [
    "Adams",
    "Brown",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Rossi",
    "Smith",
]

# Demo customers (XML ids in demo/res_partner_demo.xml) and how each one pays.
DEMO_PROFILES = {
    "res_partner_ar_loyal_demo": "loyal_now_late",
    "res_partner_ar_disputer_demo": "disputer",
    "res_partner_ar_short1_demo": "short",
    "res_partner_ar_short2_demo": "short",
    "res_partner_ar_chronic1_demo": "chronic",
    "res_partner_ar_chronic2_demo": "chronic",
    "res_partner_ar_chronic3_demo": "chronic",
    "res_partner_ar_chronic4_demo": "chronic",
    "res_partner_ar_chronic5_demo": "chronic",
    "res_partner_ar_new1_demo": "new",
    "res_partner_ar_new2_demo": "new",
    "res_partner_ar_new3_demo": "new",
    "res_partner_ar_new4_demo": "new",
    **{f"res_partner_ar_reliable{i}_demo": "reliable" for i in range(1, 15)},
    **{f"res_partner_ar_average{i}_demo": "average" for i in range(1, 14)},
}

# A new customer's history starts this many days ago.
NEW_CUSTOMER_DAYS = 60
# The loyal customer leaves its invoices of the last days unpaid; its two latest invoices are
# dated so that they are already overdue on its 30-day terms.
LOYAL_RECENT_DAYS = 50
LOYAL_LATEST_AGES = (48, 42)
# Days late that put a payment beyond any book's today: the invoice stays open.
UNPAID_DAYS = 10**4


class ArBookGenerator(models.AbstractModel):
    """Builds a receivable book with Odoo's own accounting: posted invoices and credit notes,
    payments reconciled fully, partially and late. The demo data and `./ar generate` use it."""

    _name = "ar.book.generator"
    _description = "Receivable book generator"

    @api.model
    def generate(
        self, customers, invoices, seed=0, late_share=0.3, months=18, batch_size=500, bulk=True, open_share=0.0
    ):
        """Create `customers` companies and `invoices` invoices over the last `months` months.

        Among the invoices that end up fully paid, the share paid after their due date is
        `late_share`; among the invoices already due, at least `open_share` are still unpaid
        (overdue). The same arguments on the same database give the same book, whether it is
        written in `bulk` (fast, for big books) or record by record through the ORM.
        """
        if customers < 1 or invoices < customers:
            raise UserError(self.env._("A book needs at least one customer and one invoice per customer."))
        if not 0 <= late_share <= 1:
            raise UserError(self.env._("The share of late payments must be between 0 and 1."))
        if not 0 <= open_share <= 1:
            raise UserError(self.env._("The share of unpaid invoices must be between 0 and 1."))
        rng = random.Random(seed)
        partners, profiles = self._create_customers(customers, rng)
        shares = {"late": late_share, "open": open_share}
        return self._build_book(partners, profiles, invoices, rng, months, shares, batch_size, bulk=bulk)

    @api.model
    def _load_demo(self):
        partners = self.env["res.partner"]
        profiles = []
        for xmlid, profile in DEMO_PROFILES.items():
            partners |= self.env.ref(f"ar_relationship.{xmlid}")
            profiles.append(profile)
        rng = random.Random(42)
        self._build_book(partners, profiles, 20 * len(partners), rng, months=18, shares=None)
        self._post_demo_dispute(partners[list(DEMO_PROFILES).index("res_partner_ar_disputer_demo")])

    # ------------------------------------------------------------------------------------
    # Customers

    @api.model
    def _create_customers(self, count, rng):
        kinds = [k for k, p in PROFILES.items() if p["share"]]
        profiles = rng.choices(kinds, weights=[PROFILES[k]["share"] for k in kinds], k=count)
        terms = self._payment_terms()
        country = self.env.company.country_id
        company_vals, used = [], set()
        for index in range(count):
            name = " ".join(rng.choice(part) for part in NAME_PARTS)
            if name in used:
                name = f"{name} ({index + 1})"
            used.add(name)
            domain = name.split()[0].lower() + name.split()[1].lower()
            company_vals.append(
                {
                    "name": name,
                    "is_company": True,
                    "email": f"accounts@{domain}.example.com",
                    "country_id": country.id,
                    "property_payment_term_id": rng.choices(terms, weights=[w for _t, w in PAYMENT_TERMS])[0].id,
                }
            )
        partners = self.env["res.partner"].create(company_vals)
        contact_vals = []
        for partner in partners:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            domain = partner.email.split("@")[1]
            contact_vals.append(
                {
                    "name": f"{first} {last}",
                    "parent_id": partner.id,
                    "type": "invoice",
                    "function": "Accounts Payable",
                    "email": f"{first.lower()}.{last.lower()}@{domain}",
                }
            )
        self.env["res.partner"].create(contact_vals)
        return partners, profiles

    def _payment_terms(self):
        return [self.env.ref(xmlid) for xmlid, _weight in PAYMENT_TERMS]

    # ------------------------------------------------------------------------------------
    # The book

    @api.model
    def _build_book(self, partners, profiles, count, rng, months, shares, batch_size=500, bulk=False):
        """`shares`: the late and open shares asked (see generate), or None for the demo book,
        whose customers behave as their profiles say."""
        # A generated book needs no "created" log nor field tracking on each of its records.
        self = self.with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
        today = fields.Date.context_today(self)
        company = self.env.company
        journal = self.env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
        bank = self.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        if not journal or not bank:
            raise UserError(
                self.env._(
                    "The company %s needs a sales and a bank journal: install a chart of accounts first.", company.name
                )
            )
        tax = company.account_sale_tax_id
        default_term = self.env.ref("account.account_payment_term_30days")
        horizon = int(months * 30.4)

        # Each customer has a size: a few customers make most of the turnover.
        weights = [rng.paretovariate(1.5) for _p in partners]
        plan = []
        for index in range(count):
            # Every customer gets at least one invoice, the rest follow the customers' size.
            p = index if index < len(partners) else rng.choices(range(len(partners)), weights=weights)[0]
            profile = profiles[p]
            age = rng.randint(0, NEW_CUSTOMER_DAYS if profile == "new" else horizon)
            plan.append(
                {
                    "partner": p,
                    "term": partners[p].property_payment_term_id or default_term,
                    "profile": profile,
                    "date": today - timedelta(days=age),
                    "price": round(math.exp(rng.gauss(7.0, 1.0)), -1) or 10.0,
                    "quantity": rng.choice([1, 1, 1, 2, 3, 5, 10]),
                }
            )
        plan.sort(key=lambda line: line["date"])
        loyal = [line for line in plan if line["profile"] == "loyal_now_late"]
        for line, age in zip(loyal[-len(LOYAL_LATEST_AGES) :], LOYAL_LATEST_AGES, strict=False):
            line["date"] = today - timedelta(days=age)
        plan.sort(key=lambda line: line["date"])

        if bulk and self.env["ar.book.writer"]._supported(plan, tax):
            return self.env["ar.book.writer"]._write_book(self, partners, plan, rng, shares, journal, bank, tax)
        invoices = self.env["account.move"]
        for start in range(0, len(plan), batch_size):
            chunk = plan[start : start + batch_size]
            moves = self.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partners[line["partner"]].id,
                        "invoice_date": line["date"],
                        "date": line["date"],
                        "journal_id": journal.id,
                        "invoice_payment_term_id": line["term"].id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": self.env._("Goods and services"),
                                    "quantity": line["quantity"],
                                    "price_unit": line["price"],
                                    "tax_ids": [Command.set(tax.ids)],
                                }
                            )
                        ],
                    }
                    for line in chunk
                ]
            )
            moves.action_post()
            invoices |= moves
            self._flush_batch(start + len(chunk), len(plan), "invoices")
        for line, invoice in zip(plan, invoices, strict=True):
            line["invoice"] = invoice
            line["due"] = invoice.invoice_date_due
            line["total"] = invoice.amount_total

        self._plan_payments(plan, rng, today, shares)
        self._create_credit_notes(plan, journal, batch_size)
        payments = self._create_payments(plan, bank, batch_size)
        return {
            "customers": len(partners),
            "invoices": len(invoices),
            "credit_notes": sum(1 for line in plan if line.get("credit")),
            "payments": len(payments),
        }

    def _plan_payments(self, plan, rng, today, shares):
        """Decide, per invoice, a credit note share, the payments (date and share) and lateness."""
        for line in plan:
            profile = PROFILES[line["profile"]]
            line["credit"] = 0.0
            if rng.random() < 0.04:
                line["credit"] = rng.choice([0.1, 0.15, 0.2, 0.3])
            # Most invoices are settled in one payment, some in two.
            line["split"] = rng.random() < 0.12
            line["short"] = rng.uniform(0.01, 0.04) if line["profile"] == "short" and rng.random() < 0.6 else 0.0
            line["late"] = rng.random() < profile["propensity"] * 0.3
            line["late_days"] = rng.randint(*profile["late_days"])
            # One draw whatever the span: with randint, a span that moves with the calendar (end
            # of following month) changed the draws of every line after it, and the demo book
            # from one day to the next.
            line["early_days"] = int(rng.random() * (max(0, (line["due"] - line["date"]).days) + 1))
        for line in plan:
            if line["profile"] == "loyal_now_late":
                line["late"] = line["date"] >= today - timedelta(days=LOYAL_RECENT_DAYS)
                line["late_days"] = UNPAID_DAYS if line["late"] else 0
                line["credit"] = line["short"] = 0.0
                line["split"] = False
        # The disputing customer holds back the invoice that fell due about 45 days ago.
        disputed = [line for line in plan if line["profile"] == "disputer" and line["due"] < today - timedelta(days=20)]
        if disputed:
            line = min(disputed, key=lambda line: abs((today - timedelta(days=45) - line["due"]).days))
            line.update(late=True, late_days=UNPAID_DAYS, credit=0.0, split=False, short=0.0)
        if shares is None:
            # The demo's chronic late payers are behind whatever the day: their latest invoice
            # already due is unpaid (the demo's promises and payment plans are about it).
            latest = {line["partner"]: line for line in plan if line["profile"] == "chronic" and line["due"] < today}
            for line in latest.values():
                line.update(late=True, late_days=UNPAID_DAYS, credit=0.0, split=False, short=0.0)
        else:
            self._leave_open(plan, rng, today, shares["open"])
            self._calibrate_lateness(plan, rng, today, shares["late"])
        for line in plan:
            line["pay_date"] = self._pay_date(line)

    def _pay_date(self, line):
        if line["late"]:
            return line["due"] + timedelta(days=line["late_days"])
        return line["date"] + timedelta(days=line["early_days"])

    def _leave_open(self, plan, rng, today, open_share):
        """Leave unpaid `open_share` of the invoices already due, the worse payers first."""
        due = [line for line in plan if line["due"] < today]
        if not open_share or not due:
            return
        weights = [PROFILES[line["profile"]]["propensity"] + 0.01 for line in due]
        keyed = sorted(zip(due, weights, strict=True), key=lambda cw: rng.random() ** (1 / cw[1]), reverse=True)
        for line, _w in keyed[: round(open_share * len(due))]:
            line.update(late=True, late_days=UNPAID_DAYS, short=0.0)

    def _calibrate_lateness(self, plan, rng, today, late_share):
        """Flip the lateness of some invoices so that, among the invoices fully paid by today,
        the share paid late is exactly `late_share` (to one invoice)."""

        def settled(line):
            return not line["short"] and self._pay_date(line) <= today

        for line in plan:
            # A late payment that would fall after today is capped so that it lands today at the
            # latest: the book then shows it paid late instead of still open.
            if line["late"] and line["late_days"] != UNPAID_DAYS and line["due"] < today and rng.random() < 0.7:
                line["late_days"] = min(line["late_days"], (today - line["due"]).days)
        paid = [line for line in plan if settled(line)]
        late = [line for line in paid if line["late"]]
        wanted = round(late_share * len(paid))
        if len(late) > wanted:
            for line in rng.sample(late, len(late) - wanted):
                line["late"] = False
        elif len(late) < wanted:
            # Only invoices already due can be paid late by today.
            candidates = [line for line in paid if not line["late"] and line["due"] < today]
            weights = [PROFILES[line["profile"]]["propensity"] + 0.01 for line in candidates]
            # Weighted sampling without replacement (Efraimidis-Spirakis keys).
            keyed = sorted(
                zip(candidates, weights, strict=True), key=lambda cw: rng.random() ** (1 / cw[1]), reverse=True
            )
            for line, _w in keyed[: wanted - len(late)]:
                line["late"] = True
                line["late_days"] = rng.randint(1, (today - line["due"]).days)

    def _create_credit_notes(self, plan, journal, batch_size):
        lines = [line for line in plan if line["credit"]]
        for start in range(0, len(lines), batch_size):
            chunk = lines[start : start + batch_size]
            refunds = self.env["account.move"].create(
                [
                    {
                        "move_type": "out_refund",
                        "partner_id": line["invoice"].partner_id.id,
                        # Issued with the invoice, so that it never moves the invoice's paid date.
                        "invoice_date": line["date"],
                        "reversed_entry_id": line["invoice"].id,
                        "journal_id": journal.id,
                        "ref": self.env._("Price adjustment on %s", line["invoice"].name),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": self.env._("Price adjustment"),
                                    "quantity": 1,
                                    "price_unit": line["invoice"].currency_id.round(
                                        line["invoice"].amount_untaxed * line["credit"]
                                    ),
                                    "tax_ids": [Command.set(line["invoice"].invoice_line_ids.tax_ids.ids)],
                                }
                            )
                        ],
                    }
                    for line in chunk
                ]
            )
            # Posting a credit note that reverses an invoice reconciles the two.
            refunds.action_post()
            for line in chunk:
                line["total"] = line["invoice"].amount_residual

    def _payment_schedule(self, plan):
        """[(plan line, amount, date)] of the payments made by today, oldest first: one or two
        per invoice, the last one short of the total for short payers."""
        today = fields.Date.context_today(self)
        currency = self.env.company.currency_id
        todo = []
        for line in plan:
            final_date = line["pay_date"]
            remaining = line["total"]
            if line["split"]:
                first_date = min(line["date"] + timedelta(days=(final_date - line["date"]).days // 2), today)
                first = currency.round(remaining * 0.5)
                todo.append((line, first, first_date))
                remaining = currency.round(remaining - first)
            if final_date <= today:
                amount = currency.round(remaining * (1 - line["short"]))
                if currency.compare_amounts(amount, 0) > 0:
                    todo.append((line, amount, final_date))
        todo.sort(key=lambda t: t[2])
        return todo

    def _create_payments(self, plan, bank, batch_size):
        """The payments of the schedule, each reconciled with its invoice."""
        todo = self._payment_schedule(plan)
        payment_method = bank.inbound_payment_method_line_ids[:1]
        payments = self.env["account.payment"]
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            batch = self.env["account.payment"].create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": line["invoice"].commercial_partner_id.id,
                        "amount": amount,
                        "date": date,
                        "journal_id": bank.id,
                        "payment_method_line_id": payment_method.id,
                        "memo": line["invoice"].name,
                    }
                    for line, amount, date in chunk
                ]
            )
            batch.action_post()
            self.env["account.move.line"]._reconcile_plan(
                [
                    self._receivable(line["invoice"]) | self._receivable(payment.move_id)
                    for (line, _amount, _date), payment in zip(chunk, batch, strict=True)
                ]
            )
            payments |= batch
            self._flush_batch(start + len(chunk), len(todo), "payments")
        return payments

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def _flush_batch(self, done, total, what):
        # Keep memory flat on big books: write the batch and forget the cached records.
        self.env.flush_all()
        self.env.invalidate_all()
        _logger.info("book generator: %s/%s %s", done, total, what)

    def _post_demo_dispute(self, partner):
        """The disputing customer holds back its largest overdue invoice and says why."""
        invoice = self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "=", "not_paid"),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
            ],
            order="amount_total desc",
            limit=1,
        )
        contact = partner.child_ids[:1] or partner
        invoice.message_post(
            body=self.env._(
                "We contest the unit price on this invoice: it is not the price agreed in our "
                "contract. We hold its payment until it is corrected."
            ),
            author_id=contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
