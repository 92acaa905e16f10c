import ast
from datetime import timedelta

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .ar_common import ArAccountingCase

SUITE = ("ar_relationship", "ar_portal", "ar_reports")
USERS = ("plain", "viewer", "collector", "manager")
ALL, NONE = "rwcu", ""

# What each user may do on each model of the suite: r(ead), w(rite), c(reate), u(nlink), for a
# plain internal user (base.group_user only: every internal user is an AR viewer), an AR viewer
# with invoicing rights, a collector and an AR manager. A model of the suite missing here fails
# the test.
CRUD = {
    # The timeline is append-only below AR Manager: collectors add, managers correct.
    "ar.touchpoint": ("r", "r", "rc", ALL),
    "ar.reason.code": ("r", "r", "r", ALL),
    "ar.followup.level": ("r", "r", "r", ALL),
    # Collectors mark letters printed; only managers delete the engine's history.
    "ar.followup.step": ("r", "r", "rwc", ALL),
    "ar.promise": ("r", "r", "rwc", ALL),
    "ar.payment.plan": ("r", "r", "rwc", ALL),
    "ar.payment.plan.line": ("r", "r", "rwc", ALL),
    "ar.dispute": ("r", "r", "rwc", ALL),
    "ar.dispute.team": ("r", "r", "r", ALL),
    "ar.dispute.routing": ("r", "r", "r", ALL),
    # Signed links to a customer's account: collectors see them, managers create and revoke;
    # nobody deletes one (a revoked link stays on record).
    "ar.portal.token": (NONE, NONE, "r", "rwc"),
    # SQL views: read only, for whoever may read what they sum up.
    "ar.worklist": (NONE, NONE, "r", "r"),
    "ar.aging.report": ("r", "r", "r", "r"),
    "ar.late.payment.report": ("r", "r", "r", "r"),
    "ar.dispute.report": ("r", "r", "r", "r"),
    "ar.reason.report": ("r", "r", "r", "r"),
    # Wizards (transient): each user works on its own.
    "ar.touchpoint.log": (NONE, NONE, ALL, ALL),
    "ar.statement.print": (ALL, ALL, ALL, ALL),
    "ar.followup.preview": (NONE, NONE, ALL, ALL),
    "ar.followup.preview.line": (NONE, NONE, ALL, ALL),
    "ar.promise.record": (NONE, NONE, ALL, ALL),
    "ar.payment.plan.propose": (NONE, NONE, ALL, ALL),
    "ar.payment.plan.propose.line": (NONE, NONE, ALL, ALL),
    "ar.worklist.snooze": (NONE, NONE, ALL, ALL),
    "ar.worklist.reassign": (NONE, NONE, ALL, ALL),
    "ar.dispute.resolve": (NONE, NONE, ALL, ALL),
    "ar.xlsx.export": (ALL, ALL, ALL, ALL),
}
# Abstract models have no table and no access rights: their public methods are services, tested
# in test_company_isolation (KPIs, workbook) or by their own tests (statement report, generator).
ABSTRACT = {
    "ar.kpi",
    "ar.xlsx.pack",
    "ar.book.generator",
    "ar.book.writer",
    "report.ar_relationship.report_ar_statement",
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

# Every button of type object in the suite's views: what each user gets when clicking it, ok
# (it does what it says), denied (AccessError) or refused (UserError). A button missing here
# fails the test.
OK, DENIED, REFUSED = "ok", "denied", "refused"
COLLECTORS = (DENIED, DENIED, OK, OK)
BUTTONS = {
    ("res.partner", "action_ar_open_timeline"): (OK, OK, OK, OK),
    ("res.partner", "action_ar_open_promises"): (OK, OK, OK, OK),
    ("res.partner", "action_ar_open_payment_plans"): (OK, OK, OK, OK),
    ("res.partner", "action_ar_open_disputes"): (OK, OK, OK, OK),
    # The composer lists the overdue invoices: it takes the right to read invoices.
    ("res.partner", "action_ar_email_overdue"): (DENIED, OK, OK, OK),
    ("account.move", "action_ar_open_disputes"): (DENIED, OK, OK, OK),
    ("ar.dispute", "action_investigate"): COLLECTORS,
    ("ar.dispute", "action_open_resolve"): COLLECTORS,
    ("ar.dispute", "action_close"): COLLECTORS,
    ("ar.dispute", "action_open_invoice"): (DENIED, OK, OK, OK),
    ("ar.dispute.resolve", "action_confirm"): COLLECTORS,
    ("ar.payment.plan", "action_propose"): COLLECTORS,
    ("ar.payment.plan", "action_approve"): (DENIED, DENIED, DENIED, OK),
    ("ar.payment.plan", "action_activate"): COLLECTORS,
    ("ar.payment.plan", "action_draft"): COLLECTORS,
    ("ar.payment.plan", "action_cancel"): COLLECTORS,
    ("ar.promise", "action_mark_broken"): COLLECTORS,
    ("ar.followup.step", "action_print_letters"): COLLECTORS,
    ("ar.followup.preview.line", "action_approve"): COLLECTORS,
    ("ar.followup.preview.line", "action_skip"): COLLECTORS,
    ("ar.worklist", "action_open_customer"): COLLECTORS,
    ("ar.worklist", "action_log_call"): COLLECTORS,
    ("ar.worklist", "action_record_promise"): COLLECTORS,
    ("ar.worklist", "action_email"): COLLECTORS,
    ("ar.worklist", "action_propose_plan"): COLLECTORS,
    ("ar.worklist", "action_open_dispute"): COLLECTORS,
    ("ar.worklist", "action_snooze"): COLLECTORS,
    ("ar.worklist", "action_reassign"): COLLECTORS,
    ("ar.worklist.snooze", "action_snooze"): COLLECTORS,
    ("ar.worklist.reassign", "action_reassign"): COLLECTORS,
    ("ar.touchpoint.log", "action_log"): COLLECTORS,
    ("ar.promise.record", "action_record"): COLLECTORS,
    ("ar.payment.plan.propose", "action_spread"): COLLECTORS,
    ("ar.payment.plan.propose", "action_propose"): COLLECTORS,
    ("ar.statement.print", "action_print"): (OK, OK, OK, OK),
    ("ar.portal.token", "action_revoke"): (DENIED, DENIED, DENIED, OK),
    ("ar.xlsx.export", "action_download"): (OK, OK, OK, OK),
}


def suite_users(env, company, suffix=""):
    """A plain internal user, an AR viewer with invoicing rights, a collector and an AR manager,
    all working in `company` only."""
    common = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
    invoicing = "base.group_user,account.group_account_invoice"
    return {
        "plain": new_test_user(env, login=f"ar_plain{suffix}", groups="base.group_user", **common),
        "viewer": new_test_user(env, login=f"ar_viewer{suffix}", groups=invoicing, **common),
        "collector": new_test_user(
            env, login=f"ar_collector{suffix}", groups=f"{invoicing},ar_relationship.group_ar_collector", **common
        ),
        "manager": new_test_user(
            env, login=f"ar_manager{suffix}", groups=f"{invoicing},ar_relationship.group_ar_manager", **common
        ),
    }


def suite_book(env, company, name, collector, text=None):
    """A customer of `company` with overdue, promised, planned and late-paid invoices, and a
    record in every model of the suite; `text` (default: the name) is what people typed in
    every free text."""
    text = text or name
    # As superuser: the book is data the test starts from, whichever company the test user is in.
    env = env(su=True, context=dict(env.context, allowed_company_ids=company.ids))
    today = fields.Date.context_today(env.user)
    customer = env["res.partner"].create({"name": name, "is_company": True, "company_id": company.id})
    contact = env["res.partner"].create(
        {"name": f"AP of {name}", "parent_id": customer.id, "type": "invoice", "email": "ap@example.com"}
    )
    customer.write({"ar_collector_id": collector.id, "ar_billing_contact_id": contact.id})
    term = env.ref("account.account_payment_term_30days")

    def invoice(days_ago, amount):
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": today - timedelta(days=days_ago),
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create({"name": text, "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    overdue = invoice(50, 1000.0)  # due 20 days ago
    promised = invoice(45, 600.0)
    planned = invoice(40, 900.0)
    late = invoice(80, 400.0)  # due 50 days ago, paid 10 days late
    bank = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    env["account.payment.register"].with_context(active_model="account.move", active_ids=late.ids).create(
        {"payment_date": today - timedelta(days=40), "journal_id": bank.id}
    )._create_payments()
    reason_late = env["ar.reason.code"].create(
        {"name": text, "code": f"late_{company.id}", "kind": "late_payment", "company_id": company.id}
    )
    reason_dispute = env["ar.reason.code"].create(
        {"name": f"{text} (price)", "code": f"price_{company.id}", "kind": "dispute", "company_id": company.id}
    )
    team = env["ar.dispute.team"].create(
        {"name": text, "company_id": company.id, "user_ids": [Command.set(collector.ids)]}
    )
    env["ar.dispute.routing"].create(
        {"name": text, "company_id": company.id, "team_id": team.id, "user_id": collector.id}
    )
    levels = env["ar.followup.level"]
    for key in ("first", "second"):
        levels |= env.ref(f"ar_relationship.ar_followup_level_{key}").copy(
            {"company_id": company.id, "name": f"{text} ({key})"}
        )
    touchpoint = env["ar.touchpoint"].create(
        {
            "partner_id": customer.id,
            "kind": "call",
            "summary": f"Called {text}",
            "body": text,
            "reason_id": reason_late.id,
            "company_id": company.id,
            "date": fields.Datetime.now() - timedelta(days=3),
        }
    )
    dispute = env["ar.dispute"].create(
        {"invoice_id": overdue.id, "reason_id": reason_dispute.id, "amount": 100.0, "description": text}
    )
    promise = env["ar.promise"].create(
        {
            "partner_id": customer.id,
            "invoice_ids": [Command.set(promised.ids)],
            "amount": 600.0,
            "promise_date": today + timedelta(days=5),
            "company_id": company.id,
            "note": text,
        }
    )
    propose = (
        env["ar.payment.plan.propose"]
        .with_context(active_model="account.move", active_ids=planned.ids)
        .create({"frequency": "monthly", "installment_count": 3})
    )
    plan = env["ar.payment.plan"].browse(propose.action_propose()["res_id"])
    step = env["ar.followup.step"].create(
        {
            "partner_id": customer.id,
            "level_id": levels[0].id,
            "date": today - timedelta(days=10),
            "invoice_ids": [Command.set(overdue.ids)],
            "amount": 1000.0,
            "company_id": company.id,
            "mode": "auto",
            "reason": text,
            "letter": True,
        }
    )
    token = None
    if "ar.portal.token" in env:
        token = env["ar.portal.token"].create(
            {"partner_id": customer.id, "company_id": company.id, "expires_at": fields.Datetime.now() + timedelta(30)}
        )
    return {
        "customer": customer,
        "overdue": overdue,
        "planned": planned,
        "reason_dispute": reason_dispute,
        "touchpoint": touchpoint,
        "dispute": dispute,
        "promise": promise,
        "plan": plan,
        "step": step,
        "token": token,
        "levels": levels,
    }


@tagged("post_install", "-at_install")
class TestAccessMatrix(ArAccountingCase):
    """Who may do what on every model and button of the suite, and two companies that see
    nothing of each other."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.company_a = cls.env.company
        cls.company_b = cls.setup_other_company(name="AR company B")["company"]
        cls.users = suite_users(cls.env, cls.company_a)
        cls.user_b = suite_users(cls.env, cls.company_b, suffix="_b")["manager"]
        cls.book_a = suite_book(cls.env, cls.company_a, "Alder Joinery", cls.users["collector"])
        cls.book_b = suite_book(cls.env, cls.company_b, "Birch Bakery B", cls.user_b)

    def _as(self, who, records):
        return records.with_user(self.users[who]).with_context(allowed_company_ids=self.company_a.ids)

    def _suite_models(self):
        """{model name: ir.model} for the models the suite defines (not those it extends)."""
        data = self.env["ir.model.data"].search([("model", "=", "ir.model"), ("module", "in", SUITE)])
        models = self.env["ir.model"].browse(data.mapped("res_id"))
        return {
            model.model: model
            for model in models
            if model.model in self.env and self.env[model.model]._original_module in SUITE
        }

    # ------------------------------------------------------------------------------------
    # Access rights

    def test_plain_internal_user_is_an_ar_viewer(self):
        plain = self.users["plain"]
        self.assertTrue(plain.has_group("ar_relationship.group_ar_viewer"))
        self.assertFalse(plain.has_group("ar_relationship.group_ar_collector"))
        self.assertFalse(plain.has_group("account.group_account_invoice"))
        self.assertTrue(self.users["collector"].has_group("base.group_partner_manager"))
        self.assertFalse(self.users["collector"].has_group("ar_relationship.group_ar_manager"))
        self.assertTrue(self.users["manager"].has_group("ar_relationship.group_ar_collector"))

    def test_every_model_of_the_suite_has_its_expected_rights(self):
        models = self._suite_models()
        abstract = {name for name in models if self.env[name]._abstract}
        self.assertEqual(abstract, ABSTRACT, "An abstract model of the suite is new or gone: say how it is reached")
        self.assertEqual(set(models) - abstract, set(CRUD), "A model of the suite is missing from CRUD, or gone")
        mismatches = []
        for name, expected in CRUD.items():
            for who, allowed in zip(USERS, expected, strict=True):
                model = self._as(who, self.env[name])
                for letter, operation in OPERATIONS.items():
                    if model.has_access(operation) != (letter in allowed):
                        mismatches.append(f"{name} {operation} by {who}: expected {letter in allowed}")
        self.assertFalse(mismatches, "\n".join(mismatches))

    def test_touchpoints_are_append_only_below_ar_manager(self):
        touchpoint = self.book_a["touchpoint"]
        customer = self.book_a["customer"]
        for who in ("plain", "viewer"):
            self.assertEqual(self._as(who, touchpoint).summary, touchpoint.summary)
            with self.assertRaises(AccessError):
                self._as(who, self.env["ar.touchpoint"]).create({"partner_id": customer.id, "summary": "Called"})
        collector = self._as("collector", self.env["ar.touchpoint"])
        logged = collector.create({"partner_id": customer.id, "summary": "Left a message", "outcome": "left_message"})
        self.assertEqual((logged.user_id, logged.company_id), (self.users["collector"], self.company_a))
        for record in (logged, touchpoint):
            with self.assertRaises(AccessError):
                self._as("collector", record).write({"summary": "Rewritten"})
            with self.assertRaises(AccessError):
                self._as("collector", record).unlink()
        self.assertEqual(touchpoint.summary, "Called Alder Joinery")
        self._as("manager", touchpoint).write({"summary": "Called Alder Joinery, reached the AP clerk"})
        self.assertEqual(touchpoint.summary, "Called Alder Joinery, reached the AP clerk")
        self._as("manager", logged).unlink()
        self.assertFalse(logged.exists())

    def test_real_attempts_agree_with_the_rights(self):
        """Create, write and unlink really attempted on a representative record of each kind:
        history, configuration, a case and a secret link."""
        book = self.book_a
        samples = {
            "ar.dispute": (book["dispute"], {"description": "Checked"}, {"amount": 10.0}),
            "ar.promise": (book["promise"], {"note": "Confirmed by email"}, {}),
            "ar.reason.code": (book["reason_dispute"], {"name": "Price list"}, {"code": "price_list"}),
            "ar.followup.level": (book["levels"][1:], {"name": "Gentle reminder"}, {"delay": 99}),
            "ar.followup.step": (book["step"], {"letter_printed": True}, {}),
        }
        if book["token"]:
            samples["ar.portal.token"] = (
                book["token"],
                {"expires_at": fields.Datetime.now() + timedelta(days=60)},
                {"token": "another-link"},
            )
        attempts = 0
        for name, (record, values, defaults) in samples.items():
            for who, allowed in zip(USERS, CRUD[name], strict=True):
                for letter, attempt in (
                    ("r", lambda rec: rec.read(["display_name"])),
                    ("w", lambda rec, values=values: rec.write(values)),
                    ("c", lambda rec, defaults=defaults: rec.copy(defaults)),
                    ("u", lambda rec: rec.unlink()),
                ):
                    attempts += 1
                    with self.subTest(model=name, user=who, operation=letter), self.env.cr.savepoint() as savepoint:
                        try:
                            attempt(self._as(who, record))
                            self.env.flush_all()
                            done = True
                        except AccessError:
                            done = False
                        savepoint.rollback()
                        self.env.invalidate_all()
                        self.assertEqual(done, letter in allowed)
        self.assertEqual(attempts, len(samples) * 4 * 4)

    def test_ar_profile_is_set_by_collectors_only(self):
        customer = self.book_a["customer"]
        for who in ("plain", "viewer"):
            with self.assertRaises(AccessError):
                self._as(who, customer).write({"ar_tier": "key"})
        self._as("collector", customer).write({"ar_tier": "key"})
        self.assertEqual(customer.ar_tier, "key")

    # ------------------------------------------------------------------------------------
    # Buttons

    def _view_buttons(self):
        """{(model, method)}: the buttons of type object in the suite's views, each on the model
        it acts on (a button in an embedded list acts on the list's model)."""
        data = self.env["ir.model.data"].search([("model", "=", "ir.ui.view"), ("module", "in", SUITE)])
        buttons = set()

        def walk(node, model):
            for child in node:
                if not isinstance(child.tag, str):
                    continue
                if child.tag == "button" and child.get("type") == "object":
                    buttons.add((model, child.get("name"), child.get("context") or "{}"))
                if child.tag == "list" and child.get("type") == "object" and child.get("action"):
                    buttons.add((model, child.get("action"), "{}"))
                field = self.env[model]._fields.get(child.get("name")) if child.tag == "field" else None
                walk(child, field.comodel_name if field is not None and field.relational else model)

        for view in self.env["ir.ui.view"].browse(data.mapped("res_id")):
            root = etree.fromstring(view.arch_db)
            if root.tag == "list" and root.get("type") == "object" and root.get("action"):
                buttons.add((view.model, root.get("action"), "{}"))
            walk(root, view.model)
        return buttons

    def _button_records(self, who, model):
        """The record a user clicks the button on, in the state where the button shows; a wizard
        is created by the user, as the web client does when it opens it."""
        book, user = self.book_a, self.users[who]
        customer = book["customer"]
        if model == "res.partner":
            return customer
        if model == "account.move":
            return book["overdue"]
        if model in ("ar.dispute", "ar.promise", "ar.followup.step", "ar.portal.token"):
            return {"ar.dispute": book["dispute"], "ar.promise": book["promise"]}.get(model) or {
                "ar.followup.step": book["step"],
                "ar.portal.token": book["token"],
            }[model]
        if model == "ar.payment.plan":
            return book["plan"]
        if model == "ar.worklist":
            return self.env["ar.worklist"].browse(customer.id)
        Model = self._as(who, self.env[model])
        partner_context = {"active_model": "res.partner", "active_id": customer.id, "active_ids": customer.ids}
        if model == "ar.dispute.resolve":
            return Model.create({"dispute_id": book["dispute"].id, "resolution": "credit_note"})
        if model == "ar.followup.preview.line":
            preview = self._as(who, self.env["ar.followup.preview"]).create({})
            item = self.env["ar.followup.step"].with_user(user)._plan(customer)[0]
            return Model.create({"preview_id": preview.id, **Model._values_from_item(item)})
        if model == "ar.worklist.snooze":
            return Model.with_context(**partner_context).create(
                {"date": self.today + timedelta(days=7), "reason": "Waiting for the AP manager"}
            )
        if model == "ar.worklist.reassign":
            return Model.with_context(**partner_context).create({"collector_id": self.users["manager"].id})
        if model == "ar.touchpoint.log":
            return Model.with_context(**partner_context).create({"summary": "Reached the AP clerk"})
        if model == "ar.promise.record":
            return Model.with_context(active_model="account.move", active_ids=book["overdue"].ids).create(
                {"promise_date": self.today + timedelta(days=3)}
            )
        if model == "ar.payment.plan.propose":
            return Model.with_context(active_model="account.move", active_ids=book["overdue"].ids).create(
                {"frequency": "monthly", "installment_count": 2}
            )
        if model == "ar.statement.print":
            return Model.with_context(**partner_context).create({})
        if model == "ar.xlsx.export":
            return Model.create({})
        raise AssertionError(f"No record to click {model}'s buttons on")

    def _prepare(self, model, method):
        """Put the book in the state where the button shows."""
        plan = self.book_a["plan"]
        if (model, method) == ("ar.payment.plan", "action_propose"):
            plan.state = "draft"
        elif (model, method) == ("ar.payment.plan", "action_draft"):
            plan.state = "cancelled"
        elif (model, method) == ("ar.payment.plan", "action_approve"):
            plan.needs_approval = True

    def _effective(self, who, result):
        """What the user gets from the action a button returns: a window on a model it cannot
        open is a denial."""
        if isinstance(result, dict) and result.get("type") == "ir.actions.act_window" and result.get("res_model"):
            Target = self._as(who, self.env[result["res_model"]])
            Target.check_access("read")
            if result.get("target") == "new" and Target._transient:
                Target.check_access("create")
            if result.get("res_id"):
                Target.browse(result["res_id"]).check_access("read")
        if isinstance(result, dict) and result.get("type") == "ir.actions.report":
            report = self.env["ir.actions.report"]._get_report(result["report_name"])
            records = self._as(who, self.env[report.model]).browse(result["context"].get("active_ids", []))
            report.with_user(self.users[who])._render_qweb_html(
                report.report_name, records.ids, data=result.get("data")
            )

    def _click(self, who, model, method, context):
        with self.env.cr.savepoint() as savepoint:
            try:
                self._prepare(model, method)
                records = self._as(who, self._button_records(who, model)).with_context(**context)
                result = getattr(records, method)()
                self._effective(who, result)
                self.env.flush_all()
                outcome = OK
            except AccessError:
                outcome = DENIED
            except UserError:
                outcome = REFUSED
            savepoint.rollback()
        self.env.invalidate_all()
        return outcome

    def test_every_button_works_for_its_users_and_no_one_else(self):
        buttons = self._view_buttons()
        self.assertEqual(
            {(model, method) for model, method, _context in buttons},
            set(BUTTONS),
            "A button of the suite's views is missing from BUTTONS, or gone",
        )
        mismatches = []
        for model, method, context in sorted(buttons):
            for who, expected in zip(USERS, BUTTONS[model, method], strict=True):
                outcome = self._click(who, model, method, ast.literal_eval(context) if "'" in context else {})
                if outcome != expected:
                    mismatches.append(f"{model}.{method} {context} by {who}: {outcome}, expected {expected}")
        self.assertFalse(mismatches, "\n".join(mismatches))

    def test_buttons_do_what_they_say_for_their_users(self):
        book = self.book_a
        self._as("collector", book["dispute"]).action_investigate()
        self.assertEqual(book["dispute"].state, "investigating")
        self.assertTrue(book["dispute"].user_id)
        self._as("collector", book["promise"]).action_mark_broken()
        self.assertEqual(book["promise"].state, "broken")
        self._as("collector", book["step"]).action_print_letters()
        self.assertTrue(book["step"].letter_printed)
        if book["token"]:
            self._as("manager", book["token"]).action_revoke()
            self.assertTrue(book["token"].revoked)
        book["plan"].needs_approval = True
        self._as("manager", book["plan"]).action_approve()
        self.assertEqual(book["plan"].approved_by_id, self.users["manager"])

    # ------------------------------------------------------------------------------------
    # Two companies

    def test_company_b_exists_in_every_model_with_a_company(self):
        """Not a vacuous isolation test: company B has records in each of those models."""
        names = [
            name
            for name in self._suite_models()
            if not self.env[name]._abstract and not self.env[name]._transient and "company_id" in self.env[name]._fields
        ]
        empty = [
            name
            for name in names
            if not self.env[name]
            .sudo()
            .with_context(active_test=False)
            .search_count([("company_id", "=", self.company_b.id)])
        ]
        self.assertFalse(empty, f"Company B has no record in {empty}")
        self.assertGreaterEqual(len(names), 15)

    def test_company_a_sees_nothing_of_company_b_in_any_model(self):
        leaks = []
        checked = 0
        for name in self._suite_models():
            Model = self.env[name]
            if Model._abstract or Model._transient or "company_id" not in Model._fields:
                continue
            for who in USERS:
                records = self._as(who, Model).with_context(active_test=False)
                if not records.has_access("read"):
                    continue
                checked += 1
                foreign = records.search([("company_id", "!=", False), ("company_id", "!=", self.company_a.id)])
                if foreign:
                    leaks.append(f"{name} as {who}: {foreign.mapped('company_id.name')}")
                if records.search_count([]) == 0 and name not in ("ar.reason.report",):
                    leaks.append(f"{name} as {who}: not even company A's records")
        self.assertFalse(leaks, "\n".join(leaks))
        self.assertGreater(checked, 40)
        # B's customer itself is out of reach too.
        for who in USERS:
            self.assertFalse(self._as(who, self.env["res.partner"]).search([("id", "=", self.book_b["customer"].id)]))

    def test_worklist_shows_the_user_companys_customers_only(self):
        customer_a, customer_b = self.book_a["customer"], self.book_b["customer"]
        for who in ("collector", "manager"):
            rows = self._as(who, self.env["ar.worklist"]).search([])
            self.assertIn(customer_a, rows.partner_id, who)
            self.assertNotIn(customer_b, rows.partner_id, who)
        rows_b = self.env["ar.worklist"].with_user(self.user_b).search([])
        self.assertEqual(rows_b.partner_id, customer_b)
        # The promised invoice is covered; the planned one is not while its plan is only proposed.
        self.assertEqual(rows_b.overdue_amount, 1000.0 + 900.0)

    def test_kpis_aging_and_workbook_of_company_a_hold_nothing_of_company_b(self):
        day_from, day_to = self.today - timedelta(days=90), self.today
        customer_b = self.book_b["customer"]
        # The figures sum up invoices: a plain internal user, without invoicing rights, gets none.
        with self.assertRaises(AccessError):
            self.env["ar.kpi"].with_user(self.users["plain"]).compute(day_from, day_to)
        for who in ("viewer", "collector", "manager"):
            user = self.users[who]
            Kpi = self.env["ar.kpi"].with_user(user)
            kpi = Kpi.compute(day_from, day_to)
            self.assertNotIn(customer_b.id, [row["partner_id"] for row in kpi["top_delinquent_customers"]], who)
            own = self.env["ar.kpi"].compute(day_from, day_to, self.company_a.ids)
            self.assertEqual(kpi["aging"], own["aging"], who)
            both = (self.company_a | self.company_b).ids
            for call in (
                lambda Kpi=Kpi: Kpi.compute(day_from, day_to, self.company_b.ids),
                lambda Kpi=Kpi, both=both: Kpi.compute(day_from, day_to, both),
                lambda Kpi=Kpi, both=both: Kpi.dashboard_data(day_from, day_to, both),
                lambda user=user, both=both: self.env["ar.xlsx.pack"].with_user(user).render(day_from, day_to, both),
                lambda Kpi=Kpi: Kpi.dashboard_data(day_from, day_to, self.company_b.ids),
                lambda Kpi=Kpi: Kpi.action_open_kpi("dso", day_from, day_to, self.company_b.ids),
                lambda user=user: self.env["ar.xlsx.pack"].with_user(user).render(day_from, day_to, self.company_b.ids),
            ):
                with self.assertRaises(AccessError, msg=who):
                    call()
            aging = self._as(who, self.env["ar.aging.report"]).search([])
            self.assertIn(self.book_a["customer"], aging.partner_id, who)
            self.assertNotIn(customer_b, aging.partner_id, who)
        workbook = self.env["ar.xlsx.pack"].with_user(self.users["manager"]).render(day_from, day_to)
        self.assertNotIn(b"Birch Bakery B", workbook)

    def test_collector_cannot_act_on_another_companys_customers(self):
        """The worklist's wizards write on customers as superuser; a crafted request naming a
        customer of another company gets nothing done: the wizard, read back in the next request,
        holds only the customers the collector may see."""
        customer_b = self.book_b["customer"]
        collector = self.users["collector"]
        partners = [Command.set((customer_b | self.book_a["customer"]).ids)]
        snooze = self._as("collector", self.env["ar.worklist.snooze"]).create(
            {"partner_ids": partners, "date": self.today + timedelta(days=7), "reason": "Not mine"}
        )
        reassign = self._as("collector", self.env["ar.worklist.reassign"]).create(
            {"partner_ids": partners, "collector_id": collector.id}
        )
        self.env.invalidate_all()  # the button is clicked in a request of its own
        snooze.action_snooze()
        reassign.action_reassign()
        self.assertEqual(self.book_a["customer"].ar_snoozed_until, self.today + timedelta(days=7))
        self.assertFalse(customer_b.ar_snoozed_until)
        self.assertEqual(customer_b.ar_collector_id, self.user_b)
        self.assertFalse(self.env["ar.touchpoint"].search([("partner_id", "=", customer_b.id), ("kind", "=", "note")]))
