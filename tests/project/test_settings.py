"""Production settings cannot drift from what the code reads: every `settings.X` in the project's
own modules is defined under `project.settings.production`, and a missing secret stops the start
naming its environment variable."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["project", "cases", "workflows", "notifications", "fixtures"]
READ = re.compile(
    r"""settings\.([A-Z][A-Z0-9_]*)|getattr\(\s*settings\s*,\s*["']([A-Z][A-Z0-9_]*)"""
)

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "project.settings.production",
    "DJANGO_SECRET_KEY": "settings-test-secret-key-long-enough-for-the-deploy-check",
    "DJANGO_ALLOWED_HOSTS": "kongchuo.example",
    "SITE_URL": "https://kongchuo.example",
    "FIELD_ENCRYPTION_KEYS": "Zm9yLWRldmVsb3BtZW50LW9ubHktbm90LXNlY3JldCE=",
    "FIELD_DIGEST_KEY": "settings-test-digest",
    "AUDIT_CHAIN_KEY": "settings-test-chain",
    "DATABASE_URL": "sqlite:////tmp/kongchuo-settings-test.sqlite3",
}

# Prints, for each name given, whether the configured settings define it.
PROBE = """
import json, sys
import django
from django.conf import settings
django.setup()
print(json.dumps({name: hasattr(settings, name) for name in sys.argv[1:]}))
"""


def settings_read_by_the_code() -> set[str]:
    names = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or "settings" in path.parts:
                continue
            for match in READ.finditer(path.read_text(encoding="utf-8")):
                names.add(match.group(1) or match.group(2))
    return names


def run_production(env_overrides: dict, *names: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION_ENV and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(PRODUCTION_ENV)
    env.update(env_overrides)
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PROBE, *names],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_walk_finds_the_settings_the_code_reads():
    """Guards the walk itself: the secrets the code reads are among what it finds."""
    found = settings_read_by_the_code()
    assert {"AUDIT_CHAIN_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_DIGEST_KEY", "SITE_URL"} <= found


def test_production_defines_every_setting_the_code_reads():
    names = sorted(settings_read_by_the_code())
    result = run_production({}, *names)
    assert result.returncode == 0, result.stderr
    defined = json.loads(result.stdout.strip().splitlines()[-1])
    assert [name for name, present in defined.items() if not present] == []


@pytest.mark.parametrize(
    "variable",
    [
        "DJANGO_SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "FIELD_DIGEST_KEY",
        "AUDIT_CHAIN_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "SITE_URL",
        "DATABASE_URL",
    ],
)
def test_production_refuses_to_start_naming_a_missing_variable(variable):
    result = run_production({variable: None}, "SECRET_KEY")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_an_empty_secret_is_missing_too():
    result = run_production({"AUDIT_CHAIN_KEY": ""}, "AUDIT_CHAIN_KEY")
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY" in result.stderr


def test_development_settings_fill_every_secret(settings):
    from project.settings.base import SECRETS

    for setting in SECRETS:
        assert getattr(settings, setting), setting
