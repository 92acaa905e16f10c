from odoo import models

STATEMENT_REPORT = "ar_relationship.report_ar_statement"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        # Customer statements are rendered one customer at a time and merged: the wkhtmltopdf
        # that Debian ships (built against an unpatched Qt) renders a single document per run,
        # so Odoo's one-run batch fails with it; and each customer's pages stay a PDF of their
        # own. The print wizard sends the customers in `data`, without record ids.
        if self._get_report(report_ref).report_name != STATEMENT_REPORT:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        partner_ids = res_ids or (data or {}).get("partner_ids") or []
        partners = self.env["res.partner"].browse(partner_ids).commercial_partner_id
        if len(partners) <= 1:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=partners.ids or res_ids)
        streams = {}
        for partner in partners:
            streams.update(super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=partner.ids))
        return streams
