"""URL converters shared by every app's urls: an object id is a positive integer that fits a 64-bit
primary key. A longer number is a 404 at the URL, never a value the database cannot take (on SQLite a
foreign key filter with it was an OverflowError, HTTP 500)."""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("not an id")  # the URL does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
