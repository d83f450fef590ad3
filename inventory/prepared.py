"""A QuerySet compiled to SQL once and then run many times with new values: for hot read paths
(the Sales Line Details FactBox is read on every click in the lines grid) where building and compiling
the ORM query costs more than the database takes to answer it.

The query is still written with the QuerySets that own the read rules (`ItemLedgerEntry.objects.open()`,
`AssemblyHeader.objects.receipts()`, ...): where a value changes from one run to the next, it passes a
`Param`, a named placeholder that compiles to the driver's `%s`. `PreparedQuery` builds and compiles the
QuerySet on first use per database, keeps the SQL text, the positions of the placeholders and Django's
converters for the result columns, and afterwards only binds the values, executes and converts: the same
rows the QuerySet would give, without the ORM's per-call work.

    ENTRIES = PreparedQuery(lambda: ItemLedgerEntry.objects.open().filter(item_id=Param("item", INT))
                            .values_list("entry_no", "remaining_quantity"))
    ENTRIES.rows(item=item.pk)

A QuerySet of model instances (with `select_related`, `only`) gives instances through `objects()`, built
as the QuerySet builds them. It runs through Django's cursor, so query logging,
`django_assert_num_queries` and execute wrappers see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.expressions import Expression
from django.db.models.query import ModelIterable, get_related_populators


class Param(Expression):
    """A named value bound when a `PreparedQuery` runs; compiles to a placeholder."""

    def __init__(self, name: str, output_field: models.Field):
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self) -> str:
        return f"Param({self.name!r})"

    def as_sql(self, compiler, connection):
        return "%s", [self]

    def get_group_by_cols(self):
        return []  # a constant for the statement: never a grouping column


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # constants, and `Param`s to be replaced by the values of a run
    names: dict[str, models.Field]  # each Param's name and field, which adapts its value
    converters: tuple  # (column, converter functions, expression), as Django applies them
    model: _ModelRows | None  # how to build model instances from a row, for a QuerySet of instances


@dataclass(frozen=True)
class _ModelRows:
    model: type[models.Model]
    start: int
    end: int
    init_list: list[str]
    related_populators: list
    annotation_col_map: dict[str, int]


class PreparedQuery:
    """A QuerySet compiled once per database alias (see the module doc)."""

    def __init__(self, build: Callable[[], models.QuerySet]):
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, using: str = DEFAULT_DB_ALIAS) -> _Compiled:
        try:
            return self._compiled[using]
        except KeyError:
            pass
        queryset = self._build()
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        model = None
        if issubclass(queryset._iterable_class, ModelIterable):  # as ModelIterable reads the rows
            klass_info, select = compiler.klass_info, compiler.select
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            model = _ModelRows(
                model=klass_info["model"],
                start=start,
                end=end,
                init_list=[f[0].target.attname for f in select[start:end]],
                related_populators=get_related_populators(klass_info, select, using),
                annotation_col_map=dict(compiler.annotation_col_map or {}),
            )
        converters = tuple(
            (pos, tuple(convs), expression)
            for pos, (convs, expression) in compiler.get_converters(fields).items()
        )
        names = {p.name: p.output_field for p in params if isinstance(p, Param)}
        compiled = _Compiled(sql=sql, params=tuple(params), names=names, converters=converters, model=model)
        self._compiled[using] = compiled
        return compiled

    def sql_with_params(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> tuple[str, list]:
        """The SQL and the driver parameters of one run (what `rows` executes)."""
        connection = connections[using]
        compiled = self.compiled(using)
        if missing := compiled.names.keys() - values.keys():
            raise TypeError(f"PreparedQuery needs values for {sorted(missing)}")
        bound = {
            name: field.get_db_prep_value(values[name], connection) for name, field in compiled.names.items()
        }
        return compiled.sql, [bound[p.name] if isinstance(p, Param) else p for p in compiled.params]

    def rows(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[tuple]:
        """Execute with these values and return the rows, converted as the QuerySet would."""
        connection = connections[using]
        sql, params = self.sql_with_params(using, **values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        converters = self.compiled(using).converters
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for pos, convs, expression in converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            converted.append(tuple(row))
        return converted

    def objects(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[models.Model]:
        """Execute with these values and return the model instances, with their `select_related` ones."""
        how = self.compiled(using).model
        if how is None:
            raise TypeError("objects() needs a QuerySet of model instances; use rows()")
        result = []
        for row in self.rows(using, **values):
            obj = how.model.from_db(using, how.init_list, row[how.start : how.end])
            for populator in how.related_populators:
                populator.populate(row, obj)
            for name, pos in how.annotation_col_map.items():
                setattr(obj, name, row[pos])
            result.append(obj)
        return result
