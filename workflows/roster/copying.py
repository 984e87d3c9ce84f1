"""New rows and their history rows by PostgreSQL's COPY: ids drawn from the table's sequence
first, each value prepared once (encrypted, digested) for the row and its history row. The same
rows `bulk_create_with_history` writes, at a fraction of the cost; other databases use it."""

from django.db import connection
from simple_history.utils import bulk_create_with_history

from cases import clock

ADDED = "+"  # simple-history's history_type of a created row


def create_with_history(objs: list, model, *, by, reason: str | None) -> list:
    """Save `objs` (new, unsaved) with a history row each naming `by` and `reason`; the objects
    come back with their ids."""
    if connection.vendor != "postgresql" or not objs:
        return bulk_create_with_history(objs, model, default_user=by, default_change_reason=reason)
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
    fields = meta.concrete_fields
    rows = [{field.column: _prepared(field, obj) for field in fields} for obj in objs]
    _copy(meta.db_table, [field.column for field in fields], (list(row.values()) for row in rows))
    history = model.history.model._meta
    extra = {
        "history_date": clock.now(),
        "history_change_reason": reason,
        "history_type": ADDED,
        "history_user_id": by.pk if by is not None else None,
    }
    columns = [
        field.column
        for field in history.concrete_fields
        if field.column in rows[0] or field.column in extra
    ]
    _copy(
        history.db_table,
        columns,
        ([row[c] if c in row else extra[c] for c in columns] for row in rows),
    )
    return objs


def _prepared(field, obj):
    """The value as the database stores it (encrypted, digested), as a bulk insert makes it."""
    return field.get_db_prep_save(field.pre_save(obj, True), connection)


def _copy(table: str, columns: list[str], rows) -> None:
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
