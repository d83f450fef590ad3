"""Django's SQLite backend, with the flush of `tests.db_backends`."""

from django.db.backends.sqlite3 import base

from tests.db_backends import FlushStandsTriggersAside


class DatabaseOperations(FlushStandsTriggersAside, base.DatabaseOperations):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
