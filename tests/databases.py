"""The test database, and new scratch databases beside it, as URLs for other processes."""

import contextlib
import uuid
from pathlib import Path
from urllib.parse import quote

from django.db import connection


def url_of(name: str) -> str:
    """A URL for the database `name` on the server (or, on SQLite, the file) under test."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{name}"


def database_url() -> str:
    """The test database (not the configured one) as a URL for a worker or command process."""
    return url_of(connection.settings_dict["NAME"])


@contextlib.contextmanager
def scratch_database(folder: Path):
    """A new, empty database beside the test database, dropped afterwards; yields its URL."""
    name = f"kongchuo_scratch_{uuid.uuid4().hex[:12]}"
    if connection.vendor == "sqlite":
        yield url_of(str(folder / f"{name}.sqlite3"))
        return
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url_of(name)
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
