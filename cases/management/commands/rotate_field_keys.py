from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.translation import gettext as _

from cases import crypto

# table -> (key column, encrypted columns, columns that have a digest beside them)
ENCRYPTED = {
    "cases_student": ("id", ["student_no", "id_number"], ["student_no", "id_number"]),
    "cases_historicalstudent": (
        "history_id",
        ["student_no", "id_number"],
        ["student_no", "id_number"],
    ),
    "cases_guardian": ("id", ["phone"], []),
    "cases_historicalguardian": ("history_id", ["phone"], []),
}


class Command(BaseCommand):
    help = (
        "Re-encrypt every identity, registry and phone number under the newest key in "
        "FIELD_ENCRYPTION_KEYS and recompute the digests with FIELD_DIGEST_KEY. Storage-level "
        "maintenance: it changes no value, so it writes no history rows."
    )

    def handle(self, *args, **options) -> None:
        rows = 0
        with transaction.atomic(), connection.cursor() as cursor:
            for table, (key, columns, digested) in ENCRYPTED.items():
                cursor.execute(f"SELECT {key}, {', '.join(columns)} FROM {table}")  # noqa: S608
                for row_key, *tokens in cursor.fetchall():
                    values = {}
                    for column, token in zip(columns, tokens, strict=True):
                        values[column] = crypto.rotate(token) if token else ""
                        if column in digested:
                            plain = crypto.decrypt(token) if token else ""
                            values[f"{column}_digest"] = crypto.digest(plain) if plain else ""
                    sets = ", ".join(f"{column} = %s" for column in values)
                    cursor.execute(
                        f"UPDATE {table} SET {sets} WHERE {key} = %s",  # noqa: S608
                        [*values.values(), row_key],
                    )
                    rows += 1
        self.stdout.write(_("Re-encrypted %(rows)d rows.") % {"rows": rows})
