from odoo import fields, http
from odoo.http import content_disposition, request


class ArReportsController(http.Controller):
    @http.route("/ar_reports/xlsx", type="http", auth="user")
    def ar_xlsx_pack(self, date_from, date_to, company_ids=None, **kwargs):
        env = request.env
        if not env.user.has_group("ar_relationship.group_ar_viewer"):
            return request.not_found()
        try:
            start, end = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
            companies = [int(cid) for cid in company_ids.split(",")] if company_ids else None
        except ValueError:
            return request.make_response(env._("Dates must be written YYYY-MM-DD."), status=400)
        if not start or not end or start > end:
            return request.make_response(env._("The period must start before it ends."), status=400)
        # Only companies the user works in: record rules apply to every figure below.
        allowed = env.user.company_ids.ids
        if companies and not set(companies) <= set(allowed):
            return request.not_found()
        content = env["ar.xlsx.pack"].render(start, end, companies)
        filename = f"AR {start} {end}.xlsx"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
