"""Backups of the whole database and their restore into an empty one.

PostgreSQL goes through `pg_dump --format=custom` and `pg_restore` (the server's own tools, so a
backup is a standard archive any PostgreSQL operator can read); SQLite, the demo's database,
through SQLite's online backup API, which copies a consistent snapshot while the server runs.
The password reaches the tools in their environment, never on a command line.

A backup holds children's records (numbers encrypted, names not): the file is written readable
by its owner only. It is restored with the same FIELD_ENCRYPTION_KEYS, FIELD_DIGEST_KEY and
AUDIT_CHAIN_KEY, which are not in it; `verify_audit` after a restore checks the chains with them.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

SQLITE_HEADER = b"SQLite format 3\x00"
POSTGRES_HEADER = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the operator."""


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _postgres_environment() -> dict:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            _("%(tool)s was not found; install the PostgreSQL client tools.") % {"tool": name}
        )
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 - fixed tools, arguments from the operator
        command, env=_postgres_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise BackupError(result.stderr.strip() or _("%(tool)s failed.") % {"tool": command[0]})


def _private_file(path: Path) -> None:
    """Create (or empty) `path` readable by its owner only, before any data goes in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(descriptor)
    path.chmod(0o600)


def backup(path: Path) -> None:
    """Write the whole database to `path`."""
    engine = _engine()
    _private_file(path)
    if engine == "postgresql":
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", f"--file={path}"])
        return
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _kind_of(path: Path) -> str:
    if not path.is_file():
        raise BackupError(_("No backup file at %(path)s.") % {"path": path})
    with path.open("rb") as file:
        head = file.read(16)
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(POSTGRES_HEADER):
        return "postgresql"
    raise BackupError(_("%(path)s is not a backup made by backup_database.") % {"path": path})


def restore(path: Path) -> None:
    """Load the backup at `path` into the configured database, which must be empty."""
    engine = _engine()
    kind = _kind_of(path)
    if kind != engine:
        raise BackupError(
            _("This is a %(kind)s backup; the configured database is %(engine)s.")
            % {"kind": kind, "engine": engine}
        )
    if connection.introspection.table_names():
        raise BackupError(
            _(
                "The configured database is not empty: a restore goes into a new, empty "
                "database only, so that nothing in it is overwritten."
            )
        )
    if engine == "postgresql":
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ]
        )
        return
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()
