"""Used by migrations that add CHECK constraints to tables that may already hold rows: before the
constraints are added, rows that would break them are listed, and the migration stops with a message
saying what to fix, instead of failing in the database half-way (PostgreSQL and SQLite alike)."""

from __future__ import annotations

from django.db import migrations, models

MSG_ROWS_BREAK_CONSTRAINT = (
    "{count} {model} row(s) break the new rule {name} (ids: {ids}). They hold values the application "
    "now refuses (a date outside 1900-01-01..2999-12-31, a quantity or amount beyond its maximum): "
    "correct them, then run migrate again."
)


def refuse_rows_breaking(app_label: str, operations: list) -> migrations.RunPython:
    """A RunPython that checks every CheckConstraint added by `operations` against existing rows."""
    checks = [
        (op.model_name, op.constraint)
        for op in operations
        if isinstance(op, migrations.AddConstraint) and isinstance(op.constraint, models.CheckConstraint)
    ]

    def check(apps, schema_editor) -> None:
        problems = []
        for model_name, constraint in checks:
            model = apps.get_model(app_label, model_name)
            bad = model._default_manager.exclude(constraint.condition)
            ids = list(bad.values_list("pk", flat=True)[:10])
            if ids:
                problems.append(
                    MSG_ROWS_BREAK_CONSTRAINT.format(
                        count=bad.count(), model=model._meta.object_name, name=constraint.name, ids=ids
                    )
                )
        if problems:
            raise RuntimeError("\n".join(problems))

    return migrations.RunPython(check, migrations.RunPython.noop, elidable=True)
