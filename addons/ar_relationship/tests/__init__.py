from . import test_behaviour, test_book_generator, test_demo_book
