from . import (
    account_payment_register,
    ar_dispute_resolve,
    ar_followup_preview,
    ar_payment_plan_propose,
    ar_payment_plan_propose_line,
    ar_promise_record,
    ar_statement_print,
    ar_touchpoint_log,
    ar_worklist_reassign,
    ar_worklist_snooze,
)
