"""The morning digest of overdue cases (逾期案件日报) to each township's DingTalk group.

On a working day of the township's county, each township with an active robot gets one
message: how many of its cases (by residence township) are past their stage deadline, counted
per stage and per school, and their case numbers linked to the case pages. A group chat is not
access-controlled: no child's name, identity or phone number, and the links ask whoever opens
them to sign in and check their reach. One message per township and day (its de-duplication
key): a second run that day sends nothing, and a township with nothing overdue gets nothing.
"""

import datetime
import logging
from collections import Counter

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cases import clock
from cases.ladder import Stage
from cases.models import Case, UnitKind
from notifications.messages import absolute
from notifications.selectors import active_robots
from notifications.services import notify_robot

from . import messages, workdays

logger = logging.getLogger(__name__)

TEMPLATE = "township_overdue_digest"
MAX_LISTED = 40  # case links in one message; the rest are counted and the queue has them all
MORE = gettext_lazy("and %(count)s more")
GROUP_SEPARATOR = pgettext_lazy("between counts", "; ")
LIST_SEPARATOR = pgettext_lazy("between cases", ", ")


def send_overdue_digests(*, today: datetime.date | None = None) -> list[str]:
    """Write (and hand to delivery) today's digest of each township robot; the townships'
    names that have one now (written by this run or an earlier one today)."""
    today = today or clock.today()
    now = clock.now()
    told = []
    robots = active_robots().filter(unit__kind=UnitKind.TOWNSHIP).select_related("unit")
    for robot in robots:
        township = robot.unit
        if not workdays.is_working_day(today, county=township.parent_id):
            continue
        overdue = list(
            Case.objects.filter(township=township, deadline__lt=now)
            .exclude(stage=Stage.CLOSED)
            .order_by("deadline", "pk")
            .values_list("pk", "stage", "school__name")
        )
        if not overdue:
            continue
        try:
            with transaction.atomic(), messages.in_message_language():
                notify_robot(
                    robot=robot,
                    template_key=TEMPLATE,
                    context=digest_context(township.name, today, overdue),
                    dedup_key=f"overdue-digest-{township.pk}-{today.isoformat()}",
                )
        except Exception:
            # one township's failure is logged (the next run writes its digest); the others
            # still get theirs
            logger.exception("The overdue digest of township %s was not written.", township.pk)
            continue
        told.append(township.name)
    return told


def digest_context(township: str, today: datetime.date, overdue: list[tuple]) -> dict:
    """The digest's values from (case id, stage, school name) rows, soonest deadline first."""
    stages = Counter(stage for _pk, stage, _school in overdue)
    schools = Counter(school for _pk, _stage, school in overdue)
    by_stage = str(GROUP_SEPARATOR).join(
        f"{Stage(stage).label} {stages[stage]}" for stage in Stage.values if stage in stages
    )
    by_school = str(GROUP_SEPARATOR).join(
        f"{school} {count}"
        for school, count in sorted(schools.items(), key=lambda item: (-item[1], item[0]))
    )
    links = [_link(pk) for pk, _stage, _school in overdue[:MAX_LISTED]]
    if len(overdue) > MAX_LISTED:
        links.append(str(MORE) % {"count": len(overdue) - MAX_LISTED})
    return {
        "township": township,
        "date": today.isoformat(),
        "total": len(overdue),
        "by_stage": by_stage,
        "by_school": by_school,
        "cases": str(LIST_SEPARATOR).join(links),
        "url": reverse("work:overdue:index"),
    }


def _link(case_id: int) -> str:
    """The case's number linked to its page (markdown): the page checks who opens it."""
    label = _("Case %(id)s") % {"id": case_id}
    return f"[{label}]({absolute(reverse('work:case_detail', args=[case_id]))})"
