"""A signed checkpoint of every case's chain head, kept outside the database's rows.

The sweep writes it (AUDIT_CHECKPOINT_PATH, a file on storage the database's users cannot write,
or a mounted object store) after every pass: for each case, how many events and contacts it
had and the hash of the last of each, signed with AUDIT_CHAIN_KEY. It does so only when the
database still holds what the last checkpoint saw; otherwise it keeps the old one as evidence.
`verify_audit` compares the database with it: a case that lost its newest events or contacts
(even with its row rewound to match), a case removed with its events, or a row edited before
the checkpoint all show; so does a checkpoint edited by hand.
"""

import datetime
import hashlib
import hmac
import json
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .models import Case, CaseEvent, Contact


def _signature(body: str) -> str:
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


# The chains a checkpoint records: each case's events, and each case's contacts.
CHAINS = {"events": CaseEvent, "contacts": Contact}


def _hashes(model) -> dict[int, list[str]]:
    """{case id: the hashes of its rows of `model`, oldest first}, in one pass."""
    chains: dict[int, list[str]] = {}
    rows = model.objects.order_by("case_id", "id").values_list("case_id", "hash")
    for case_id, digest in rows.iterator(chunk_size=5000):
        chains.setdefault(case_id, []).append(digest)
    return chains


def heads() -> dict[str, dict[str, list]]:
    """For events and for contacts: {case id: [number of rows, hash of the last]}."""
    return {
        name: {str(case_id): [len(chain), chain[-1]] for case_id, chain in _hashes(model).items()}
        for name, model in CHAINS.items()
    }


def write(path: Path, *, now: datetime.datetime) -> int:
    """Write the checkpoint atomically (a reader never sees half a file); returns the cases."""
    recorded = heads()
    body = json.dumps(
        {"written_at": now.isoformat(), **recorded}, sort_keys=True, separators=(",", ":")
    )
    document = json.dumps({"body": body, "signature": _signature(body)})
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(dir=path.parent, prefix=".checkpoint-")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(document)
    os.replace(scratch, path)
    return len(recorded["events"])


def advance(path: Path, *, now: datetime.datetime) -> list[str]:
    """Write a new checkpoint only when the database still holds everything the last one saw;
    otherwise keep the last one, the evidence, and return what differs."""
    problems = compare(path) if path.exists() else []
    if not problems:
        write(path, now=now)
    return problems


def compare(path: Path) -> list[str]:
    """What the database lost or changed since the checkpoint, as lines for the operator."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        body, signature = document["body"], document["signature"]
    except (OSError, ValueError, KeyError, TypeError):
        return [_("The checkpoint %(path)s cannot be read.") % {"path": path}]
    if not hmac.compare_digest(str(signature), _signature(str(body))):
        altered = _("The checkpoint %(path)s was altered: its signature does not match.")
        return [altered % {"path": path}]
    recorded = json.loads(body)
    # A checkpoint written before contacts were recorded holds the events as "heads".
    chains = {"events": recorded.get("events", recorded.get("heads", {}))}
    chains["contacts"] = recorded.get("contacts", {})
    existing = set(Case.objects.values_list("pk", flat=True))
    problems = []
    for name, model in CHAINS.items():
        problems += _differences(name, chains[name], _hashes(model), existing)
    return problems


def _differences(name: str, recorded: dict, chains: dict, existing: set[int]) -> list[str]:
    problems = []
    what = _("events") if name == "events" else _("contacts")
    for case_id, (count, digest) in sorted(recorded.items(), key=lambda item: int(item[0])):
        params = {"case": case_id, "count": count, "what": what}
        hashes = chains.get(int(case_id), [])
        if int(case_id) not in existing:
            if name == "events":
                problems.append(_("Case %(case)s is gone; it had %(count)s events.") % params)
        elif len(hashes) < count:
            problems.append(
                _("Case %(case)s has %(now)s %(what)s; the checkpoint saw %(count)s.")
                % {**params, "now": len(hashes)}
            )
        elif hashes[count - 1] != digest:
            problems.append(
                _("Case %(case)s: %(what)s number %(count)s is not the one the checkpoint saw.")
                % params
            )
    return problems
