from . import ar_aging_report, ar_late_payment_report
