import { registry } from "@web/core/registry";

// Pay with the demo provider on the payment page; it lands back on the account page.
const payWithDemo = [
    {
        content: "Choose the demo provider",
        trigger: "input[name='o_payment_radio'][data-provider-code='demo']",
        run: "click",
    },
    {
        content: "Enter test card details",
        trigger: "#customer_input",
        run: "edit 4242424242424242",
    },
    {
        content: "Pay",
        trigger: "button[name='o_payment_submit_button']:enabled",
        run: "click",
    },
    {
        content: "Back on the account page, the payment is thanked for",
        trigger: "#ar_portal_message",
    },
];

registry.category("web_tour.tours").add("ar_portal_pay", {
    url: "/my/ar",
    steps: () => [
        { trigger: "#ar_invoices tbody tr:nth-child(1) input[name='invoice_ids']", run: "click" },
        { trigger: "#ar_invoices tbody tr:nth-child(2) input[name='invoice_ids']", run: "click" },
        { trigger: "#ar_pay_selected", run: "click" },
        { content: "Both invoices are paid in one go", trigger: "#ar_pay_invoices li:nth-child(2)" },
        ...payWithDemo,
    ],
});

registry.category("web_tour.tours").add("ar_portal_pay_partial", {
    url: "/my/ar",
    steps: () => [
        { trigger: "#ar_invoices tbody tr:nth-child(2) input[name='invoice_ids']", run: "click" },
        { trigger: "#ar_pay_amount", run: "edit 40" },
        { trigger: "#ar_pay_selected", run: "click" },
        { trigger: "h3:contains('40.00')" },
        ...payWithDemo,
    ],
});

registry.category("web_tour.tours").add("ar_portal_dispute", {
    url: "/my/ar",
    steps: () => [
        { trigger: "#ar_invoices tbody tr:nth-child(1) .ar_dispute_link", run: "click" },
        { trigger: "#ar_dispute_reason", run: "selectByIndex 1" },
        { trigger: "#ar_dispute_amount", run: "edit 30" },
        { trigger: "#ar_dispute_message", run: "edit The pallet arrived damaged." },
        {
            content: "Attach a photo of the delivery note",
            trigger: "#ar_dispute_files",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"], "delivery-note.pdf", {
                        type: "application/pdf",
                    })
                );
                document.querySelector("#ar_dispute_files").files = transfer.files;
            },
        },
        { trigger: "#ar_dispute_submit", run: "click" },
        { content: "The dispute's own page", trigger: "#ar_dispute_messages:contains('delivery-note.pdf')" },
        { trigger: "#ar_dispute_state:contains('New')" },
    ],
});

registry.category("web_tour.tours").add("ar_portal_promise", {
    url: "/my/ar",
    steps: () => [
        { trigger: "a[href='/my/ar/promise']", run: "click" },
        { trigger: "#ar_promise_form input[name='invoice_ids']:first", run: "click" },
        { trigger: "#ar_promise_amount", run: "edit 100" },
        {
            trigger: "#ar_promise_date",
            run() {
                const day = new Date(Date.now() + 5 * 24 * 3600 * 1000);
                document.querySelector("#ar_promise_date").value = day.toISOString().slice(0, 10);
            },
        },
        { trigger: "#ar_promise_submit", run: "click" },
        { trigger: "#ar_portal_message" },
        { content: "The promise is listed", trigger: "#ar_promises li" },
    ],
});

registry.category("web_tour.tours").add("ar_portal_plan", {
    url: "/my/ar",
    steps: () => [
        { trigger: "a[href='/my/ar/plan']", run: "click" },
        { trigger: "#ar_plan_count", run: "edit 2" },
        { trigger: "#ar_plan_submit", run: "click" },
        { content: "The plan is active with its schedule", trigger: "#ar_plan:contains('active')" },
        { trigger: "#ar_pay_installment", run: "click" },
        ...payWithDemo,
    ],
});

registry.category("web_tour.tours").add("ar_portal_remittance", {
    url: "/my/ar",
    steps: () => [
        { trigger: "a[href='/my/ar/remittance']", run: "click" },
        { trigger: "#ar_remittance_form tbody tr:nth-child(1) input", run: "edit 100" },
        { trigger: "#ar_remittance_reference", run: "edit TRF-0042" },
        { trigger: "#ar_remittance_submit", run: "click" },
        { trigger: "#ar_portal_message" },
    ],
});
