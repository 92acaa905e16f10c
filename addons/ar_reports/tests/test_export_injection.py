import csv
import io
import json

from openpyxl import load_workbook

from odoo import Command, http
from odoo.addons.ar_relationship.tests.test_access_matrix import SUITE, suite_book
from odoo.tests import HttpCase, new_test_user, tagged

# What a spreadsheet takes for a formula when a cell starts with it (OWASP's list), each typed
# by a customer or a colleague into a text the suite stores.
NAME = "=cmd|' /C calc'!A0"
PAYLOADS = {
    "text": '=HYPERLINK("http://evil.example","Click")',
    "touchpoint": "+1+cmd|' /C calc'!A0",
    "promise": "-1+cmd|' /C calc'!A0",
    "dispute": "@SUM(1+1)*cmd|' /C calc'!A0",
    "step": "\t=1+1",
    "level": "\r=1+1",
}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXPORTED_TYPES = {"char", "text", "html", "selection", "many2one", "integer", "float", "monetary", "date", "datetime"}
SCRIPT = '<script>alert("pwned")</script>Two boxes <b>crushed</b>'


@tagged("post_install", "-at_install")
class TestExportInjection(HttpCase):
    """Every spreadsheet the suite hands out, its own workbook and Odoo's list export of each of
    its models, opened back: a text that looks like a formula stays text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {"name": "AR export company", "currency_id": cls.env.ref("base.USD").id}
        )
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company, install_demo=False)
        common = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.manager = new_test_user(
            cls.env,
            login="ar_export_manager",
            groups="base.group_user,base.group_allow_export,account.group_account_invoice,ar_relationship.group_ar_manager",
            **common,
        )
        cls.book = suite_book(cls.env, cls.company, NAME, cls.manager, text=PAYLOADS["text"])
        cls.book["touchpoint"].summary = PAYLOADS["touchpoint"]
        cls.book["promise"].note = PAYLOADS["promise"]
        cls.book["dispute"].description = PAYLOADS["dispute"]
        cls.book["step"].reason = PAYLOADS["step"]
        cls.book["levels"][:1].name = PAYLOADS["level"]

    def _models(self):
        data = self.env["ir.model.data"].search([("model", "=", "ir.model"), ("module", "in", SUITE)])
        names = self.env["ir.model"].browse(data.mapped("res_id")).mapped("model")
        return sorted(
            {
                name
                for name in names
                if name in self.env
                and self.env[name]._original_module in SUITE
                and not self.env[name]._abstract
                and not self.env[name]._transient
            }
        )

    def _export(self, fmt, model):
        Model = self.env[model].with_user(self.manager)
        fields = [
            {"name": name, "label": field.string, "type": field.type}
            for name, field in Model._fields.items()
            if field.type in EXPORTED_TYPES and not field.groups and name not in ("id", "__last_update")
        ]
        # This company's records: a reason shared by every company may name another company's team.
        domain = [("company_id", "=", self.company.id)] if "company_id" in Model._fields else []
        params = {
            "model": model,
            "fields": fields,
            "ids": False,
            "domain": domain,
            "groupby": [],
            "import_compat": False,
        }
        response = self.url_open(
            f"/web/export/{fmt}", data={"data": json.dumps(params), "csrf_token": http.Request.csrf_token(self)}
        )
        self.assertEqual(response.status_code, 200, f"{fmt} export of {model}: {response.text[:2000]}")
        return response.content

    @staticmethod
    def _cells(workbook):
        return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]

    def test_native_exports_of_every_model_write_formulas_as_text(self):
        self.authenticate(self.manager.login, self.manager.login)
        texts_xlsx, texts_csv, formulas, unquoted = set(), set(), [], []
        models = self._models()
        for model in models:
            for cell in self._cells(load_workbook(io.BytesIO(self._export("xlsx", model)))):
                if cell.data_type == "f":
                    formulas.append(f"{model} {cell.coordinate}: {cell.value}")
                elif isinstance(cell.value, str):
                    texts_xlsx.add(cell.value)
            rows = list(csv.reader(io.StringIO(self._export("csv", model).decode())))
            for row in rows[1:]:
                for value in row:
                    if value.startswith(TRIGGERS) and not self._is_number(value):
                        unquoted.append(f"{model}: {value!r}")
                    texts_csv.add(value)
        self.assertFalse(formulas, "Formulas in the XLSX export:\n" + "\n".join(formulas))
        self.assertFalse(unquoted, "Formula triggers left in the CSV export:\n" + "\n".join(unquoted))
        # Not vacuous: every payload went through both exports, kept as typed (Odoo's XLSX export
        # turns a carriage return into a space, the CSV export quotes the value).
        for payload in (NAME, *PAYLOADS.values()):
            self.assertTrue(any(payload.replace("\r", " ") in text for text in texts_xlsx), payload)
            self.assertTrue(any(("'" + payload) in text for text in texts_csv), payload)
        self.assertGreaterEqual(len(models), 15)

    @staticmethod
    def _is_number(value):
        try:
            float(value)
        except ValueError:
            return False
        return True

    def test_workbook_has_no_formula_and_keeps_the_texts(self):
        content = self.env["ar.xlsx.pack"].with_user(self.manager).render("2020-01-01", "2099-12-31")
        cells = self._cells(load_workbook(io.BytesIO(content)))
        self.assertFalse([cell.coordinate for cell in cells if cell.data_type == "f"])
        texts = {cell.value for cell in cells if cell.data_type == "s"}
        self.assertIn(NAME, texts)  # the customer, in the aging, top delinquent and disputes sheets
        self.assertIn(f"{PAYLOADS['text']} (price)", texts)  # the dispute's reason

    def test_dispute_texts_from_the_portal_are_stored_inert(self):
        """What a customer types is kept as plain text (a Text field, escaped wherever it is
        shown) and reaches the chatter escaped: no script tag is ever stored as HTML."""
        book = self.book
        portal = new_test_user(
            self.env,
            login="ar_export_portal",
            groups="base.group_portal",
            partner_id=book["customer"].ar_billing_contact_id.id,
            company_id=self.company.id,
        )
        Dispute = self.env["ar.dispute"].with_user(portal).with_company(self.company)
        dispute = Dispute._open_from_portal(book["planned"], book["reason_dispute"], 50, SCRIPT)
        self.assertEqual(dispute.description, SCRIPT)
        bodies = dispute.message_ids.mapped("body") + dispute.invoice_id.message_ids.mapped("body")
        self.assertTrue(bodies)
        self.assertFalse([body for body in bodies if "<script" in body])
        self.assertTrue(any("&lt;script&gt;" in body for body in bodies))
        timeline = self.env["ar.touchpoint"].search([("res_model", "=", "ar.dispute"), ("res_id", "=", dispute.id)])
        self.assertEqual(timeline.body, SCRIPT)
        self.assertFalse(self.env["ar.touchpoint"]._fields["body"].type == "html")
        # A colleague's rejection message, typed in an HTML field, is sanitized when stored.
        wizard = (
            self.env["ar.dispute.resolve"]
            .with_user(self.manager)
            .create({"dispute_id": dispute.id, "resolution": "rejected", "message": SCRIPT})
        )
        self.assertNotIn("<script", wizard.message)
        wizard.action_confirm()
        self.assertFalse([body for body in dispute.invoice_id.message_ids.mapped("body") if "<script" in body])

    def test_remittance_advice_from_the_portal_is_stored_inert(self):
        if "_ar_remittance_from_portal" not in dir(self.env["ar.touchpoint"]):
            self.skipTest("ar_portal is not installed")
        book = self.book
        invoice = book["planned"]
        Touchpoint = self.env["ar.touchpoint"].with_company(self.company)
        touchpoint = Touchpoint._ar_remittance_from_portal(
            book["customer"], {invoice: 100.0}, SCRIPT, invoice.invoice_date, contact=book["customer"].child_ids[:1]
        )
        self.assertIn(SCRIPT, touchpoint.summary)
        notes = invoice.message_ids.filtered(lambda message: "Remittance advice" in message.body).mapped("body")
        self.assertEqual(len(notes), 1)
        self.assertNotIn("<script", notes[0])
        self.assertIn("&lt;script&gt;", notes[0])
