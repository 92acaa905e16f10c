"""What the benchmark adds to a generated book, once, when the book is built (kept with it):

- the follow-up ladder both engines run: +3 days email, +15 days email, +30 days a call. Ours
  is the default ladder without its courtesy note (before the due date) and its final notice
  (waits for a manager's approval, so a run never sends it); OCA's `account_credit_control`
  gets the same three levels as a policy when it is installed;
- a customer with 1,000 open invoices (the size's portal_invoices) and a portal user, for the portal cases (kept
  out of follow-up on both sides, so that the follow-up cases run on the generated book);
- portal users on the LOAD_CUSTOMERS customers with the most open invoices, for the load case.
"""

from datetime import timedelta

from odoo import Command, fields

# Bump when what prepare() builds changes: the launcher then rebuilds the book.
VERSION = 2
PARAM = "ar_bench.book"
PORTAL_LOGIN = "ar-bench-portal"
LOAD_LOGIN = "ar-bench-load-%d"
LOAD_CUSTOMERS = 10
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"
OCA_POLICY = "AR bench: +3 email, +15 email, +30 phone"
# OCA's first level counts from the due date, the next ones from the previous reminder (its
# "previous_date" mode): so a second run on the same day has nothing to do, as ours.
OCA_LEVELS = [
    (1, "First reminder", "net_days", 3, "email"),
    (2, "Second reminder", "previous_date", 12, "email"),
    (3, "Call the customer", "previous_date", 15, "phone"),
]


def prepared(env):
    return env["ir.config_parameter"].sudo().get_param(PARAM) == str(VERSION)


def prepare(env, portal_invoices):
    """Add the bench's records to the book (the caller commits)."""
    if prepared(env):
        return False
    env.ref("base.user_admin").password = ADMIN_PASSWORD
    _our_ladder(env)
    _portal_customer(env, portal_invoices)
    _load_users(env)
    env["ir.config_parameter"].sudo().set_param(PARAM, str(VERSION))
    return True


def _our_ladder(env):
    for xmlid in ("ar_relationship.ar_followup_level_courtesy", "ar_relationship.ar_followup_level_final"):
        level = env.ref(xmlid, raise_if_not_found=False)
        if level:
            level.active = False


def oca_policy(env):
    """OCA's policy with our three levels, set on the company (created on first use, in the
    benchmark database only); None when account_credit_control is not installed."""
    if "credit.control.policy" not in env:
        return None
    Policy = env["credit.control.policy"]
    policy = Policy.search([("name", "=", OCA_POLICY)], limit=1)
    if policy:
        return policy
    template = env.ref("account_credit_control.email_template_credit_control_base")
    # OCA's template attaches a PDF summary to every email; our reminders at these levels carry
    # none, so the bench compares emails without attachment on both sides.
    template.report_template_ids = [Command.clear()]
    company = env.company
    policy = Policy.create(
        {
            "name": OCA_POLICY,
            "company_id": company.id,
            "account_ids": [
                Command.set(
                    env["account.account"]
                    .search([("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)])
                    .ids
                )
            ],
            "level_ids": [
                Command.create(
                    {
                        "level": level,
                        "name": name,
                        "computation_mode": mode,
                        "delay_days": days,
                        "channel": channel,
                        "email_template_id": template.id,
                        "custom_text": name,
                        "custom_mail_text": f"<p>{name}</p>",
                        "mail_show_invoice_detail": True,
                    }
                )
                for level, name, mode, days, channel in OCA_LEVELS
            ],
        }
    )
    company.credit_policy_id = policy
    portal_customer(env).credit_policy_id = env.ref("account_credit_control.credit_control_no_follow")
    return policy


def portal_customer(env):
    return env["res.users"].search([("login", "=", PORTAL_LOGIN)]).partner_id.commercial_partner_id


def _portal_user(env, partner, login):
    contact = env["res.partner"].create(
        {
            "name": f"{partner.name} (portal)",
            "parent_id": partner.id,
            "type": "contact",
            "email": f"{login}@bench.example.com",
        }
    )
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "login": login,
                "password": login,
                "partner_id": contact.id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
    )


def _portal_customer(env, count):
    """A customer with `count` invoices, all open, one every few days over the last
    year on 30-day terms (most of them overdue), created with Odoo's own invoice create and post."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
    company = env.company
    partner = env["res.partner"].create(
        {
            "name": "Bench Portal Customer Ltd",
            "is_company": True,
            "email": "accounts@bench-portal.example.com",
            "property_payment_term_id": env.ref("account.account_payment_term_30days").id,
        }
    )
    _portal_user(env, partner, PORTAL_LOGIN)
    # Kept out of follow-up on both sides (OCA: its "No follow" policy, see oca_policy): the
    # follow-up cases run on the generated book.
    partner.ar_automation = "paused"
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    today = fields.Date.context_today(env.user)
    tax = company.account_sale_tax_id
    for start in range(0, count, 250):
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today - timedelta(days=365 * index // count),
                    "journal_id": journal.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Bench services",
                                "quantity": 1 + index % 5,
                                "price_unit": 100.0 + index % 97 * 10,
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                    ],
                }
                for index in range(start, min(start + 250, count))
            ]
        )
        moves.action_post()
        env.flush_all()
        env.invalidate_all()
    return partner


def _load_users(env):
    """Portal users on the customers with the most open invoices, the big one aside."""
    groups = env["account.move"]._read_group(
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("commercial_partner_id.name", "!=", "Bench Portal Customer Ltd"),
        ],
        ["commercial_partner_id"],
        ["__count"],
        order="__count desc, commercial_partner_id",
        limit=LOAD_CUSTOMERS,
    )
    for index, (partner, _count) in enumerate(groups, start=1):
        _portal_user(env, partner, LOAD_LOGIN % index)


def load_logins(env):
    return env["res.users"].search([("login", "=like", "ar-bench-load-%")], order="id").mapped("login")
