from . import (
    ar_followup_step,
    ar_payment_plan,
    ar_portal_token,
    ar_promise,
    ar_touchpoint,
    res_company,
    res_config_settings,
    res_partner,
)
