"""New rows and their history rows by PostgreSQL's COPY: ids drawn from the table's sequence
first, each value prepared once (encrypted, digested); the history rows are then made from the
copied rows by the database. The same rows `bulk_create_with_history` writes, at a fraction of
the cost; other databases use it."""

from django.db import connection
from simple_history.utils import bulk_create_with_history

from cases import clock

ADDED = "+"  # simple-history's history_type of a created row


def create_with_history(objs: list, model, *, by, reason: str | None) -> list:
    """Save `objs` (new, unsaved) with a history row each naming `by` and `reason`; the objects
    come back with their ids."""
    if connection.vendor != "postgresql" or not objs:
        return bulk_create_with_history(
            objs, model, default_user=by, default_change_reason=reason, default_date=clock.now()
        )
    meta = model._meta
    ids = _new_ids(meta, len(objs))
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
    fields = meta.concrete_fields
    rows = [[_prepared(field, obj) for field in fields] for obj in objs]
    _copy_with_history(model, [field.column for field in fields], rows, ids, by=by, reason=reason)
    return objs


def create_rows_with_history(model, rows: list[dict], *, by, reason: str | None) -> None:
    """New rows given as {attname: value}, with a history row each naming `by` and `reason`,
    without a model object per row on PostgreSQL (bulk attendance writes thousands). The values
    must be what the database stores as they are (ints, text, dates, times: no encrypted or
    digested field); every row names the same fields, and one left out takes its default.
    Other databases build the objects for `bulk_create_with_history`."""
    if not rows:
        return
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        # stamped by the engine's clock like the COPY path (simple-history would take the
        # wall clock, and a replayed or frozen day would differ between the databases)
        bulk_create_with_history(
            objs, model, default_user=by, default_change_reason=reason, default_date=clock.now()
        )
        return
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    given = [field.attname for field in fields if field.attname in rows[0]]
    left = [field for field in fields if field.attname not in rows[0]]
    defaults = [field.get_default() for field in left]
    columns = [
        meta.pk.column,
        *(meta.get_field(a).column for a in given),
        *(f.column for f in left),
    ]
    ids = _new_ids(meta, len(rows))
    values = [
        [pk, *(row[attname] for attname in given), *defaults]
        for row, pk in zip(rows, ids, strict=True)
    ]
    _copy_with_history(model, columns, values, ids, by=by, reason=reason)


def _new_ids(meta, count: int) -> list[int]:
    """`count` ids drawn from the table's sequence, so that the history rows can name them."""
    with connection.cursor() as cursor:
        cursor.execute(
            # the sequence looked up once (a subquery), not for every id: ten times faster
            "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s))::regclass)"
            " FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy_with_history(model, columns: list[str], rows: list, ids: list[int], *, by, reason):
    """COPY `rows` (values in the order of `columns`, `ids` their ids), then a history row for
    each, made by the database from the rows just copied (the same stored values, not sent a
    second time)."""
    meta = model._meta
    _copy(meta.db_table, columns, rows)
    history = model.history.model._meta
    extra = {
        "history_date": clock.now(),
        "history_change_reason": reason,
        "history_type": ADDED,
        "history_user_id": by.pk if by is not None else None,
    }
    copied = [field.column for field in history.concrete_fields if field.column in columns]
    stamped = [field for field in history.concrete_fields if field.column in extra]
    quote = connection.ops.quote_name
    target = ", ".join(map(quote, [*copied, *(field.column for field in stamped)]))
    target = f"{quote(history.db_table)} ({target})"
    # typed, so that the values mean the same with server-side parameters
    casts = [f"CAST(%s AS {field.cast_db_type(connection)})" for field in stamped]
    chosen = ", ".join([*map(quote, copied), *casts])
    source, key = quote(meta.db_table), quote(meta.pk.column)
    # S608: only the models' own table and column names, quoted, go into the text
    sql = f"INSERT INTO {target} SELECT {chosen} FROM {source} WHERE {key} = ANY(%s::bigint[])"  # noqa: S608
    array = "{" + ",".join(map(str, ids)) + "}"  # the array's text: one value, not thousands
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(extra[field.column] for field in stamped), array])


def _prepared(field, obj):
    """The value as the database stores it (encrypted, digested), as a bulk insert makes it."""
    return field.get_db_prep_save(field.pre_save(obj, True), connection)


def _copy(table: str, columns: list[str], rows) -> None:
    quote = connection.ops.quote_name  # the table's name quoted as its columns' are
    names = ", ".join(map(quote, columns))
    statement = f"COPY {quote(table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
