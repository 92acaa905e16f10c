"""Who reaches what through the suite's web routes.

The routes come from Odoo's routing map: every route whose endpoint is written in one of the
suite's add-ons is tried, and a route added without a rule saying how to fill its parameters
fails `test_every_suite_route_has_a_rule`. Each route and method is then tried by six people who
must not reach the customer's data: nobody, another portal customer, a contact of a third
company, a visitor with another customer's link, and visitors whose link of the customer has
expired or was revoked. None of them may see the customer's data, get anything but a refusal
(or their own page), or create anything."""

import json
import logging
import re
from collections import Counter, namedtuple
from datetime import timedelta
from types import SimpleNamespace
from unittest.mock import patch
from urllib.parse import urlencode

import odoo
from odoo import Command, fields
from odoo.addons.ar_portal.controllers.portal import ArCustomerPortal
from odoo.addons.payment import utils as payment_utils
from odoo.tests import new_test_user, tagged

from .common import ArPortalCase

_logger = logging.getLogger(__name__)

# What a request may create; counted before and after each attempt.
COUNTED_MODELS = (
    "ar.promise",
    "ar.dispute",
    "ar.payment.plan",
    "payment.transaction",
    "ar.touchpoint",
    "mail.message",
    "mail.activity",
    "ir.attachment",
)
REFUSED_STATUSES = (400, 403, 404)

# One request of a route: its path, query, and for a POST its form (or JSON-RPC params) and files.
Attempt = namedtuple("Attempt", "path query form files", defaults=((), None, None))


class Route:
    """How to fill one route's parameters with the customer's records.

    :param build: function(case, method) -> Attempt aimed at the customer's records
    :param own_page: the methods for which the route, without a record of the customer's in its
        parameters, shows whoever asks its own account (so a 200 there is not a leak)
    :param owner: the login for whom the attempt must succeed (the matrix's control)
    :param creates: the model a POST of the route creates a record of (its rate limit counts them)
    """

    def __init__(self, build, own_page=(), owner="ar_portal_a", creates=None):
        self.build = build
        self.own_page = set(own_page)
        self.owner = owner
        self.creates = creates


def payment_access_token(env, *values):
    """The access token a payment page signs its form with (Odoo's helper reads the request)."""
    with patch.object(payment_utils, "request", SimpleNamespace(env=env)):
        return payment_utils.generate_access_token(*values)


def _transaction_params(case, method):
    """The payment form's call, with the access token of the customer's own payment page."""
    invoice = case.invoices_a[0]
    currency = invoice.currency_id
    return Attempt(
        f"/my/ar/pay/transaction/{invoice.id}",
        form={
            "provider_id": case.provider.id,
            "payment_method_id": case.env.ref("payment_demo.payment_method_demo").id,
            "token_id": None,
            "amount": 10.0,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/my/ar",
            "is_validation": False,
            "access_token": payment_access_token(
                case.env, case.user_a.partner_id.id, 10.0, currency.id, str(invoice.id)
            ),
        },
    )


