from . import (
    test_behaviour,
    test_book_generator,
    test_collection_demo,
    test_demo_book,
    test_dispute,
    test_followup,
    test_payment_plan,
    test_promise,
    test_relationship_demo,
    test_statement,
    test_touchpoint,
    test_worklist,
)
