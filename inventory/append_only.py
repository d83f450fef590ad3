"""Append-only in the database (R-INV-1, issue 11): triggers that refuse to change or remove posted rows.

The models and querysets already refuse it in Python (`AppendOnlyModel`, `AppendOnlyQuerySet`); these
triggers hold for every other writer too: raw SQL, a data fix in a shell, another program. Installed by
the migration operation `AppendOnly(model, allowed_update_columns=[...])`:

- UPDATE that changes any column other than the allowed ones is refused, naming table and column;
- DELETE is refused; on PostgreSQL so is TRUNCATE (a statement-level trigger);
- INSERT passes: corrections are new rows.

PostgreSQL: one plpgsql function, `append_only_guard()`, compares the old and the new row as JSON, so
every column but the allowed ones (the trigger's arguments) is covered, also one added later. SQLite:
one `BEFORE UPDATE OF <column>` trigger per posted column (SQLite names the columns it fires on, and
its RAISE takes a constant message), plus one `BEFORE DELETE`. Both judge values (`IS DISTINCT FROM`,
`IS NOT`), so writing a column's own value again is no change. A column added to a protected model
later must be covered by running `AppendOnly` again in that migration (on SQLite a table rebuilt by
AlterField also loses its triggers); `tests/inventory/test_append_only.py` compares the installed
triggers with the models and fails until it is.

The one way past them is `maintenance()`: while a row of `append_only_maintenance` is visible to the
current transaction the triggers stand aside. Only the test suite's database backends use it (to
flush the test database between transactional tests); application code never does (a test checks).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import NotSupportedError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation

MAINTENANCE_TABLE = "append_only_maintenance"
GUARD_FUNCTION = "append_only_guard"
TRIGGER_PREFIX = "append_only_"

# The triggers' messages; {table} and {column} are filled in by the database (PostgreSQL) or when the
# trigger is created (SQLite).
MSG_UPDATE_REFUSED = (
    "{table} is append-only: column {column} of a posted row cannot be changed (post a correction)."
)
MSG_DELETE_REFUSED = "{table} is append-only: a posted row cannot be deleted (post a correction)."
MSG_TRUNCATE_REFUSED = "{table} is append-only: it cannot be truncated."


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_PG_GUARD = f"""
CREATE OR REPLACE FUNCTION {GUARD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $guard$
DECLARE
    changed text;
BEGIN
    IF EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE}) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;  -- NULL for TRUNCATE, whose result is ignored
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT new_row.key INTO changed
          FROM jsonb_each(to_jsonb(NEW)) AS new_row
         WHERE new_row.key <> ALL (COALESCE(TG_ARGV, '{{}}'))
           AND new_row.value IS DISTINCT FROM (to_jsonb(OLD) -> new_row.key)
         ORDER BY new_row.key
         LIMIT 1;
        IF changed IS NULL THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = format(
            {_literal(MSG_UPDATE_REFUSED.format(table="%s", column="%s"))}, TG_TABLE_NAME, changed);
    ELSIF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = format(
            {_literal(MSG_DELETE_REFUSED.format(table="%s"))}, TG_TABLE_NAME);
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = format(
        {_literal(MSG_TRUNCATE_REFUSED.format(table="%s"))}, TG_TABLE_NAME);