# The rule of each route, by its URL rule as declared in @http.route. Filled with the records of
# customer A (Fjord Bakery); the POST forms are valid for A, so that a refusal of anybody else
# comes from who asks, not from what is asked.
ROUTES = {
    "/my/ar": Route(lambda case, method: Attempt("/my/ar"), own_page=("GET", "POST")),
    "/my/ar/page/<int:page>": Route(lambda case, method: Attempt("/my/ar/page/2"), own_page=("GET", "POST")),
    "/my/ar/statement": Route(lambda case, method: Attempt("/my/ar/statement"), own_page=("GET", "POST")),
    "/my/ar/invoice/<int:invoice_id>": Route(lambda case, method: Attempt(f"/my/ar/invoice/{case.invoices_a[0].id}")),
    "/my/ar/pay": Route(
        lambda case, method: (
            Attempt("/my/ar/pay", {"invoice_ids": case.invoices_a[0].id, "amount": "10"})
            if method == "GET"
            else Attempt("/my/ar/pay", form={"invoice_ids": str(case.invoices_a[0].id), "amount": "10"})
        )
    ),
    "/my/ar/pay/transaction/<string:invoice_ids>": Route(_transaction_params, creates="payment.transaction"),
    "/my/ar/promise": Route(
        lambda case, method: Attempt(
            "/my/ar/promise",
            form={
                "invoice_ids": str(case.invoices_a[0].id),
                "amount": "10",
                "promise_date": str(case.today + timedelta(days=5)),
            },
        ),
        own_page=("GET",),
        creates="ar.promise",
    ),
    "/my/ar/dispute/new": Route(
        lambda case, method: Attempt(
            "/my/ar/dispute/new",
            {"invoice_id": case.invoices_a[0].id},
            form={"reason_id": str(case.reason.id), "amount": "1", "message": "Two bags were torn."},
        ),
        creates="ar.dispute",
    ),
    "/my/ar/dispute/<int:dispute_id>": Route(lambda case, method: Attempt(f"/my/ar/dispute/{case.dispute_a.id}")),
    "/my/ar/dispute/<int:dispute_id>/message": Route(
        lambda case, method: Attempt(f"/my/ar/dispute/{case.dispute_a.id}/message", form={"message": "Any news?"}),
        creates="mail.message",
    ),
    "/my/ar/plan": Route(
        lambda case, method: Attempt(
            "/my/ar/plan",
            form={"invoice_ids": str(case.invoices_a[0].id), "frequency": "monthly", "installment_count": "2"},
        ),
        own_page=("GET",),
        creates="ar.payment.plan",
    ),
    "/my/ar/remittance": Route(
        lambda case, method: Attempt(
            "/my/ar/remittance", form={f"amount_{case.invoices_a[0].id}": "10", "reference": "TRF-77"}
        ),
        own_page=("GET",),
        creates="ar.touchpoint",
    ),
    "/ar_reports/xlsx": Route(
        lambda case, method: Attempt(
            "/ar_reports/xlsx", {"date_from": str(case.today - timedelta(days=90)), "date_to": str(case.today)}
        ),
        owner="ar_matrix_viewer",
    ),
}


