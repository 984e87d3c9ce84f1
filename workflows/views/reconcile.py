"""四查三比对: the township's 户籍 lists against the roll. Children of compulsory-school age
living here on no roll anywhere (适龄未入学), and students of 脱贫户 households with an open
case; students on the roll who have been away for weeks with no case (名在人不在), from the
daily roll."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cases import clock, selectors
from cases.access import grants_of
from cases.masking import mask_id_number
from cases.models import HouseholdChild, PoorHousehold, Role, Stage, Student

from ..attendance import overview

# The townships keep the 户籍 lists; the county compares them all.
RECONCILE_ROLES = frozenset({Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR})
SCHOOL_AGE = (6, 15)  # 义务教育: from six to the end of the ninth year
SHOWN = 200


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def born_between(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Birth dates of children aged 6 to 15 on `today`."""
    youngest, oldest = SCHOOL_AGE
    latest = years_before(today, youngest)
    earliest = years_before(today, oldest + 1) + datetime.timedelta(days=1)
    return earliest, latest


def unenrolled(user):
    """Children on the 户籍 lists of the townships in reach, of school age, on no roll."""
    under = Q(pk__in=[])
    for grant in grants_of(user):
        if grant.role in RECONCILE_ROLES:
            under |= Q(township__path__startswith=grant.unit.path)
    earliest, latest = born_between(clock.today())
    return (
        HouseholdChild.objects.filter(
            under, birth_date__range=(earliest, latest), delisted_at__isnull=True
        )
        .exclude(id_number_digest__in=Student.objects.values("id_number_digest"))
        .select_related("township", "village")
        .order_by("township__path", "village__name", "name")
    )


@method_decorator([login_required, never_cache], name="dispatch")
class ReconcileView(TemplateView):
    template_name = "workflows/reconcile.html"
    roles = RECONCILE_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not selectors.roles_of(request.user) & self.roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        children = unenrolled(user)
        per_township = (
            children.order_by()
            .values("township_id", "township__name")
            .annotate(count=Count("pk"))
            .order_by("township__name")
        )
        poor = (
            selectors.cases_in_reach(user)
            .exclude(stage=Stage.CLOSED)
            .filter(student__poor_household=PoorHousehold.REGISTERED_POOR)
            .order_by("school__path", "student__name")
        )
        rows = [(child, mask_id_number(child.id_number)) for child in children[:SHOWN]]
        return {
            **super().get_context_data(**kwargs),
            "per_township": per_township,
            "unenrolled": rows,
            "unenrolled_count": children.count(),
            "poor_cases": poor[:SHOWN],
            "absent": overview.absent_without_case(
                selectors.students_in_reach(user), clock.today()
            )[:SHOWN],
            "absent_days": overview.ABSENT_FOR_WEEKS,
            "weeks": overview.WEEKS,
            "shown": SHOWN,
        }
