from . import (
    ar_followup_step,
    ar_payment_plan,
    ar_portal_token,
    ar_promise,
    res_company,
    res_config_settings,
    res_partner,
)
