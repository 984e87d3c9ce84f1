"""The daily roll's reminder: once each county's roll time (9:00 unless its rule says
otherwise) has passed on a school day, the homeroom teachers of the classes without today's
roll are told, once a day per class (the outbox's de-duplication)."""

import datetime

from django.db.models import Q
from django.urls import reverse

from cases import clock
from cases.models import AttendanceRule, Unit, UnitKind
from notifications.services import notify

from ..messages import in_message_language
from . import overview

DEFAULT_DUE = AttendanceRule._meta.get_field("report_by").default


def remind_missing_rolls(now: datetime.datetime | None = None) -> int:
    """Tell the teachers of classes late with today's roll; how many reminders were handed to
    the outbox (one already there for the class and day is not written again)."""
    now = (now or clock.now()).astimezone(clock.TZ)
    today, time = now.date(), now.time()
    due = dict(AttendanceRule.objects.values_list("county_id", "report_by"))
    counties = [
        county
        for county in Unit.objects.filter(kind=UnitKind.COUNTY)
        if time >= due.get(county.pk, DEFAULT_DUE)
    ]
    if not counties:
        return 0
    under = Q(pk__in=[])
    for county in counties:
        under |= Q(path__startswith=county.path)
    schools = list(Unit.objects.filter(under, kind=UnitKind.SCHOOL))
    written = 0
    with in_message_language():
        for klass, teachers in overview.unreported_classes(schools, today):
            county_id = next(c.pk for c in counties if klass.path.startswith(c.path))
            for teacher in teachers:
                notify(
                    recipient=teacher,
                    template_key="roll_missing",
                    context={
                        "class_name": klass.name,
                        "date": f"{today:%m-%d}",
                        "due": f"{due.get(county_id, DEFAULT_DUE):%H:%M}",
                        "url": f"{reverse('work:roll:index')}?class={klass.pk}",
                    },
                    dedup_key=f"roll-missing:{klass.pk}:{today.isoformat()}:{teacher.pk}",
                )
                written += 1
    return written
