"""Document numbers (GB/T 9704-2012): `机关代字〔2026〕3号`, one series per issuing body and year.

The counter row is raised by an UPDATE inside the issuing transaction: a second issuer waits for
the first to commit (PostgreSQL's row lock, SQLite's single writer) and a transaction that fails
takes its number back with it, so the series has no gaps and no duplicates.
"""

from django.db.models import F

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
    counters = DocumentCounter.objects.filter(issuer=issuer, year=year)
    if not counters.update(last=F("last") + 1):
        # The first document of the year. Two first issuers at once: one inserts, the other
        # waits on the unique key and then finds the row.
        DocumentCounter.objects.bulk_create(
            [DocumentCounter(issuer=issuer, year=year)], ignore_conflicts=True
        )
        counters.update(last=F("last") + 1)
    return counters.values_list("last", flat=True).get()
