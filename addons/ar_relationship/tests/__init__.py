from . import test_behaviour, test_book_generator, test_demo_book, test_relationship_demo, test_touchpoint
from . import test_followup