@tagged("post_install", "-at_install")
class TestPortalAccessMatrix(ArPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Customer A's data that nobody else may see: an invoice of a telling amount, a dispute
        # with its message, a promise.
        cls.invoices_a |= cls._invoices(cls.customer_a, [4321.09])
        cls.reason = cls.env["ar.reason.code"].search([("kind", "=", "dispute")], limit=1)
        cls.dispute_a = (
            cls.env["ar.dispute"]
            .with_user(cls.user_a)
            ._open_from_portal(cls.invoices_a[1], cls.reason, 20, "Pallet 77 arrived crushed at the dock.")
        )
        cls.env["ar.promise"].create(
            {
                "partner_id": cls.customer_a.id,
                "invoice_ids": [Command.set(cls.invoices_a[2].ids)],
                "amount": 55.5,
                "promise_date": cls.today + timedelta(days=3),
                "channel": "call",
            }
        )
        cls.customer_c, cls.user_c = cls._customer("Quarry Paints", "ar_portal_c")
        cls._invoices(cls.customer_c, [80.0])
        cls.viewer = new_test_user(
            cls.env,
            login="ar_matrix_viewer",
            groups="account.group_account_invoice,ar_relationship.group_ar_viewer",
        )
        cls.markers = [
            cls.customer_a.name,
            cls.user_a.partner_id.name,
            cls.dispute_a.name,
            "Pallet 77",
            "4,321.09",
            "5,071.09",
            *cls.invoices_a.mapped("name"),
        ]

    # ------------------------------------------------------------------------------------
    # Helpers

    @classmethod
    def _suite_routes(cls):
        """{URL rule: (route type, methods tried)} of every route whose endpoint is written in one
        of the suite's add-ons (odoo.addons.ar_*)."""
        # What ir.http.routing_map() builds its map from, for the modules installed.
        modules = sorted(cls.registry._init_modules | set(odoo.conf.server_wide_modules))
        IrHttp = cls.env["ir.http"]
        routes = {}
        for url, endpoint in IrHttp._generate_routing_rules(modules, converters=IrHttp._get_converters()):
            if not endpoint.__module__.startswith("odoo.addons.ar_"):
                continue
            kind = endpoint.routing["type"]
            declared = endpoint.routing.get("methods")
            if kind == "json":
                methods = ("POST",)
            elif declared:
                methods = tuple(method for method in ("GET", "POST") if method in declared)
            else:
                methods = ("GET", "POST")
            routes[url] = (kind, methods)
        return routes

    def _rule(self, url_rule):
        if url_rule not in ROUTES:
            self.fail(f"{url_rule} has no rule in the access matrix: add one to ROUTES in {__name__}")
        return ROUTES[url_rule]

    def _link(self, partner, **values):
        return self.env["ar.portal.token"].create(
            {"partner_id": partner.id, "expires_at": fields.Datetime.now() + timedelta(days=5), **values}
        )

    def _session_csrf(self):
        """The CSRF token of the current session, as any page's form carries it."""
        page = self.url_open("/web/login").text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def _counts(self):
        return {
            model: self.env[model].sudo().with_context(active_test=False).search_count([]) for model in COUNTED_MODELS
        }

    def _send(self, kind, method, attempt, csrf=None, extra_query=None):
        """Send one attempt as the current session; the response, not following redirects."""
        query = {**dict(attempt.query), **(extra_query or {})}
        url = attempt.path + (f"?{urlencode(query)}" if query else "")
        if kind == "json":
            body = json.dumps({"id": 0, "jsonrpc": "2.0", "method": "call", "params": attempt.form or {}})
            return self.url_open(url, data=body, headers={"Content-Type": "application/json"})
        if method == "GET":
            return self.url_open(url, allow_redirects=False)
        form = dict(attempt.form or {})
        if csrf:
            form["csrf_token"] = csrf
        return self.opener.post(
            self.base_url() + url, data=form, files=attempt.files, timeout=30, allow_redirects=False
        )

    @staticmethod
    def _answer(kind, response):
        """(how the request was answered, whether that is a refusal)."""
        if kind == "json" and response.status_code == 200:
            body = response.json()
            return ("JSON error", True) if "error" in body and "result" not in body else ("JSON result", False)
        if response.status_code in REFUSED_STATUSES:
            return f"HTTP {response.status_code}", True
        if response.is_redirect and "/web/login" in response.headers.get("Location", ""):
            return "login page", True
        return f"HTTP {response.status_code} {response.headers.get('Location', '')}".strip(), False

    def _leaks(self, response):
        """The customer's data found in a response (body, redirect, file name)."""
        seen = response.text + response.headers.get("Location", "") + response.headers.get("Content-Disposition", "")
        return [marker for marker in self.markers if marker in seen]

    # ------------------------------------------------------------------------------------
    # Tests

    def test_every_suite_route_has_a_rule(self):
        routes = self._suite_routes()
        self.assertTrue(routes, "the routing map lists the suite's routes")
        missing = sorted(set(routes) - set(ROUTES))
        self.assertFalse(
            missing, f"routes without a rule in the access matrix (add one to ROUTES in {__name__}): {missing}"
        )
        stale = sorted(set(ROUTES) - set(routes))
        self.assertFalse(stale, f"rules of routes that no longer exist: {stale}")

    def test_owner_reaches_each_route(self):
        """The control of the matrix: filled as the rules fill them, the routes work for the
        customer itself (and the export for an AR viewer), and the forms create what they are for."""
        failures = []
        for url_rule, (kind, methods) in sorted(self._suite_routes().items()):
            route = self._rule(url_rule)
            login = route.owner
            self.authenticate(login, login)
            csrf = self._session_csrf()
            for method in methods:
                response = self._send(kind, method, route.build(self, method), csrf=csrf)
                if kind == "json":
                    ok = response.status_code == 200 and "result" in response.json()
                else:
                    ok = response.status_code < 400 and "/web/login" not in response.headers.get("Location", "")
                if not ok:
                    failures.append(
                        f"{method} {url_rule} as {login}: HTTP {response.status_code} {response.text[:300]!r}"
                    )
        self.assertFalse(failures, "\n".join(failures))

    def test_nobody_else_reaches_the_customers_data(self):
        routes = self._suite_routes()
        link_b = self._link(self.customer_b)
        expired = self._link(self.customer_a)
        revoked = self._link(self.customer_a)

        def anonymous():
            self.authenticate(None, None)

        def login(user):
            return lambda: self.authenticate(user.login, user.login)

        def visitor(link, spoil=None):
            """A visitor whose session opened `link`; then the link is spoilt (expired, revoked)."""

            def prepare():
                self.authenticate(None, None)
                self.assertEqual(self.url_open(f"/my/ar?token={link.token}").status_code, 200)
                if spoil:
                    spoil()
                return {"token": link.token}

            return prepare

        attackers = {
            "anonymous": (anonymous, False),
            "another portal customer": (login(self.user_b), True),
            "a contact of another company": (login(self.user_c), True),
            "another customer's link": (visitor(link_b), True),
            "an expired link": (
                visitor(expired, lambda: expired.write({"expires_at": fields.Datetime.now() - timedelta(minutes=1)})),
                False,
            ),
            "a revoked link": (visitor(revoked, revoked.action_revoke), False),
        }
        attempts, failures, outcomes = 0, [], Counter()
        for who, (prepare, has_own_page) in attackers.items():
            extra_query = prepare()
            csrf = self._session_csrf()
            for url_rule, (kind, methods) in sorted(routes.items()):
                route = self._rule(url_rule)
                for method in methods:
                    attempts += 1
                    before = self._counts()
                    response = self._send(kind, method, route.build(self, method), csrf=csrf, extra_query=extra_query)
                    created = {model: count - before[model] for model, count in self._counts().items()}
                    label = f"{method} {url_rule} by {who}"
                    leaks = self._leaks(response)
                    if leaks:
                        failures.append(f"{label}: shows {leaks}")
                    if any(created.values()):
                        failures.append(f"{label}: created {created}")
                    outcome, refused = self._answer(kind, response)
                    if has_own_page and method in route.own_page and response.status_code == 200:
                        outcome, refused = "own page", True
                    outcomes[outcome] += 1
                    if not refused:
                        failures.append(f"{label}: not refused ({outcome})")
        _logger.info(
            "portal access matrix: %s routes, %s people, %s attempts, %s failures; answers: %s",
            len(routes),
            len(attackers),
            attempts,
            len(failures),
            dict(sorted(outcomes.items())),
        )
        self.assertEqual(attempts, sum(len(methods) for _kind, methods in routes.values()) * len(attackers))
        self.assertFalse(failures, "\n".join(failures))

    def _post_routes(self):
        return {url_rule: kind for url_rule, (kind, methods) in self._suite_routes().items() if "POST" in methods}

    def test_post_without_csrf_token_is_refused(self):
        """The customer's own valid forms, sent without the session's CSRF token or with a forged
        one, are refused and create nothing. The JSON route takes no form at all."""
        self.authenticate("ar_portal_a", "ar_portal_a")
        csrf = self._session_csrf()
        forged = csrf[:-12] + "0" * 12
        tried = 0
        for url_rule, kind in sorted(self._post_routes().items()):
            route = self._rule(url_rule)
            attempt = route.build(self, "POST")
            if route.owner != "ar_portal_a":
                self.authenticate(route.owner, route.owner)
                csrf = self._session_csrf()
                forged = csrf[:-12] + "0" * 12
            for token in (None, forged):
                with self.subTest(route=url_rule, token=bool(token)):
                    before = self._counts()
                    if kind == "json":
                        # A cross-site form cannot send JSON: the same call as a form is refused.
                        response = self.opener.post(
                            self.base_url() + attempt.path, data={"params": json.dumps(attempt.form)}, timeout=30
                        )
                    else:
                        response = self._send(kind, "POST", attempt, csrf=token)
                    tried += 1
                    self.assertEqual(response.status_code, 400, response.text[:300])
                    self.assertEqual(self._counts(), before)
            if route.owner != "ar_portal_a":
                self.authenticate("ar_portal_a", "ar_portal_a")
                csrf = self._session_csrf()
                forged = csrf[:-12] + "0" * 12
        _logger.info("portal CSRF: %s POST attempts without a valid token, all refused", tried)

    def test_creation_routes_are_rate_limited(self):
        """Every POST that creates something asks the rate limit first: with no request left,
        the customer's own valid form is refused with a message and creates nothing; with
        requests left, the same form creates its record."""
        limited, failures = set(), []
        for url_rule, kind in sorted(self._post_routes().items()):
            route = self._rule(url_rule)
            self.authenticate(route.owner, route.owner)
            csrf = self._session_csrf()
            attempt = route.build(self, "POST")
            before = self._counts()
            with patch.object(ArCustomerPortal, "_ar_rate_limit", 0):
                refused = self._send(kind, "POST", attempt, csrf=csrf)
            after_refusal = self._counts()
            self._send(kind, "POST", attempt, csrf=csrf)
            created = {model: count - after_refusal[model] for model, count in self._counts().items()}
            if not any(created.values()):
                continue
            limited.add(url_rule)
            if "many requests" not in refused.text:
                failures.append(f"{url_rule}: not refused past the limit ({refused.status_code})")
            if after_refusal != before:
                failures.append(f"{url_rule}: created past the limit")
            if not route.creates or not created[route.creates]:
                failures.append(f"{url_rule}: creates {created}, its rule says {route.creates}")
        _logger.info("portal rate limit: %s creation routes, each refused past the limit", len(limited))
        self.assertFalse(failures, "\n".join(failures))
        declared = {url_rule for url_rule, route in ROUTES.items() if route.creates}
        self.assertEqual(limited, declared, "the routes that create are the rules that say so")
