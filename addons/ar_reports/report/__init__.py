from . import ar_aging_report, ar_dispute_report, ar_late_payment_report, ar_reason_report
