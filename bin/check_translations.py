"""Fails when the Simplified Chinese catalogue is incomplete or its compiled .mo is stale.

Runs `makemessages` first so that a new string in the code shows up as untranslated here, then
restores the catalogue as it was. To add new strings to the catalogue, run makemessages yourself:
`.venv/bin/python manage.py makemessages -l zh_Hans --no-obsolete --ignore .venv --ignore var
--ignore tests`.
"""

import pathlib
import subprocess
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def main() -> int:
    # makemessages rewrites the catalogue (dates, line numbers): check it, then put it back, so
    # a check leaves the work tree as it found it.
    original = PO.read_bytes()
    try:
        return check()
    finally:
        PO.write_bytes(original)


def check() -> int:
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            ".venv",
            "--ignore",
            "var",
            "--ignore",
            "tests",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    catalogue = polib.pofile(str(PO))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in polib.mofile(str(MO))}
    stale = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if compiled.get((entry.msgctxt, entry.msgid)) != entry.msgstr and not entry.msgid_plural
    ]
    for title, items in (("untranslated", missing), ("fuzzy", fuzzy), ("not compiled", stale)):
        for msgid in items:
            print(f"{title}: {msgid!r}")
    if missing or fuzzy or stale:
        print(
            "Translate in locale/zh_Hans/LC_MESSAGES/django.po, then run "
            "`.venv/bin/python manage.py compilemessages -l zh_Hans`."
        )
        return 1
    print(f"zh_Hans catalogue complete: {len(catalogue.translated_entries())} strings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
