from . import ar_book_generator
