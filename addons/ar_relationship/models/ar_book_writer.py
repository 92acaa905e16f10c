import io
import json
import logging
import re
from datetime import date, timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def _copy_text(value):
    """`value` in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, date):
        value = value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class PrototypesDone(Exception):
    """Rolls back the prototypes once their rows are read."""


class ArBookWriter(models.AbstractModel):
    """Writes a generated book in bulk, for books of tens of thousands of invoices.

    Odoo's ORM first makes one prototype of every kind of row in a savepoint that is rolled back
    once the rows are read: an invoice per payment term, a credit note, a payment, their
    reconciliation, the touchpoint of the payment, the followers. Every row of the book is then
    its prototype's row with the values that differ from one record to the next (partner, dates,
    amounts, numbers, reconciliation), worked out with Odoo's own methods (taxes, payment terms,
    sequences). A test proves the book equal, column for column, to the same book built record by
    record through the ORM; books the writer does not know how to write (several taxes, payment
    terms in installments or with a mixed early discount) are built through the ORM."""

    _name = "ar.book.writer"
    _description = "Receivable book bulk writer"

    @api.model
    def _supported(self, plan, tax):
        if len(tax) > 1 or (tax and (tax.amount_type != "percent" or tax.price_include or tax.children_tax_ids)):
            return False
        return all(
            len(term.line_ids) == 1
            and not (term.early_discount and term.early_pay_discount_computation == "mixed")
            and term.line_ids.value != "fixed"
            for term in {line["term"] for line in plan}
        )

    @api.model
    def _write_book(self, generator, partners, plan, rng, shares, journal, bank, tax):
        today = fields.Date.context_today(self)
        company = self.env.company
        currency = company.currency_id
        taxes = {}  # amount: (untaxed, tax): amounts repeat, Odoo's tax computation is not cheap
        for line in plan:
            # "total" becomes what is left to pay once a credit note applies; "invoice" keeps the figures.
            line["invoice"] = self._figures(line["term"], tax, line["price"] * line["quantity"], line["date"], 1, taxes)
            line.update(due=line["invoice"]["due"], total=line["invoice"]["total"])
        generator._plan_payments(plan, rng, today, shares)
        credited = [line for line in plan if line["credit"]]
        for line in credited:
            untaxed = currency.round(line["invoice"]["untaxed"] * line["credit"])
            line["refund"] = self._figures(line["term"], tax, untaxed, line["date"], -1, taxes)
            line["total"] = currency.round(line["total"] - line["refund"]["total"])
        schedule = generator._payment_schedule(plan)

        proto = self._prototypes(partners[0], {line["term"] for line in plan}, journal, bank, tax)
        self._name_moves(plan, journal, "out_invoice", "name")
        self._name_moves(credited, journal, "out_refund", "refund_name")
        payments = [{"line": line, "amount": amount, "date": date} for line, amount, date in schedule]
        self._name_moves(payments, bank, "entry", "name", is_payment=True)

        self._reconcile(plan, payments, currency)
        # Lines point to their full reconciliation, partials to their lines.
        fulls = [{"_proto": proto["full"], "id": line["full_id"]} for line in plan if line.get("full_id")]
        self._insert_protos("account_full_reconcile", fulls)
        self._insert_invoices(plan, partners, proto, currency)
        self._insert_refunds(credited, partners, proto, currency)
        self._insert_payments(payments, partners, proto, currency, today)
        self._insert_partials(plan, proto)
        # The planner's statistics still describe the tables before the load: refresh them, as
        # after any bulk load, or the queries that follow plan for empty tables.
        for table in ("account_move", "account_move_line", "account_partial_reconcile", "ar_touchpoint"):
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        self.env.invalidate_all()
        self._after_posting(partners, plan, credited, payments)
        return {
            "customers": len(partners),
            "invoices": len(plan),
            "credit_notes": len(credited),
            "payments": len(payments),
        }

    @api.model
    def _after_posting(self, partners, plan, credited, payments):
        """What posting and reconciling do beyond the rows: customer ranks (one per posted
        invoice, credit note and payment), the last touchpoint, deductions proposed on short
        payments and the payment behaviour."""
        posted = {}
        for record in (*plan, *credited, *(payment["line"] for payment in payments)):
            posted[record["partner"]] = posted.get(record["partner"], 0) + 1
        by_count = {}
        for index, count in posted.items():
            by_count[count] = by_count.get(count, self.env["res.partner"]) | partners[index]
        for count, ranked in by_count.items():
            ranked._increase_rank("customer_rank", count)
        touchpoints = self.env["ar.touchpoint"].browse(payment["touchpoint_id"] for payment in payments)
        touchpoints.modified(["partner_id", "date"], create=True)
        currency = self.env.company.currency_id
        short = [payment["partial"]["id"] for payment in payments if not currency.is_zero(payment["line"]["residual"])]
        self.env["ar.dispute"]._ar_on_reconcile(self.env["account.partial.reconcile"].browse(short))
        partners._ar_mark_behaviour_to_recompute()

    # ------------------------------------------------------------------------------------
    # Figures, as Odoo computes them

    @api.model
    def _figures(self, term, tax, price, day, sign, taxes):
        """Untaxed, tax, total, due date and early discount of a one-line invoice (sign 1) or
        credit note (sign -1) of amount `price`; `taxes` remembers the taxes of each amount."""
        currency = self.env.company.currency_id
        if price not in taxes:
            if tax:
                computed = tax.compute_all(price, currency, 1.0)
                untaxed = computed["total_excluded"]
                taxes[price] = untaxed, currency.round(computed["total_included"] - untaxed)
            else:
                taxes[price] = currency.round(price), 0.0
        untaxed, tax_amount = taxes[price]
        terms = term._compute_terms(
            day, currency, self.env.company, sign * tax_amount, sign * tax_amount, sign, sign * untaxed, sign * untaxed
        )
        return {
            "untaxed": untaxed,
            "tax": tax_amount,
            "total": currency.round(untaxed + tax_amount),
            "due": terms["line_ids"][0]["date"],
            "discount_date": terms["discount_date"] or None,
            "discount_balance": terms.get("discount_balance") or 0.0,
            "discount_amount_currency": terms.get("discount_amount_currency") or 0.0,
        }

    @api.model
    def _name_moves(self, records, journal, move_type, key, is_payment=False):
        """Give `records` (dicts with a "date" or, for credit notes, their invoice's) the names Odoo
        gives new moves of `journal` in this order: record[key], with its sequence prefix and number."""
        Move = self.env["account.move"].with_context(is_payment=is_payment)
        split = re.compile(Move._make_regex_non_capturing(Move._sequence_fixed_regex.replace(r"?P<seq>", "")))
        formats, counters = {}, {}
        for record in records:
            day = record["date"]
            if (day.year, day.month) not in formats:
                formats[day.year, day.month] = self._sequence_format(Move, journal, move_type, day)
            template, values = formats[day.year, day.month]
            prefix = template.split("{seq")[0].format(**values)
            counters[prefix] = counters.get(prefix, values["seq"]) + 1
            name = template.format(**{**values, "seq": counters[prefix]})
            match = split.match(name)
            record[key] = (name, name[: match.start(1)], int(match.group(1)))

    @api.model
    def _sequence_format(self, Move, journal, move_type, day):
        """The sequence format of moves of `journal` dated `day`, with the last number used:
        Odoo's own _set_next_sequence, without writing."""
        move = Move.new({"journal_id": journal.id, "date": day, "move_type": move_type})
        last = move._get_last_sequence()
        new = not last
        if new:
            last = move._get_last_sequence(relaxed=True) or move._get_starting_sequence()
        template, values = move._get_sequence_format_param(last)
        if new:
            reset = move._deduce_sequence_number_reset(last)
            date_start, date_end, forced_start, forced_end = move._get_sequence_date_range(reset)
            values["seq"] = 0
            values["year"] = move._truncate_year_to_length(forced_start or date_start.year, values["year_length"])
            values["year_end"] = move._truncate_year_to_length(forced_end or date_end.year, values["year_end_length"])
            values["month"] = day.month
        return template, values

    @api.model
    def _reconcile(self, plan, payments, currency):
        """Partials (credit note first, then payments by date, as the ORM makes them), residuals,
        full reconciliations and matching numbers of every invoice."""
        for line in plan:
            # line["total"] is what is left to pay once the credit note is applied.
            line["partials"] = []
            line["residual"] = line["total"]
            if line.get("refund"):
                line["partials"].append({"amount": line["refund"]["total"], "date": line["date"], "refund": True})
        for payment in payments:
            line = payment["line"]
            line["residual"] = currency.round(line["residual"] - payment["amount"])
            payment["residual_after"] = line["residual"]
            partial = {"amount": payment["amount"], "date": max(line["date"], payment["date"]), "payment": payment}
            payment["partial"] = partial
            line["partials"].append(partial)
        partial_ids = iter(self._new_ids("account_partial_reconcile", sum(len(line["partials"]) for line in plan)))
        for line in plan:
            for partial in line["partials"]:
                partial["id"] = next(partial_ids)
        full = [line for line in plan if line["partials"] and currency.is_zero(line["residual"])]
        for line, full_id in zip(full, self._new_ids("account_full_reconcile", len(full)), strict=True):
            line["full_id"] = full_id
        for line in plan:
            if line.get("full_id"):
                line["matching"] = str(line["full_id"])
            elif line["partials"]:
                line["matching"] = f"P{min(partial['id'] for partial in line['partials'])}"
            else:
                line["matching"] = None

    # ------------------------------------------------------------------------------------
    # Prototypes

    @api.model
    def _prototypes(self, partner, terms, journal, bank, tax):
        """The rows Odoo writes for each kind of record of a book, read from records made
        through the ORM in a savepoint rolled back afterwards."""
        Move = self.env["account.move"]
        day = fields.Date.context_today(self) - timedelta(days=60)
        proto = {}
        try:
            with self.env.cr.savepoint():
                invoices = Move.create(
                    [
                        {
                            "move_type": "out_invoice",
                            "partner_id": partner.id,
                            "invoice_date": day,
                            "date": day,
                            "journal_id": journal.id,
                            "invoice_payment_term_id": term.id,
                            "invoice_line_ids": [
                                Command.create(
                                    {
                                        "name": self.env._("Goods and services"),
                                        "quantity": 1,
                                        "price_unit": 100.0,
                                        "tax_ids": [Command.set(tax.ids)],
                                    }
                                )
                            ],
                        }
                        for term in terms
                    ]
                )
                invoices.action_post()
                invoice = invoices[0]
                refund = Move.create(
                    {
                        "move_type": "out_refund",
                        "partner_id": partner.id,
                        "invoice_date": day,
                        "reversed_entry_id": invoice.id,
                        "journal_id": journal.id,
                        "ref": self.env._("Price adjustment on %s", invoice.name),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": self.env._("Price adjustment"),
                                    "quantity": 1,
                                    "price_unit": 10.0,
                                    "tax_ids": [Command.set(tax.ids)],
                                }
                            )
                        ],
                    }
                )
                refund.action_post()
                payment = self.env["account.payment"].create(
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": partner.id,
                        "amount": invoice.amount_residual,
                        "date": day,
                        "journal_id": bank.id,
                        "payment_method_line_id": bank.inbound_payment_method_line_ids[:1].id,
                        "memo": invoice.name,
                    }
                )
                payment.action_post()
                receivable = (invoice | payment.move_id).line_ids.filtered(
                    lambda line: line.account_type == "asset_receivable"
                )
                receivable.reconcile()
                self.env.flush_all()
                proto = self._read_prototypes(invoices, refund, payment)
                raise PrototypesDone
        except PrototypesDone:
            self.env.invalidate_all()
        return proto

    @api.model
    def _read_prototypes(self, invoices, refund, payment):
        def row(table, record_id):
            self.env.cr.execute(SQL("SELECT * FROM %s WHERE id = %s", SQL.identifier(table), record_id))
            names = [column.name for column in self.env.cr.description]
            return dict(zip(names, self.env.cr.fetchone(), strict=True))

        def lines(move):
            return {
                kind: row("account_move_line", line.id)
                for kind, line in (
                    *((line.display_type, line) for line in move.line_ids if move.is_invoice()),
                    *(("debit" if line.debit else "credit", line) for line in move.line_ids if not move.is_invoice()),
                )
            }

        def follower(move):
            follower = self.env["mail.followers"].search([("res_model", "=", "account.move"), ("res_id", "=", move.id)])
            return row("mail_followers", follower.id), follower.subtype_ids.ids

        invoice = invoices[0]
        partial = payment.move_id.line_ids.matched_debit_ids
        touchpoint = self.env["ar.touchpoint"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", payment.move_id.id)]
        )
        return {
            "invoice": {move.invoice_payment_term_id: row("account_move", move.id) for move in invoices},
            "invoice_lines": {move.invoice_payment_term_id: lines(move) for move in invoices},
            "refund": row("account_move", refund.id),
            "refund_lines": lines(refund),
            "payment": row("account_payment", payment.id),
            "payment_move": row("account_move", payment.move_id.id),
            "payment_lines": lines(payment.move_id),
            "partial": row("account_partial_reconcile", partial.id),
            "full": row("account_full_reconcile", invoice.line_ids.full_reconcile_id.id),
            "touchpoint": row("ar_touchpoint", touchpoint.id),
            "follower": follower(invoice),
            "tax_ids": invoice.invoice_line_ids.tax_ids.ids,
        }

    # ------------------------------------------------------------------------------------
    # Rows

    @api.model
    def _new_ids(self, table, count):
        self.env.cr.execute(
            SQL("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", table, count)
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _insert(self, table, proto, rows):
        """Write `rows` (dicts of the columns that differ) into `table`, every other column as in
        the prototype row `proto`: PostgreSQL's COPY, the bulk load it is made for."""
        if not rows:
            return
        columns = list(proto)
        fixed = {column: _copy_text(value) for column, value in proto.items()}
        data = io.StringIO()
        for row in rows:
            data.write("\t".join(_copy_text(row[column]) if column in row else fixed[column] for column in columns))
            data.write("\n")
        data.seek(0)
        query = SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table), SQL(", ").join(map(SQL.identifier, columns)))
        # Odoo's cursor has no COPY: its psycopg2 cursor has.
        self.env.cr._obj.copy_expert(query.code, data)

    @api.model
    def _followers(self, moves, proto):
        """Each new move is followed by its customer, with the prototype's subtypes."""
        row, subtypes = proto["follower"]
        ids = self._new_ids("mail_followers", len(moves))
        self._insert(
            "mail_followers",
            row,
            [
                {"id": follower_id, "res_id": move_id, "partner_id": partner_id}
                for follower_id, (move_id, partner_id) in zip(ids, moves, strict=True)
            ],
        )
        self._insert(
            "mail_followers_mail_message_subtype_rel",
            {"mail_followers_id": None, "mail_message_subtype_id": None},
            [{"mail_followers_id": fid, "mail_message_subtype_id": sid} for fid in ids for sid in subtypes],
        )

    @api.model
    def _insert_invoices(self, plan, partners, proto, currency):
        documents = []
        for line in plan:
            name = line["name"][0]
            paid = currency.is_zero(line["residual"]) and line["partials"]
            documents.append(
                {
                    "line": line,
                    "name": line["name"],
                    "figures": line["invoice"],
                    "sign": 1,
                    "proto_move": proto["invoice"][line["term"]],
                    "proto_lines": proto["invoice_lines"][line["term"]],
                    "move": {
                        "payment_reference": name,
                        "amount_residual": line["residual"],
                        "amount_residual_signed": line["residual"],
                        "payment_state": "paid" if paid else ("partial" if line["partials"] else "not_paid"),
                        "ar_paid_date": max(partial["date"] for partial in line["partials"]) if paid else None,
                        "is_manually_modified": bool(line["partials"]),
                    },
                    "every_line": {},
                    "lines": {
                        "payment_term": {
                            "name": name,
                            "amount_residual": line["residual"],
                            "amount_residual_currency": line["residual"],
                            "reconciled": bool(paid),
                            "full_reconcile_id": line.get("full_id"),
                            "matching_number": line["matching"],
                        },
                        "product": {"quantity": line["quantity"], "price_unit": line["price"]},
                    },
                }
            )
        self._insert_documents(documents, partners, proto)
        for line, document in zip(plan, documents, strict=True):
            line["move_id"], line["term_line_id"] = document["move_id"], document["payment_term_line_id"]
        _logger.info("book writer: %s invoices", len(plan))

    @api.model
    def _insert_refunds(self, credited, partners, proto, currency):
        documents = [
            {
                "line": line,
                "name": line["refund_name"],
                "figures": line["refund"],
                "sign": -1,
                "proto_move": proto["refund"],
                "proto_lines": proto["refund_lines"],
                "move": {
                    "ref": self.env._("Price adjustment on %s", line["name"][0]),
                    "reversed_entry_id": line["move_id"],
                },
                "every_line": {"ref": self.env._("Price adjustment on %s", line["name"][0])},
                "lines": {
                    "payment_term": {
                        "amount_residual": 0.0,
                        "amount_residual_currency": 0.0,
                        "full_reconcile_id": line.get("full_id"),
                        "matching_number": line["matching"],
                    },
                    "product": {"price_unit": line["refund"]["untaxed"]},
                },
            }
            for line in credited
        ]
        self._insert_documents(documents, partners, proto)
        for line, document in zip(credited, documents, strict=True):
            line["refund_line_id"] = document["payment_term_line_id"]

    @api.model
    def _insert_documents(self, documents, partners, proto):
        """Invoices or credit notes: each move, its lines (product, tax, receivable), the tax of
        its product line and its follower. A document names its prototypes and the values of its
        own: "move", "every_line" and "lines" by kind of line."""
        if not documents:
            return
        move_ids = self._new_ids("account_move", len(documents))
        line_ids = iter(self._new_ids("account_move_line", sum(len(doc["proto_lines"]) for doc in documents)))
        moves, lines, taxes = [], [], []
        for document, move_id in zip(documents, move_ids, strict=True):
            partner = partners[document["line"]["partner"]]
            day, figures, sign = document["line"]["date"], document["figures"], document["sign"]
            name, prefix, number = document["name"]
            document["move_id"] = move_id
            moves.append(
                {
                    "_proto": document["proto_move"],
                    "id": move_id,
                    "name": name,
                    "sequence_prefix": prefix,
                    "sequence_number": number,
                    "partner_id": partner.id,
                    "commercial_partner_id": partner.id,
                    "partner_shipping_id": partner.id,
                    "invoice_partner_display_name": partner.display_name,
                    "invoice_payment_term_id": document["line"]["term"].id,
                    "date": day,
                    "invoice_date": day,
                    "invoice_date_due": figures["due"],
                    **self._move_amounts(figures, sign),
                    **document["move"],
                }
            )
            for kind, proto_line in document["proto_lines"].items():
                line_id = next(line_ids)
                document[f"{kind}_line_id"] = line_id
                lines.append(
                    {
                        "_proto": proto_line,
                        "id": line_id,
                        "move_id": move_id,
                        "partner_id": partner.id,
                        "move_name": name,
                        "date": day,
                        "invoice_date": day,
                        **self._line_amounts(kind, figures, sign),
                        **document["every_line"],
                        **document["lines"].get(kind, {}),
                    }
                )
                if kind == "product":
                    taxes += [
                        {"account_move_line_id": line_id, "account_tax_id": tax_id} for tax_id in proto["tax_ids"]
                    ]
        self._insert_protos("account_move", moves)
        self._insert_protos("account_move_line", lines)
        self._insert("account_move_line_account_tax_rel", {"account_move_line_id": None, "account_tax_id": None}, taxes)
        self._followers(
            [(document["move_id"], partners[document["line"]["partner"]].id) for document in documents], proto
        )

    @api.model
    def _insert_payments(self, payments, partners, proto, currency, today):
        count = len(payments)
        payment_ids = self._new_ids("account_payment", count)
        move_ids = self._new_ids("account_move", count)
        line_ids = iter(self._new_ids("account_move_line", 2 * count))
        touchpoint_ids = self._new_ids("ar_touchpoint", count)
        proto_memo = proto["payment"]["memo"]
        Touchpoint = self.env["ar.touchpoint"]
        rows = {"account_payment": [], "account_move": [], "account_move_line": [], "ar_touchpoint": []}
        touched = []
        for payment, payment_id, move_id, touchpoint_id in zip(
            payments, payment_ids, move_ids, touchpoint_ids, strict=True
        ):
            line = payment["line"]
            partner = partners[line["partner"]]
            name, prefix, number = payment["name"]
            memo, amount, day = line["name"][0], payment["amount"], payment["date"]
            payment["move_id"] = move_id
            payment["touchpoint_id"] = touchpoint_id
            common = {"partner_id": partner.id, "date": day}
            rows["account_payment"].append(
                {
                    "_proto": proto["payment"],
                    **common,
                    "id": payment_id,
                    # Set once its move exists: the two point to each other.
                    "move_id": None,
                    "name": name,
                    "memo": memo,
                    "amount": amount,
                    "amount_company_currency_signed": amount,
                }
            )
            rows["account_move"].append(
                {
                    "_proto": proto["payment_move"],
                    **common,
                    "id": move_id,
                    "origin_payment_id": payment_id,
                    "commercial_partner_id": partner.id,
                    "invoice_partner_display_name": partner.display_name,
                    "name": name,
                    "sequence_prefix": prefix,
                    "sequence_number": number,
                    "ref": memo,
                    "amount_total": amount,
                    "amount_total_signed": amount,
                    "amount_total_in_currency_signed": amount,
                }
            )
            for kind, signed in (("debit", amount), ("credit", -amount)):
                proto_line = proto["payment_lines"][kind]
                line_id = next(line_ids)
                values = {
                    "_proto": proto_line,
                    **common,
                    "id": line_id,
                    "move_id": move_id,
                    "payment_id": payment_id,
                    "move_name": name,
                    "ref": memo,
                    "name": proto_line["name"].replace(proto_memo, memo),
                    "date_maturity": day,
                    kind: amount,
                    "balance": signed,
                    "amount_currency": signed,
                    "price_subtotal": signed,
                    "price_total": signed,
                }
                if kind == "debit":
                    values.update(amount_residual=amount, amount_residual_currency=amount)
                else:
                    payment["line_id"] = line_id
                    values.update(full_reconcile_id=line.get("full_id"), matching_number=line["matching"])
                rows["account_move_line"].append(values)
            rows["ar_touchpoint"].append(
                {
                    "_proto": proto["touchpoint"],
                    "id": touchpoint_id,
                    "partner_id": partner.id,
                    "res_id": move_id,
                    "invoice_names": memo,
                    "summary": Touchpoint._payment_summary(amount, memo, payment["residual_after"], currency),
                    "date": Touchpoint._event_datetime(day, today),
                }
            )
            touched.append({"touchpoint_id": touchpoint_id, "move_id": line["move_id"]})
        for table, table_rows in rows.items():
            self._insert_protos(table, table_rows)
        self.env.cr.execute(
            SQL(
                """UPDATE account_payment payment SET move_id = move.id FROM account_move move
                    WHERE move.origin_payment_id = payment.id AND payment.id = ANY(%s)""",
                payment_ids,
            )
        )
        self._insert("ar_touchpoint_account_move_rel", {"touchpoint_id": None, "move_id": None}, touched)
        self._followers([(payment["move_id"], partners[payment["line"]["partner"]].id) for payment in payments], proto)
        _logger.info("book writer: %s payments", count)

    @api.model
    def _insert_partials(self, plan, proto):
        partials = []
        for line in plan:
            for partial in line["partials"]:
                credit = line["refund_line_id"] if partial.get("refund") else partial["payment"]["line_id"]
                partials.append(
                    {
                        "_proto": proto["partial"],
                        "id": partial["id"],
                        "debit_move_id": line["term_line_id"],
                        "credit_move_id": credit,
                        "full_reconcile_id": line.get("full_id"),
                        "max_date": partial["date"],
                        "amount": partial["amount"],
                        "debit_amount_currency": partial["amount"],
                        "credit_amount_currency": partial["amount"],
                    }
                )
        self._insert_protos("account_partial_reconcile", partials)

    def _insert_protos(self, table, rows):
        """Insert rows that name their prototype under "_proto", grouped by prototype."""
        groups = {}
        for row in rows:
            groups.setdefault(id(row["_proto"]), (row["_proto"], []))[1].append(row)
        for proto, group in groups.values():
            self._insert(table, proto, group)

    @api.model
    def _move_amounts(self, figures, sign):
        untaxed, tax, total = figures["untaxed"], figures["tax"], figures["total"]
        return {
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": total,
            "amount_untaxed_signed": sign * untaxed,
            "amount_untaxed_in_currency_signed": sign * untaxed,
            "amount_tax_signed": sign * tax,
            "amount_total_signed": sign * total,
            "amount_total_in_currency_signed": sign * total,
        }

    @api.model
    def _line_amounts(self, kind, figures, sign):
        """Debit, credit and the other amounts of a line of an invoice (sign 1) or credit note."""
        if kind == "product":
            balance = -sign * figures["untaxed"]
            extra = {"price_subtotal": figures["untaxed"], "price_total": figures["total"]}
        elif kind == "tax":
            balance = -sign * figures["tax"]
            extra = {"tax_base_amount": figures["untaxed"]}
        else:
            balance = sign * figures["total"]
            extra = {
                "date_maturity": figures["due"],
                "amount_residual": balance,
                "amount_residual_currency": balance,
                "discount_date": figures["discount_date"],
                # Signed already, as Odoo's payment terms give them.
                "discount_balance": figures["discount_balance"],
                "discount_amount_currency": figures["discount_amount_currency"],
            }
        return {
            "debit": max(balance, 0.0),
            "credit": max(-balance, 0.0),
            "balance": balance,
            "amount_currency": balance,
            **extra,
        }
