"""Keeping the guardian grants in step with staff roles and case owners.

Called by StaffRole.save/delete and by the services when a case changes owner; `grants_sync`
rebuilds everything from the records (after a bulk load, or to repair).
"""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from .models import Case, CaseUserObjectPermission, StaffRole, Stage, UnitUserObjectPermission

OWN_CASE = "cases.own_case"


def serve_permission(role: str) -> str:
    return f"cases.serve_{role}"


def role_granted(staff_role: StaffRole) -> None:
    assign_perm(serve_permission(staff_role.role), staff_role.user, staff_role.unit)


def role_revoked(*, user, role: str, unit) -> None:
    remove_perm(serve_permission(role), user, unit)


def owner_changed(case: Case, *, previous_owner=None) -> None:
    """The previous owner loses the case's grant, the new one gets it, in the caller's
    transaction: a reassignment changes who may act at once."""
    if previous_owner is not None and previous_owner != case.owner:
        remove_perm(OWN_CASE, previous_owner, case)
    if case.owner is not None:
        assign_perm(OWN_CASE, case.owner, case)


@transaction.atomic
def grants_sync() -> int:
    """Grant every staff role and every open case's owner; idempotent. Returns rows added."""
    from django.contrib.auth.models import Permission

    added = 0
    unit_perms = {p.codename: p for p in Permission.objects.filter(codename__startswith="serve_")}
    have = set(
        UnitUserObjectPermission.objects.values_list(
            "user_id", "permission__codename", "content_object_id"
        )
    )
    missing = [
        UnitUserObjectPermission(
            user_id=role.user_id,
            permission=unit_perms[f"serve_{role.role}"],
            content_object_id=role.unit_id,
        )
        for role in StaffRole.objects.all()
        if (role.user_id, f"serve_{role.role}", role.unit_id) not in have
    ]
    UnitUserObjectPermission.objects.bulk_create(missing)
    added += len(missing)
    own = Permission.objects.get(codename="own_case", content_type__app_label="cases")
    owned = set(CaseUserObjectPermission.objects.values_list("user_id", "content_object_id"))
    missing_cases = [
        CaseUserObjectPermission(user_id=owner_id, permission=own, content_object_id=case_id)
        for case_id, owner_id in Case.objects.exclude(stage=Stage.CLOSED)
        .exclude(owner=None)
        .values_list("pk", "owner_id")
        if (owner_id, case_id) not in owned
    ]
    CaseUserObjectPermission.objects.bulk_create(missing_cases)
    return added + len(missing_cases)
