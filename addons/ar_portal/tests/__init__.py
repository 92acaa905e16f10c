from . import (
    test_portal_access_matrix,
    test_portal_account,
    test_portal_bad_input,
    test_portal_token,
    test_portal_tours,
)
