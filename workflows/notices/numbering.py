"""Document numbers (GB/T 9704-2012): `机关代字〔2026〕3号`, one series per issuing body and year.

The counter row is raised by an UPDATE inside the issuing transaction: a second issuer waits for
the first to commit (PostgreSQL's row lock, SQLite's single writer) and a transaction that fails
takes its number back with it, so the series has no gaps and no duplicates.
"""

from django.db import connection

from cases.models import DocumentCounter, Unit


def prefix_of(issuer: Unit) -> str:
    """The body's 机关代字, or its name where none is set."""
    return issuer.document_code or issuer.name


def formatted(issuer: Unit, year: int, serial: int) -> str:
    """The number as printed: the full year in 〔〕, no 第, no leading zeros."""
    return f"{prefix_of(issuer)}〔{year}〕{serial}号"


def next_serial(issuer: Unit, year: int) -> int:
    """The next serial number of `issuer`'s series for `year`; call inside the transaction that
    writes the document."""
    serial = _raised(issuer.pk, year)
    if serial is None:
        # The first document of the year. Two first issuers at once: one inserts, the other
        # waits on the unique key and then finds the row.
        DocumentCounter.objects.bulk_create(
            [DocumentCounter(issuer=issuer, year=year)], ignore_conflicts=True
        )
        serial = _raised(issuer.pk, year)
    return serial


def _raised(issuer_id: int, year: int) -> int | None:
    """The counter raised by one and read in one statement (UPDATE … RETURNING, which both
    PostgreSQL and SQLite ≥ 3.35 have and the ORM's update() does not give); None when the
    series has no row yet."""
    table, last, issuer, year_ = (
        connection.ops.quote_name(name)
        for name in (DocumentCounter._meta.db_table, "last", "issuer_id", "year")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 "  # noqa: S608 (names quoted, values bound)
            f"WHERE {issuer} = %s AND {year_} = %s RETURNING {last}",
            [issuer_id, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None
