from . import test_portal_account, test_portal_token, test_portal_tours
