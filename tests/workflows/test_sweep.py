"""The deadline sweep: reminders, overdue alerts and automatic escalation happen exactly once,
however the sweep is run."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from cases import clock
from cases.models import Case, CaseEvent, Role, Stage
from notifications.models import Message
from workflows import policies, services, sweep
from workflows.models import AlertKind, DeadlineAlert, StagePolicy
from workflows.services.staff import SYSTEM_USERNAME

from ..builders import case_in_stage

MONDAY = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=clock.TZ)


def at(days: float) -> datetime.datetime:
    return MONDAY + datetime.timedelta(days=days)


def home_visit_case(world):
    """A case whose home-visit stage started on MONDAY: remind Fri 11-20 08:00, due Mon 11-23."""
    case = case_in_stage(world, Stage.REPORTED)
    with clock.frozen(MONDAY):
        return services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])


def sent(template_key: str, **filters) -> int:
    return Message.objects.filter(template_key=template_key, **filters).count()


def test_reminder_before_the_deadline_then_overdue_alert(world):
    case = home_visit_case(world)
    teacher, district = world[Role.HOMEROOM_TEACHER], world[Role.DISTRICT_SUPERVISOR]
    with clock.frozen(at(3)):  # Thursday: nothing due yet
        assert sweep.sweep_deadlines() == sweep.SweepReport()
    with clock.frozen(at(4)):  # Friday 09:00: the reminder
        assert sweep.sweep_deadlines() == sweep.SweepReport(reminders=1)
    assert sent("case_reminder", recipient=teacher) >= 1
    with clock.frozen(at(8)):  # Tuesday after the deadline: owner and district supervisor
        assert sweep.sweep_deadlines() == sweep.SweepReport(overdue=1)
    assert sent("case_overdue", recipient=teacher) >= 1
    assert sent("case_overdue_supervisor", recipient=district) >= 1
    overdue = Message.objects.filter(template_key="case_overdue").first()
    assert overdue.context["days_overdue"] == 1  # due Monday night, swept Tuesday morning
    assert overdue.context["url"] == f"/work/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.stage == Stage.HOME_VISIT  # no automatic escalation by default


def test_twice_in_a_row_sends_each_thing_once(world):
    home_visit_case(world)
    with clock.frozen(at(4)):
        first = sweep.sweep_deadlines()
        second = sweep.sweep_deadlines()
    assert (first.reminders, second.reminders) == (1, 0)
    with clock.frozen(at(8)):
        assert sweep.sweep_deadlines().overdue == 1
        assert sweep.sweep_deadlines().overdue == 0
    for key in ("case_reminder", "case_overdue", "case_overdue_supervisor"):
        rows = Message.objects.filter(template_key=key)
        assert rows.exists()
        assert rows.values("recipient", "channel").distinct().count() == rows.count()
    assert DeadlineAlert.objects.count() == 2


def test_a_new_stage_gets_its_own_alerts(world):
    case = home_visit_case(world)
    with clock.frozen(at(8)):
        sweep.sweep_deadlines()
        case = services.case_reassign(
            case=case, by=world[Role.SCHOOL_OFFICER], owner=world[Role.SUBJECT_TEACHER], note="换人"
        )
    case.refresh_from_db()
    # Reassigning does not restart the stage: no new overdue alert.
    with clock.frozen(at(9)):
        assert sweep.sweep_deadlines().overdue == 0


class Killed(BaseException):
    """The process dying (SIGKILL, out of memory): nothing catches it."""


def test_run_that_dies_half_way_then_rerun(world, monkeypatch):
    cases = [home_visit_case(world) for _ in range(3)]
    real_notify = sweep.notify
    calls = {"n": 0}

    def dying_notify(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second case's reminder
            raise Killed
        return real_notify(**kwargs)

    monkeypatch.setattr(sweep, "notify", dying_notify)
    with clock.frozen(at(4)), pytest.raises(Killed):
        sweep.sweep_deadlines()
    assert DeadlineAlert.objects.count() == 1  # the first case committed; the second rolled back
    monkeypatch.setattr(sweep, "notify", real_notify)
    with clock.frozen(at(4)):
        assert sweep.sweep_deadlines().reminders == 2
    for case in cases:
        mine = Message.objects.filter(
            template_key="case_reminder", dedup_key__contains=f"-{case.pk}-"
        )
        assert mine.exists()
        assert mine.values("channel").distinct().count() == mine.count()
    assert DeadlineAlert.objects.filter(kind=AlertKind.REMINDER).count() == 3


def test_policy_escalates_automatically_once(world):
    policies.ensure_default_policies(world.county)
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.HOME_VISIT)
    policy.auto_escalate = True
    policy.save()  # a saved change is a new policy version
    case = home_visit_case(world)
    with clock.frozen(at(8)):
        report = sweep.sweep_deadlines()
        again = sweep.sweep_deadlines()
    assert (report.escalated, again.escalated) == (1, 0)
    case.refresh_from_db()
    assert case.stage == Stage.TOWNSHIP_PERSUASION
    assert case.owner == world[Role.TOWNSHIP_OFFICIAL]
    event = case.events.latest("id")
    assert (event.step, event.actor.username) == ("auto_escalate", SYSTEM_USERNAME)
    official = world[Role.TOWNSHIP_OFFICIAL]
    assert sent("case_escalated", recipient=official) >= 1
    assert sent("case_assigned", recipient=official) == 0  # one message, not two


def test_a_refused_escalation_keeps_the_overdue_alerts(world, monkeypatch, caplog):
    """The ladder may refuse the automatic step (here: a guard); the owner's alert still goes
    out, once, and the case waits where it is for a person to move it."""
    from workflows.errors import GuardFailed

    policies.ensure_default_policies(world.county)
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.HOME_VISIT)
    policy.auto_escalate = True
    policy.save()
    case = home_visit_case(world)

    def refuse(**kwargs):
        raise GuardFailed("no township official")

    monkeypatch.setattr(services, "case_auto_escalate", refuse)
    with clock.frozen(at(8)):
        report = sweep.sweep_deadlines()
        again = sweep.sweep_deadlines()
    assert (report.overdue, report.escalated, again.overdue) == (1, 0, 0)
    assert sent("case_overdue", recipient=world[Role.HOMEROOM_TEACHER]) == 1
    case.refresh_from_db()
    assert case.stage == Stage.HOME_VISIT
    kinds = set(DeadlineAlert.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == {AlertKind.OVERDUE, AlertKind.NOT_ESCALATED}  # settled: not asked again
    assert "Automatic escalation of case" in caplog.text
    assert "Deadline sweep failed" not in caplog.text


def test_many_overdue_cases_take_a_few_statements_and_a_failed_batch_goes_case_by_case(
    world, monkeypatch, caplog
):
    """The overdue pass claims and tells a whole batch at once; its statements do not grow with
    the cases. A batch that fails (here: writing its messages) rolls back whole, and its cases
    are then alerted one by one, so nothing is lost or sent twice."""
    from django.test.utils import CaptureQueriesContext

    from workflows import overdue

    few = [home_visit_case(world) for _ in range(2)]
    with clock.frozen(at(8)), CaptureQueriesContext(connection) as two:
        assert sweep.sweep_deadlines().overdue == 2
    for _ in range(8):
        home_visit_case(world)
    with clock.frozen(at(8)), CaptureQueriesContext(connection) as eight:
        assert sweep.sweep_deadlines().overdue == 8
    assert len(eight.captured_queries) == len(two.captured_queries)

    later = [home_visit_case(world) for _ in range(3)]
    real = overdue.notify_many

    def broken(notices):
        raise RuntimeError("a broken row")

    monkeypatch.setattr(overdue, "notify_many", broken)
    with clock.frozen(at(8)):
        assert sweep.sweep_deadlines().overdue == 3
    assert "taking them one by one" in caplog.text
    monkeypatch.setattr(overdue, "notify_many", real)
    for case in [*few, *later]:
        owner_alerts = Message.objects.filter(
            template_key="case_overdue", dedup_key__startswith=f"case-{case.pk}-"
        )
        assert owner_alerts.count() == 1
    with clock.frozen(at(8)):
        assert sweep.sweep_deadlines().overdue == 0


def test_an_escalation_that_failed_for_a_passing_reason_is_retried(world, monkeypatch):
    """The alert is committed with its batch; the escalation is its own transaction. When it
    fails for a reason that passes (a lock, a lost worker), the next pass escalates."""
    from django.db import OperationalError

    policies.ensure_default_policies(world.county)
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.HOME_VISIT)
    policy.auto_escalate = True
    policy.save()
    case = home_visit_case(world)
    real = services.case_auto_escalate

    def locked_out(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "case_auto_escalate", locked_out)
    with clock.frozen(at(8)):
        assert sweep.sweep_deadlines() == sweep.SweepReport(overdue=1)
    monkeypatch.setattr(services, "case_auto_escalate", real)
    with clock.frozen(at(8)):
        assert sweep.sweep_deadlines() == sweep.SweepReport(escalated=1)
        assert sweep.sweep_deadlines() == sweep.SweepReport()
    case.refresh_from_db()
    assert case.stage == Stage.TOWNSHIP_PERSUASION


def test_a_failing_case_does_not_stop_the_others(world, monkeypatch, caplog):
    cases = [home_visit_case(world) for _ in range(3)]
    real_notify = sweep.notify

    def flaky_notify(**kwargs):
        if kwargs["dedup_key"].startswith(f"case-{cases[0].pk}-"):
            raise RuntimeError("a broken row")
        return real_notify(**kwargs)

    monkeypatch.setattr(sweep, "notify", flaky_notify)
    with clock.frozen(at(4)):
        assert sweep.sweep_deadlines().reminders == 2
    assert "Deadline sweep failed" in caplog.text
    monkeypatch.setattr(sweep, "notify", real_notify)
    with clock.frozen(at(4)):
        assert sweep.sweep_deadlines().reminders == 1  # retried on the next pass


def test_overdue_goes_to_the_group_robot_when_one_is_set(world, settings):
    settings.WECOM_WEBHOOK_URL = "http://127.0.0.1:9/never-called"
    home_visit_case(world)
    with clock.frozen(at(8)):
        sweep.sweep_deadlines()
        sweep.sweep_deadlines()
    group = Message.objects.filter(recipient=None, template_key="case_overdue")
    assert group.count() == 1
    assert group.get().channel == "wecom"


def test_policy_change_after_the_stage_started_does_not_change_its_alerts(world):
    policies.ensure_default_policies(world.county)
    case = home_visit_case(world)
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.HOME_VISIT)
    policy.auto_escalate = True
    policy.save()  # a saved change is a new policy version
    with clock.frozen(at(8)):
        assert sweep.sweep_deadlines().escalated == 0
    case.refresh_from_db()
    assert case.stage == Stage.HOME_VISIT


def test_rolled_back_step_leaves_no_outbox_row(world):
    case = case_in_stage(world, Stage.REPORTED)
    before = Message.objects.count()

    def request_that_fails_after_the_step():
        with transaction.atomic():
            services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
            raise RuntimeError("something later in the request failed")

    with pytest.raises(RuntimeError):
        request_that_fails_after_the_step()
    assert Message.objects.count() == before
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_thing_once(world):
    for _ in range(5):
        home_visit_case(world)
    barrier = threading.Barrier(2)
    reports, failures = [], []

    def run():
        try:
            barrier.wait()
            with clock.frozen(at(8)):
                reports.append(sweep.sweep_deadlines())
        except Exception as error:  # collected for the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert sum(report.overdue for report in reports) == 5
    assert DeadlineAlert.objects.filter(kind=AlertKind.OVERDUE).count() == 5
    keys = list(Message.objects.values_list("dedup_key", "channel", "recipient"))
    assert len(keys) == len(set(keys))
    assert Case.objects.filter(stage=Stage.HOME_VISIT).count() == 5
