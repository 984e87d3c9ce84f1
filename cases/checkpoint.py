"""A signed checkpoint of every case's chain head, kept outside the database's rows.

The sweep writes it (AUDIT_CHECKPOINT_PATH, a file on storage the database's users cannot write,
or a mounted object store) after every pass: for each case, how many events it had and the hash
of the last one, signed with AUDIT_CHAIN_KEY. `verify_audit` compares the database with it: a
case that lost its newest events (even with its row rewound to match), a case removed with its
events, or an event edited before the checkpoint all show; so does a checkpoint edited by hand.
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

from .models import Case, CaseEvent


def _signature(body: str) -> str:
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _hashes() -> dict[int, list[str]]:
    """{case id: the hashes of its events, oldest first}, in one pass."""
    chains: dict[int, list[str]] = {}
    rows = CaseEvent.objects.order_by("case_id", "id").values_list("case_id", "hash")
    for case_id, digest in rows.iterator(chunk_size=5000):
        chains.setdefault(case_id, []).append(digest)
    return chains


def heads() -> dict[str, list]:
    """{case id: [number of events, hash of the last]} for every case with events."""
    return {str(case_id): [len(chain), chain[-1]] for case_id, chain in _hashes().items()}


def write(path: Path, *, now: datetime.datetime) -> int:
    """Write the checkpoint atomically (a reader never sees half a file); returns the cases."""
    body = json.dumps(
        {"written_at": now.isoformat(), "heads": heads()}, sort_keys=True, separators=(",", ":")
    )
    document = json.dumps({"body": body, "signature": _signature(body)})
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(dir=path.parent, prefix=".checkpoint-")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(document)
    os.replace(scratch, path)
    return len(json.loads(body)["heads"])


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
    recorded = json.loads(body)["heads"]
    existing = set(Case.objects.values_list("pk", flat=True))
    chains = _hashes()
    problems = []
    for case_id, (count, digest) in sorted(recorded.items(), key=lambda item: int(item[0])):
        params = {"case": case_id, "count": count}
        hashes = chains.get(int(case_id), [])
        if int(case_id) not in existing:
            problems.append(_("Case %(case)s is gone; it had %(count)s events.") % params)
        elif len(hashes) < count:
            problems.append(
                _("Case %(case)s has %(now)s events; the checkpoint saw %(count)s.")
                % {**params, "now": len(hashes)}
            )
        elif hashes[count - 1] != digest:
            problems.append(
                _("Case %(case)s: event %(count)s is not the one the checkpoint saw.") % params
            )
    return problems
