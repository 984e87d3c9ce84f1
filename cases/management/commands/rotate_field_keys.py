from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.translation import gettext as _

from cases import crypto
from cases.fields import DigestField, EncryptedCharField


def encrypted_tables() -> list[tuple[str, str, list[str], dict[str, str]]]:
    """(table, key column, encrypted columns, {digest column: its source column}) of every model
    with an encrypted field, history tables included: a new model is covered without edits."""
    tables = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        encrypted = [f.column for f in fields if isinstance(f, EncryptedCharField)]
        if not encrypted:
            continue
        digests = {
            f.column: model._meta.get_field(f.source).column
            for f in fields
            if isinstance(f, DigestField)
        }
        tables.append((model._meta.db_table, model._meta.pk.column, encrypted, digests))
    return tables


class Command(BaseCommand):
    help = (
        "Re-encrypt every identity, registry and phone number under the newest key in "
        "FIELD_ENCRYPTION_KEYS and recompute the digests with FIELD_DIGEST_KEY. Storage-level "
        "maintenance: it changes no value, so it writes no history rows."
    )

    def handle(self, *args, **options) -> None:
        rows = 0
        with transaction.atomic(), connection.cursor() as cursor:
            for table, key, columns, digests in encrypted_tables():
                cursor.execute(f"SELECT {key}, {', '.join(columns)} FROM {table}")  # noqa: S608
                for row_key, *tokens in cursor.fetchall():
                    plain = {
                        column: crypto.decrypt(token) if token else ""
                        for column, token in zip(columns, tokens, strict=True)
                    }
                    values = {
                        column: crypto.rotate(token) if token else ""
                        for column, token in zip(columns, tokens, strict=True)
                    }
                    for digest_column, source in digests.items():
                        values[digest_column] = (
                            crypto.digest(plain[source]) if plain[source] else ""
                        )
                    sets = ", ".join(f"{column} = %s" for column in values)
                    cursor.execute(
                        f"UPDATE {table} SET {sets} WHERE {key} = %s",  # noqa: S608
                        [*values.values(), row_key],
                    )
                    rows += 1
        self.stdout.write(_("Re-encrypted %(rows)d rows.") % {"rows": rows})
