"""一人一案: a student's support plan, written by their homeroom teacher or the school's dropout
officer; each change is a history row naming who made it."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import StaffRole, Student, Subsidy, SupportPlan

from .roll import may_take_roll

MAY_NOT = _("Only the student's homeroom teacher or the school's dropout officer writes the plan.")
MENTOR_ELSEWHERE = _("The mentor must be a teacher of the student's school.")
REVIEW_FUTURE = _("The review date cannot be in the future.")


def may_plan(user, student: Student) -> bool:
    return may_take_roll(user, student.klass)


def mentors_for(student: Student):
    """Active staff serving the student's school or one of its classes."""
    school = student.school
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_roles__in=StaffRole.objects.filter(unit__path__startswith=school.path),
        )
        .distinct()
        .order_by("first_name", "username")
    )


@transaction.atomic
def plan_save(
    *,
    student: Student,
    by,
    measures: str,
    responsible: str,
    mentor=None,
    subsidies=(),
    reviewed_on: datetime.date | None = None,
) -> SupportPlan:
    if not may_plan(by, student):
        raise PermissionDenied(MAY_NOT)
    if mentor is not None and not mentors_for(student).filter(pk=mentor.pk).exists():
        raise ValidationError({"mentor": MENTOR_ELSEWHERE})
    # The student locked: two people saving the first plan at once queue up.
    Student.objects.select_for_update(of=("self",)).filter(pk=student.pk).first()
    reviewed_on = reviewed_on or clock.today()
    if reviewed_on > clock.today():
        raise ValidationError({"reviewed_on": REVIEW_FUTURE})
    plan = SupportPlan.objects.filter(student=student).first() or SupportPlan(student=student)
    plan.measures, plan.responsible, plan.mentor = measures, responsible, mentor
    plan.subsidies = [code for code in subsidies if code in Subsidy.values]
    plan.reviewed_on, plan.updated_by = reviewed_on, by
    plan.full_clean()
    plan._history_user = by
    plan.save()
    return plan
