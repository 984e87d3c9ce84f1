"""Twenty people issue notices of the same school at the same moment, some of whose
transactions fail after taking a number: the numbers that remain run 1, 2, 3 … without a gap or
a repeat. Needs real concurrent writers: PostgreSQL only."""

import datetime
import time

import pytest
from django.db import connection, transaction

from cases import clock
from cases.models import Case, Document, DocumentKind, Role, Stage
from workflows.notices import issuing

from .. import factories
from ..builders import case_in_stage
from .test_concurrency import race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)
ISSUERS = 20


class Abandoned(Exception):
    """A step that fails after its document took a number."""


@pytest.mark.django_db(transaction=True)
def test_twenty_issuers_at_once_leave_no_gap_and_no_duplicate(world):
    officer = world[Role.SCHOOL_OFFICER]
    cases = [case_in_stage(world, Stage.TOWNSHIP_PERSUASION) for _ in range(ISSUERS)]
    for case in cases:
        factories.GuardianFactory(student=case.student)
    return_by = clock.today() + datetime.timedelta(days=3)

    def issue(index: int):
        case = Case.objects.get(pk=cases[index].pk)
        with transaction.atomic():
            document = issuing.notice_issue(case=case, by=officer, return_by=return_by)
            if index % 5 == 0:  # four of the twenty fail after numbering
                raise Abandoned
        return document

    started = time.perf_counter()
    outcomes = race(ISSUERS, issue)
    elapsed = time.perf_counter() - started

    issued = [outcome for outcome in outcomes if isinstance(outcome, Document)]
    failed = [outcome for outcome in outcomes if isinstance(outcome, Abandoned)]
    assert (len(issued), len(failed)) == (16, 4), outcomes
    serials = sorted(
        Document.objects.filter(issuer=world.school, kind=DocumentKind.RETURN_NOTICE).values_list(
            "serial", flat=True
        )
    )
    assert serials == list(range(1, 17))
    print(f"\n{ISSUERS} issuers at once: {len(issued)} numbered 1–16, {elapsed * 1000:.0f} ms")
