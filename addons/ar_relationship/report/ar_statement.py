from odoo import api, models


class ReportArStatement(models.AbstractModel):
    """The customer statement: one page per customer (the commercial entity of each record
    printed), figures from res.partner._ar_statement_data. The dates come in `data` as
    date_from / date_to, or default to the last three months. With `data`, the web client
    sends no record ids: the wizard passes the customers in `data` as partner_ids."""

    _name = "report.ar_relationship.report_ar_statement"
    _description = "Customer statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids or data.get("partner_ids") or []).commercial_partner_id
        date_from, date_to = partners._ar_statement_period(data.get("date_from"), data.get("date_to"))
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": self.env.company,
            "currency": self.env.company.currency_id,
            "date_from": date_from,
            "date_to": date_to,
            "statements": partners._ar_statement_data(date_from, date_to),
            "contacts": {partner.id: partner._ar_statement_contact() for partner in partners},
        }
