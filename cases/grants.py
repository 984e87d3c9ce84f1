"""Keeping the guardian grants in step with staff roles and case owners.

Called by StaffRole.save/delete and by the services when a case changes owner; `grants_sync`
rebuilds everything from the records (after a bulk load, or to repair).
"""

import functools

from django.db import transaction
from django.db.models import Exists
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from guardian.shortcuts import assign_perm, remove_perm

from .models import Case, CaseUserObjectPermission, StaffRole, Stage, UnitUserObjectPermission

OWN_CASE = "cases.own_case"


def serve_permission(role: str) -> str:
    return f"cases.serve_{role}"


def role_granted(staff_role: StaffRole) -> None:
    assign_perm(serve_permission(staff_role.role), staff_role.user, staff_role.unit)


def role_revoked(*, user, role: str, unit) -> None:
    remove_perm(serve_permission(role), user, unit)


@functools.cache
def own_case_permission_id() -> int:
    """The id of `cases.own_case` (read once per process; a flush or migrate forgets it)."""
    from django.contrib.auth.models import Permission

    return Permission.objects.get(codename="own_case", content_type__app_label="cases").pk


@receiver(post_migrate)
def _forget_permission_ids(**_signal) -> None:
    own_case_permission_id.cache_clear()


def owner_changed(case: Case, *, previous_owner=None) -> None:
    """The previous owner loses the case's grant, the new one gets it, in the caller's
        transaction: a reassignment changes who may act at once. `previous_owner` is a user or
    its id. One statement: the grant row
        moves to the new owner (only the owner holds it, `grants_sync` keeps it so)."""
    previous_id = getattr(previous_owner, "pk", previous_owner)  # a user or a user's id
    if previous_id == case.owner_id:
        return
    grants = CaseUserObjectPermission.objects.filter(
        content_object_id=case.pk, permission_id=own_case_permission_id()
    )
    if previous_id is not None:
        held = grants.filter(user_id=previous_id)
        if case.owner_id is None:
            held.delete()
            return
        already = grants.filter(user_id=case.owner_id)
        if held.filter(~Exists(already)).update(user_id=case.owner_id):
            return
        held.delete()  # grants out of step (the new owner held one already): set them right
    if case.owner_id is not None:
        CaseUserObjectPermission.objects.bulk_create(
            [
                CaseUserObjectPermission(
                    content_object_id=case.pk,
                    permission_id=own_case_permission_id(),
                    user_id=case.owner_id,
                )
            ],
            ignore_conflicts=True,
        )


@transaction.atomic
def grants_sync() -> tuple[int, int]:
    """Make the grants exactly what the records say: every staff role its unit grant, every open
    case's owner the case grant, and nothing else. Idempotent. Returns (added, removed)."""
    from django.contrib.auth.models import Permission

    unit_perms = {p.codename: p for p in Permission.objects.filter(codename__startswith="serve_")}
    wanted_units = {
        (user_id, f"serve_{role}", unit_id)
        for user_id, role, unit_id in StaffRole.objects.values_list("user_id", "role", "unit_id")
    }
    unit_rows = UnitUserObjectPermission.objects.filter(permission__codename__startswith="serve_")
    have_units = {
        (user_id, codename, unit_id): pk
        for pk, user_id, codename, unit_id in unit_rows.values_list(
            "pk", "user_id", "permission__codename", "content_object_id"
        )
    }
    UnitUserObjectPermission.objects.bulk_create(
        UnitUserObjectPermission(
            user_id=user_id, permission=unit_perms[codename], content_object_id=unit_id
        )
        for user_id, codename, unit_id in wanted_units - set(have_units)
    )
    stale_units = [pk for key, pk in have_units.items() if key not in wanted_units]
    UnitUserObjectPermission.objects.filter(pk__in=stale_units).delete()

    own = Permission.objects.get(codename="own_case", content_type__app_label="cases")
    wanted_cases = set(
        Case.objects.exclude(stage=Stage.CLOSED).exclude(owner=None).values_list("owner_id", "pk")
    )
    have_cases = {
        (user_id, case_id): pk
        for pk, user_id, case_id in CaseUserObjectPermission.objects.filter(
            permission=own
        ).values_list("pk", "user_id", "content_object_id")
    }
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(user_id=user_id, permission=own, content_object_id=case_id)
        for user_id, case_id in wanted_cases - set(have_cases)
    )
    stale_cases = [pk for key, pk in have_cases.items() if key not in wanted_cases]
    CaseUserObjectPermission.objects.filter(pk__in=stale_cases).delete()
    added = len(wanted_units - set(have_units)) + len(wanted_cases - set(have_cases))
    return added, len(stale_units) + len(stale_cases)
