import { Component, onWillStart, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { deserializeDate, formatDate, serializeDate, today } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const PERIODS = {
    this_month: () => [today().startOf("month"), today()],
    last_3_months: () => [today().minus({ months: 3 }).plus({ days: 1 }), today()],
    last_12_months: () => [today().minus({ months: 12 }).plus({ days: 1 }), today()],
};

/**
 * The AR dashboard: every figure comes from `ar.kpi.dashboard_data` and every click asks
 * `ar.kpi.action_open_kpi` for the records behind it, so the server decides both.
 */
export class ArDashboard extends Component {
    static template = "ar_reports.ArDashboard";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.companyService = useService("company");
        this.companies = Object.values(this.companyService.allowedCompanies).sort((a, b) =>
            a.name.localeCompare(b.name)
        );
        this.periods = [
            ["this_month", _t("This month")],
            ["last_3_months", _t("Last 3 months")],
            ["last_12_months", _t("Last 12 months")],
            ["custom", _t("Custom")],
        ];
        this.agingBuckets = [
            ["current", _t("Not yet due")],
            ["d1_30", _t("1-30 days")],
            ["d31_60", _t("31-60 days")],
            ["d61_90", _t("61-90 days")],
            ["over_90", _t("Over 90 days")],
        ];
        // Back from the records opened by a click, the dashboard shows the same period.
        const saved = this.props.state || {};
        const [start, end] = PERIODS.last_3_months();
        this.state = useState({
            period: saved.period || "last_3_months",
            dateFrom: saved.dateFrom || serializeDate(start),
            dateTo: saved.dateTo || serializeDate(end),
            companyIds: saved.companyIds || this.companyService.activeCompanyIds,
            data: null,
        });
        useSetupAction({
            getLocalState: () => ({
                period: this.state.period,
                dateFrom: this.state.dateFrom,
                dateTo: this.state.dateTo,
                companyIds: this.state.companyIds,
            }),
        });
        this.lateChart = useRef("lateChart");
        this.deductionChart = useRef("deductionChart");
        this.charts = [];
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load();
        });
        useEffect(
            () => {
                this.renderCharts();
                return () => this.destroyCharts();
            },
            () => [this.state.data]
        );
        onWillUnmount(() => this.destroyCharts());
    }

    async load() {
        this.state.data = await this.orm.call("ar.kpi", "dashboard_data", [
            this.state.dateFrom,
            this.state.dateTo,
            this.state.companyIds,
        ]);
    }

    async onPeriodChange(ev) {
        this.state.period = ev.target.value;
        if (this.state.period in PERIODS) {
            const [start, end] = PERIODS[this.state.period]();
            this.state.dateFrom = serializeDate(start);
            this.state.dateTo = serializeDate(end);
            await this.load();
        }
    }

    async onDateChange(field, ev) {
        this.state[field] = ev.target.value;
        if (this.state.dateFrom && this.state.dateTo && this.state.dateFrom <= this.state.dateTo) {
            await this.load();
        }
    }

    async onCompanyToggle(companyId, ev) {
        const ids = new Set(this.state.companyIds);
        if (ev.target.checked) {
            ids.add(companyId);
        } else if (ids.size > 1) {
            ids.delete(companyId);
        } else {
            // One company at least: the figures are in its currency.
            ev.target.checked = true;
            return;
        }
        this.state.companyIds = [...ids];
        await this.load();
    }

    async open(key, value = null) {
        const action = await this.orm.call("ar.kpi", "action_open_kpi", [
            key,
            this.state.dateFrom,
            this.state.dateTo,
            this.state.companyIds,
            value,
        ]);
        await this.action.doAction(action);
    }

    downloadXlsx() {
        const params = new URLSearchParams({
            date_from: this.state.dateFrom,
            date_to: this.state.dateTo,
            company_ids: this.state.companyIds.join(","),
        });
        return this.action.doAction({
            type: "ir.actions.act_url",
            url: `/ar_reports/xlsx?${params}`,
            target: "download",
        });
    }

    // ---- Formatting ------------------------------------------------------------------

    formatTile(tile, value) {
        if (value === null || value === undefined) {
            return "-";
        }
        return tile.unit === "%"
            ? `${formatFloat(value, { digits: [false, 1] })} %`
            : _t("%s days", formatFloat(value, { digits: [false, 1] }));
    }

    formatChange(tile) {
        if (tile.change === null) {
            return _t("no comparison");
        }
        const sign = tile.change > 0 ? "+" : "";
        const unit = tile.unit === "%" ? _t(" pts") : _t(" days");
        return `${sign}${formatFloat(tile.change, { digits: [false, 1] })}${unit}`;
    }

    changeClass(tile) {
        if (!tile.change) {
            return "text-muted";
        }
        return tile.change > 0 === tile.higher_is_better ? "text-success" : "text-danger";
    }

    changeIcon(tile) {
        if (!tile.change) {
            return "fa-minus";
        }
        return tile.change > 0 ? "fa-arrow-up" : "fa-arrow-down";
    }

    formatDay(day) {
        return formatDate(deserializeDate(day));
    }

    formatAmount(amount) {
        return formatMonetary(amount, { currencyId: this.state.data.currency_id });
    }

    // ---- Charts ----------------------------------------------------------------------

    renderCharts() {
        const data = this.state.data;
        this.charts = [
            this.renderChart(this.lateChart.el, data.late_payments_by_month, "late_payment_month", {
                type: "line",
                label: _t("Paid late"),
                color: "#d9534f",
            }),
            this.renderChart(this.deductionChart.el, data.deductions_by_month, "deduction_month", {
                type: "bar",
                label: _t("Deductions"),
                color: "#f0ad4e",
            }),
        ];
    }

    renderChart(canvas, rows, key, { type, label, color }) {
        return new Chart(canvas, {
            type,
            data: {
                labels: rows.map((row) => row.label),
                datasets: [
                    {
                        label,
                        data: rows.map((row) => row.amount),
                        backgroundColor: color,
                        borderColor: color,
                    },
                ],
            },
            options: {
                maintainAspectRatio: false,
                plugins: {
                    legend: { display: false },
                    tooltip: {
                        callbacks: {
                            label: (item) =>
                                _t("%(amount)s (%(count)s)", {
                                    amount: this.formatAmount(item.raw),
                                    count: rows[item.dataIndex].count,
                                }),
                        },
                    },
                },
                scales: { y: { beginAtZero: true } },
                onClick: (event, elements) => {
                    if (elements.length) {
                        this.open(key, rows[elements[0].index].month);
                    }
                },
            },
        });
    }

    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }
}

registry.category("actions").add("ar_reports.dashboard", ArDashboard);
