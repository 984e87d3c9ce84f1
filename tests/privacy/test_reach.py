"""Reach comes from django-guardian grants: on units for roles, on cases for assignees. A
reassignment or a hand-over changes who may act at once."""

import pytest
from guardian.shortcuts import get_perms

from cases import selectors
from cases.access import roles_on
from cases.models import Role, StaffRole, Stage, UnitUserObjectPermission
from workflows import services
from workflows.errors import StepForbidden

from .. import factories
from ..builders import case_in_stage


def fresh(user):
    """The same user without the per-request caches of grants."""
    return type(user).objects.get(pk=user.pk)


def test_a_staff_role_is_a_grant_on_its_unit(world):
    teacher = world[Role.HOMEROOM_TEACHER]
    assert get_perms(teacher, world.klass) == ["serve_homeroom_teacher"]
    assert UnitUserObjectPermission.objects.filter(user=teacher).count() == 1


def test_ending_a_role_removes_the_reach_at_once(world):
    case = case_in_stage(world, Stage.HOME_VISIT)  # owned by the homeroom teacher
    teacher = world[Role.HOMEROOM_TEACHER]
    assert selectors.cases_in_reach(fresh(teacher)).filter(pk=case.pk).exists()

    services.staff_role_end(staff_role=StaffRole.objects.get(user=teacher))

    assert not selectors.cases_in_reach(fresh(teacher)).filter(pk=case.pk).exists()
    assert roles_on(fresh(teacher), case) == set()
    case.refresh_from_db()
    assert case.owner == world[Role.SCHOOL_OFFICER]  # the policy's fallback owner
    event = case.events.latest("id")
    assert (event.step, event.actor.username) == ("reassign", "system")
    assert get_perms(world[Role.SCHOOL_OFFICER], case) == ["own_case"]


def test_moving_a_role_to_another_class_moves_the_grant(world):
    teacher = world[Role.HOMEROOM_TEACHER]
    other_class = factories.ClassFactory(parent=world.klass.parent, name="五年级(2)班")
    role = StaffRole.objects.get(user=teacher)
    role.unit = other_class
    services.staff_role_save(staff_role=role)
    assert get_perms(teacher, world.klass) == []
    assert get_perms(teacher, other_class) == ["serve_homeroom_teacher"]


def test_reassignment_moves_the_owner_grant_at_once(world):
    case = case_in_stage(world, Stage.TUTORING_FOLLOWUP)
    tutor, teacher = world[Role.SUBJECT_TEACHER], world[Role.HOMEROOM_TEACHER]
    assert get_perms(tutor, case) == ["own_case"]
    moved = services.case_reassign(
        case=case, by=world[Role.SCHOOL_OFFICER], owner=teacher, note="帮扶教师调离"
    )
    assert get_perms(tutor, moved) == []
    assert get_perms(teacher, moved) == ["own_case"]
    # The tutor could reopen the case as its owner; not any more.
    with pytest.raises(StepForbidden):
        services.case_relapse(case=moved, by=fresh(tutor), note="又缺课了")


def test_hand_over_to_another_township_changes_who_may_act(world):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    new_township = factories.TownshipFactory(parent=world.county, name="新镇")
    new_official = factories.UserFactory(username="new_official")
    factories.StaffRoleFactory(user=new_official, role=Role.TOWNSHIP_OFFICIAL, unit=new_township)
    old_official = world[Role.TOWNSHIP_OFFICIAL]

    moved = services.case_hand_over(
        case=case, by=old_official, township=new_township, note="全家迁往新镇"
    )

    assert (moved.township, moved.owner) == (new_township, new_official)
    assert selectors.township_queue(fresh(new_official)).filter(pk=case.pk).exists()
    assert not selectors.cases_in_reach(fresh(old_official)).filter(pk=case.pk).exists()
    with pytest.raises(StepForbidden):
        services.case_order_enforcement(case=moved, by=fresh(old_official), days=7)
    event = moved.events.latest("id")
    assert (event.step, event.actor) == ("hand_over", old_official)


def test_sync_makes_grants_match_the_records(world, elsewhere):
    from guardian.shortcuts import assign_perm

    from cases.grants import grants_sync

    stray = elsewhere[Role.HOMEROOM_TEACHER]
    assign_perm("cases.serve_county_supervisor", stray, world.county)  # no staff role backs it
    case = case_in_stage(world, Stage.HOME_VISIT)
    assign_perm("cases.own_case", stray, case)  # not the owner
    UnitUserObjectPermission.objects.filter(user=world[Role.HOMEROOM_TEACHER]).delete()

    assert grants_sync() == (1, 2)
    assert grants_sync() == (0, 0)
    assert get_perms(stray, world.county) == []
    assert get_perms(stray, case) == []
    assert get_perms(world[Role.HOMEROOM_TEACHER], world.klass) == ["serve_homeroom_teacher"]


def test_a_tutor_from_another_class_keeps_the_child_until_they_leave_the_school(world):
    """The tutor (一帮一) may teach another class and reach the case only as its owner. Ending
    one of their roles while they still work at the school changes nothing; leaving the school
    ends the tutoring, and the case goes to the homeroom teacher, recorded once."""
    other_class = factories.ClassFactory(parent=world.klass.parent, name="五年级(2)班")
    tutor = factories.UserFactory(username="tutor-b")
    homeroom = services.staff_role_save(
        staff_role=StaffRole(user=tutor, role=Role.HOMEROOM_TEACHER, unit=other_class)
    )
    subject = services.staff_role_save(
        staff_role=StaffRole(user=tutor, role=Role.SUBJECT_TEACHER, unit=other_class)
    )
    case = case_in_stage(world, Stage.RETURNED)
    case = services.case_start_followup(case=case, by=world[Role.SCHOOL_OFFICER], tutor=tutor)
    assert (case.owner, case.tutor) == (tutor, tutor)
    events = case.events.count()

    services.staff_role_end(staff_role=subject)
    case.refresh_from_db()
    assert (case.owner, case.tutor, case.events.count()) == (tutor, tutor, events)

    services.staff_role_end(staff_role=homeroom)
    case.refresh_from_db()
    assert (case.owner, case.tutor) == (world[Role.HOMEROOM_TEACHER], None)
    assert case.events.count() == events + 1
    assert case.events.latest("id").owner == world[Role.HOMEROOM_TEACHER]


def test_a_step_sets_grants_right_when_they_were_out_of_step(world):
    """The new owner already holding the case's grant (a bulk load, a repair half done) does
    not fail the step: the previous owner's grant goes and the new owner keeps one."""
    from guardian.shortcuts import assign_perm

    from cases.grants import OWN_CASE

    case = case_in_stage(world, Stage.REPORTED)  # owned by the school officer
    assign_perm(OWN_CASE, world[Role.HOMEROOM_TEACHER], case)
    moved = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    assert moved.owner == world[Role.HOMEROOM_TEACHER]
    assert get_perms(world[Role.SCHOOL_OFFICER], moved) == []
    assert get_perms(world[Role.HOMEROOM_TEACHER], moved) == ["own_case"]