END
$guard$
"""
_PG_TRIGGERS = {  # name: (event and level, whether it takes the allowed columns as arguments)
    "append_only_update": ("BEFORE UPDATE ON {table} FOR EACH ROW", True),
    "append_only_delete": ("BEFORE DELETE ON {table} FOR EACH ROW", False),
    "append_only_truncate": ("BEFORE TRUNCATE ON {table} FOR EACH STATEMENT", False),
}
_STAND_ASIDE = f"EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE})"


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise NotSupportedError(
            f"Append-only triggers exist for PostgreSQL and SQLite, not {connection.vendor}."
        )
    return connection.vendor


def sqlite_update_trigger(table: str, column: str) -> str:
    return f"{TRIGGER_PREFIX}{table}_update_{column}"


def sqlite_delete_trigger(table: str) -> str:
    return f"{TRIGGER_PREFIX}{table}_delete"


def install_sql(
    connection: BaseDatabaseWrapper, table: str, columns: list[str], allowed: list[str]
) -> list[str]:
    """The statements that protect `table` (whose columns are `columns`) leaving `allowed` updatable."""
    qn = connection.ops.quote_name
    if _vendor(connection) == "postgresql":
        arguments = ", ".join(_literal(column) for column in allowed)
        return [
            f"CREATE TRIGGER {name} {event.format(table=qn(table))} "
            f"EXECUTE FUNCTION {GUARD_FUNCTION}({arguments if with_arguments else ''})"
            for name, (event, with_arguments) in _PG_TRIGGERS.items()
        ]
    statements = [
        f"CREATE TRIGGER {qn(sqlite_update_trigger(table, column))} BEFORE UPDATE OF {qn(column)} ON {qn(table)} "
        f"FOR EACH ROW WHEN OLD.{qn(column)} IS NOT NEW.{qn(column)} AND NOT {_STAND_ASIDE} "
        f"BEGIN SELECT RAISE(ABORT, {_literal(MSG_UPDATE_REFUSED.format(table=table, column=column))}); END"
        for column in columns
        if column not in allowed
    ]
    statements.append(
        f"CREATE TRIGGER {qn(sqlite_delete_trigger(table))} BEFORE DELETE ON {qn(table)} "
        f"FOR EACH ROW WHEN NOT {_STAND_ASIDE} "
        f"BEGIN SELECT RAISE(ABORT, {_literal(MSG_DELETE_REFUSED.format(table=table))}); END"
    )
    return statements


def drop_sql(connection: BaseDatabaseWrapper, table: str) -> list[str]:
    """The statements that remove every append-only trigger of `table`."""
    qn = connection.ops.quote_name
    if _vendor(connection) == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {qn(table)}" for name in _PG_TRIGGERS]
    return [f"DROP TRIGGER IF EXISTS {qn(name)}" for name in _sqlite_triggers(connection, table)]


def _sqlite_triggers(connection: BaseDatabaseWrapper, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name LIKE %s",
            [table, f"{TRIGGER_PREFIX}%"],
        )
        return [name for (name,) in cursor.fetchall()]


@dataclass(frozen=True)
class Installed:
    """What the installed triggers of one table refuse (read back from the database)."""

    protected_columns: frozenset[str]  # an UPDATE changing one of these is refused
    delete: bool
    truncate: bool  # PostgreSQL only; SQLite has no TRUNCATE


def installed(connection: BaseDatabaseWrapper, table: str) -> Installed:
    """Read the append-only triggers of `table` back from pg_trigger or sqlite_master."""
    if _vendor(connection) == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.tgname, t.tgnargs, t.tgargs FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgrelid = %s::regclass AND p.proname = %s AND NOT t.tgisinternal",
                [connection.ops.quote_name(table), GUARD_FUNCTION],
            )
            rows = {name: (count, bytes(arguments)) for name, count, arguments in cursor.fetchall()}
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
        protected: frozenset[str] = frozenset()
        if "append_only_update" in rows:
            count, arguments = rows["append_only_update"]
            allowed = arguments.decode().split("\x00")[:count]
            protected = frozenset(columns - set(allowed))
        return Installed(protected, "append_only_delete" in rows, "append_only_truncate" in rows)
    names = set(_sqlite_triggers(connection, table))
    prefix = sqlite_update_trigger(table, "")
    protected = frozenset(name.removeprefix(prefix) for name in names if name.startswith(prefix))
    return Installed(protected, sqlite_delete_trigger(table) in names, truncate=False)


@contextmanager
def maintenance(connection: BaseDatabaseWrapper, *, reason: str) -> Iterator[None]:
    """Let the append-only triggers stand aside for what runs inside, in one transaction.

    For the test suite's flush between transactional tests and for supervised maintenance (a data
    migration that must rewrite posted rows), never for application code. The row that opens the
    way is inserted in this transaction and deleted before it ends (rolled back with it on an error),
    so no other transaction ever sees it.
    """
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} (reason) VALUES (%s)", [reason])
        yield
        cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")


# --------------------------------------------------------------------------------------------
# Migration operations
# --------------------------------------------------------------------------------------------


class CreateAppendOnlyGuard(Operation):
    """The ground the `AppendOnly` triggers stand on: the maintenance table (both databases) and, on
    PostgreSQL, the guard function. Runs once, before the first `AppendOnly`."""

    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        connection = schema_editor.connection
        _vendor(connection)
        # No model: Django's flush does not empty it, so it can hold the row that opens the way.
        schema_editor.execute(f"CREATE TABLE {MAINTENANCE_TABLE} (reason varchar(100) NOT NULL)", None)
        if connection.vendor == "postgresql":
            schema_editor.execute(_PG_GUARD, None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {GUARD_FUNCTION}()", None)
        schema_editor.execute(f"DROP TABLE IF EXISTS {MAINTENANCE_TABLE}", None)

    def describe(self):
        return "Create the append-only guard and its maintenance table"

    @property
    def migration_name_fragment(self):
        return "append_only_guard"


class AppendOnly(Operation):
    """Protect `model` ("app_label.ModelName") with append-only triggers: no DELETE (nor TRUNCATE),
    no UPDATE that changes a column other than `allowed_update_columns` (column names).

    The posted columns are read from the model's state at this migration. Running it again (in a
    later migration) replaces the table's triggers; reversing it removes them.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model: str, allowed_update_columns: list[str] | tuple[str, ...] = ()):
        self.model = model
        self.allowed_update_columns = list(allowed_update_columns)

    def state_forwards(self, app_label, state):
        pass

    def _model(self, state):
        return state.apps.get_model(self.model)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = self._model(to_state)
        connection = schema_editor.connection
        if not self.allow_migrate_model(connection.alias, model):
            return
        table = model._meta.db_table
        columns = [field.column for field in model._meta.concrete_fields]
        unknown = sorted(set(self.allowed_update_columns) - set(columns))
        if unknown:
            raise ValueError(f"AppendOnly({self.model!r}): {table} has no column {', '.join(unknown)}.")
        for sql in drop_sql(connection, table) + install_sql(
            connection, table, columns, self.allowed_update_columns
        ):
            schema_editor.execute(sql, None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = self._model(from_state)
        connection = schema_editor.connection
        if self.allow_migrate_model(connection.alias, model):
            for sql in drop_sql(connection, model._meta.db_table):
                schema_editor.execute(sql, None)

    def describe(self):
        allowed = ", ".join(self.allowed_update_columns) or "none"
        return f"Make {self.model} append-only (updatable: {allowed})"

    @property
    def migration_name_fragment(self):
        return f"append_only_{self.model.split('.')[-1].lower()}"


def declared() -> dict[str, list[str]]:
    """Every model the migrations make append-only, with its allowed columns (the last `AppendOnly`
    of a model wins), read from the migration files."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    seen: set[tuple[str, str]] = set()
    models: dict[str, list[str]] = {}
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key in seen:
                continue
            seen.add(key)
            for operation in loader.get_migration(*key).operations:
                if isinstance(operation, AppendOnly):
                    models[operation.model] = operation.allowed_update_columns
    return models
