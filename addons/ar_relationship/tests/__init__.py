from . import test_book_generator, test_demo_book
