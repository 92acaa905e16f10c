from odoo import api, fields, models

TONES = [("friendly", "Friendly"), ("neutral", "Neutral"), ("firm", "Firm"), ("final", "Final")]


class ArFollowupLevel(models.Model):
    """One step of the follow-up ladder: when (days from the due date), what (email, letter,
    task for the collector), in which tone, and whether it goes out on its own."""

    _name = "ar.followup.level"
    _description = "Follow-up level"
    _order = "company_id, delay, sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    delay = fields.Integer(
        string="Days after due date",
        required=True,
        help="When an invoice reaches this level, in days from its due date. Negative: a courtesy "
        "reminder before the invoice falls due.",
    )
    tone = fields.Selection(TONES, required=True, default="neutral")
    send_email = fields.Boolean(string="Email", default=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain=[("model", "=", "ar.followup.step")],
        help="Rendered in the customer's language for its billing contact.",
    )
    print_letter = fields.Boolean(string="Letter", help="Prepare a printed letter, listed under Letters to print.")
    create_activity = fields.Boolean(string="Task for the collector", help="For instance a call.")
    activity_type_id = fields.Many2one("mail.activity.type", string="Task type")
    activity_summary = fields.Char(string="Task summary", translate=True)
    attach_invoices = fields.Boolean(help="Attach the PDF of the invoices the message lists.")
    attach_statement = fields.Boolean(help="Attach the customer's statement (PDF).")
    approval = fields.Selection(
        [
            ("auto", "Sent automatically"),
            ("collector", "Approved by a collector"),
            ("manager", "Approved by an AR manager"),
        ],
        required=True,
        default="auto",
        help="Steps that need approval wait in the follow-up preview until someone approves or skips them.",
    )
    min_amount = fields.Monetary(
        string="Minimum overdue amount",
        currency_field="currency_id",
        help="The step is taken only when the invoices due for it add up to at least this amount.",
    )

    _sql_constraints = [
        ("delay_unique", "unique(company_id, delay)", "Two follow-up levels of a company cannot have the same days."),
    ]

    @api.depends("name", "delay")
    def _compute_display_name(self):
        for level in self:
            level.display_name = self.env._("%(name)s (%(days)+d days)", name=level.name, days=level.delay)
