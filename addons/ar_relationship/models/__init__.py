from . import (
    account_move,
    account_move_line,
    account_partial_reconcile,
    ar_book_generator,
    ar_reason_code,
    ar_touchpoint,
    res_partner,
)
