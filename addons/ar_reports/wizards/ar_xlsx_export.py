from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ArXlsxExport(models.TransientModel):
    _name = "ar.xlsx.export"
    _description = "Download the AR workbook"

    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self) - relativedelta(months=12, days=-1)
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for export in self:
            if export.date_from > export.date_to:
                raise ValidationError(self.env._("The period must start before it ends."))

    def action_download(self):
        self.ensure_one()
        companies = ",".join(str(cid) for cid in self.env.companies.ids)
        return {
            "type": "ir.actions.act_url",
            "url": f"/ar_reports/xlsx?date_from={self.date_from}&date_to={self.date_to}&company_ids={companies}",
            "target": "download",
        }
