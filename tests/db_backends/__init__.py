"""The test suite's database backends: Django's own, whose flush (the emptying of the database after
each transactional test) runs inside `inventory.append_only.maintenance`, so that the append-only
triggers let it delete (SQLite) or truncate (PostgreSQL) the ledger and the posted documents.

`config.settings.test` selects them; production settings never do, so in production the triggers
refuse the same statements.
"""

from inventory.append_only import maintenance


class FlushStandsTriggersAside:
    """A DatabaseOperations mix-in: `flush` is maintenance (the test suite's, and only there)."""

    def execute_sql_flush(self, sql_list):
        with maintenance(self.connection, reason="test suite flush"):
            super().execute_sql_flush(sql_list)
