import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_reports_dashboard", {
    steps: () => [
        {
            content: "The dashboard shows its tiles",
            trigger: ".o_ar_dashboard .o_ar_tile[data-key='promise_kept_rate']",
        },
        {
            content: "and the receivable by days past due",
            trigger: ".o_ar_dashboard .o_ar_bucket[data-key='d1_30']",
        },
        {
            content: "Open the receivable behind the DSO",
            trigger: ".o_ar_dashboard .o_ar_tile[data-key='dso']",
            run: "click",
        },
        {
            content: "The journal items open at the end of the period",
            trigger: ".o_breadcrumb:contains('Receivable open on')",
        },
        {
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item:contains('AR Dashboard')",
            run: "click",
        },
        {
            content: "Open the most delinquent customer",
            trigger: ".o_ar_top_delinquent tbody tr:first-child:contains('Tour Customer')",
            run: "click",
        },
        {
            content: "Its open invoices are listed, under the dashboard in the breadcrumb",
            trigger: ".o_breadcrumb:contains('AR Dashboard'):contains('Open invoices of Tour Customer')",
        },
        {
            content: "The list has the customer's invoice",
            trigger: ".o_list_view .o_data_row:contains('10,000,000.00')",
        },
    ],
});
