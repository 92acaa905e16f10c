from . import (
    test_behaviour,
    test_book_generator,
    test_demo_book,
    test_followup,
    test_relationship_demo,
    test_statement,
    test_touchpoint,
)
