"""Backup and restore drill: a backup restores into a new database where the audit chains hold
(with the same key, and not with another), and a restore into a database in use refuses."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases.models import Role, Stage
from workflows import services

from ..builders import case_in_stage
from ..databases import scratch_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def manage(database: str, *arguments: str, **extra_env) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "DATABASE_URL": database,
        **extra_env,
    }
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def cases_with_history(world) -> None:
    for _ in range(2):
        case = case_in_stage(world, Stage.IDENTIFIED)
        case = services.case_report(
            case=case, by=world[Role.HOMEROOM_TEACHER], reasons=["weary"], whereabouts="在家"
        )
        services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])


def test_a_backup_restores_into_a_new_database_where_the_chains_hold(world, tmp_path):
    cases_with_history(world)
    archive = tmp_path / "kongchuo.backup"
    call_command("backup_database", str(archive))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    with scratch_database(tmp_path) as target:
        restored = manage(target, "restore_database", str(archive))
        assert restored.returncode == 0, restored.stderr

        counted = manage(
            target,
            "shell",
            "--verbosity=0",
            "-c",
            "from cases.models import Case, CaseEvent; "
            "print(Case.objects.count(), CaseEvent.objects.count())",
        )
        assert counted.stdout.split() == ["2", "4"], counted.stderr

        verified = manage(target, "verify_audit")
        assert verified.returncode == 0, verified.stdout + verified.stderr

        # The chains were really checked: under another key none of them holds.
        forged = manage(target, "verify_audit", AUDIT_CHAIN_KEY="another-key")
        assert forged.returncode != 0

        again = manage(target, "restore_database", str(archive))
        assert again.returncode != 0
        assert "不是空的" in again.stderr


def test_a_restore_into_the_database_in_use_refuses(world, tmp_path):
    cases_with_history(world)
    archive = tmp_path / "kongchuo.backup"
    call_command("backup_database", str(archive))
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore_database", str(archive))


def test_a_file_that_is_no_backup_is_refused(db, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("家访记录", encoding="utf-8")
    with pytest.raises(CommandError, match="不是"):
        call_command("restore_database", str(stray))
    with pytest.raises(CommandError, match="没有"):
        call_command("restore_database", str(tmp_path / "missing.backup"))
