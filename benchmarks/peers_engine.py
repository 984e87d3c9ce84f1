"""The project's engine for the side-by-side harness in ../shared/bench (its README says how to
run it). Each step goes through the real service, as a form post would: the case's number and
the stage and version the user saw, the acting user; the service locks, checks the role, the
stage and the guards, sets owner and deadline from the stage policy and the working-day
calendar, saves once (one history row), writes the chained event and the new owner's outbox
row. Outbox rows are left for the periodic delivery (a broker's shape: the step sends nothing).

Seeding (untimed) builds one county with a school and a class, the harness's 20 actors (each
the school's dropout officer and the official of a township of their own, where the children
live whose order they serve, so that each may take the steps the harness gives it), a homeroom
teacher, a subject teacher and a county supervisor, and opens every case through the service;
the contacts the guards ask for (a home visit with the subject teacher, a joint visit at the
township) are recorded beforehand. The follow-up must last 8 weeks before a case may close:
the closing step runs with the project's clock 57 days on.
"""

import datetime

try:  # the harness's ladder and boot, when run by ../shared/bench
    from common import ladder
    from common.djangoboot import boot, migrate, package_versions
except ImportError:  # the smoke test in the project's own suite (tests/project)
    from . import ladder_contract as ladder

    boot = migrate = package_versions = None

SETTINGS = "benchmarks.settings"
VARIANTS = ("services",)

# The harness's step number -> the service and its inputs.
STEPS = {
    1: "case_report",
    2: "case_start_home_visit",
    3: "case_escalate",
    4: "case_order_enforcement",
    5: "case_mark_returned",
    6: "case_start_followup",
    7: "case_close",
}


def describe(variant):
    return {
        "persists_per_step": [
            "SELECT case FOR UPDATE (the case row only)",
            "the role from the actor's unit grants and case grant; the FSM's stage; the guards",
            "owner and deadline from the county's stage policy and working-day calendar",
            "UPDATE case (one history row, simple-history)",
            "INSERT case event, HMAC-chained to the previous one",
            "owner grant moved (django-guardian rows)",
            "INSERT outbox row for the new owner (when the owner changes)",
        ],
        "versions": package_versions(
            "Django", "django-fsm-2", "django-simple-history", "django-guardian", "psycopg"
        ),
        "notes": "workflows.services through the step registry's services; permission, "
        "guards, stage policy, working-day deadline, hash chain. Owners come from the stage "
        "policy, not from the harness's owner_for.",
    }


def _boot(dsn):
    boot(SETTINGS, dsn)


def prepare(dsn, variant):
    _boot(dsn)
    migrate()


def _unit(kind, name, code, parent=None):
    from cases.models import Unit

    unit = Unit(kind=kind, name=name, code=code, parent=parent)
    unit.save()
    return unit


def _staff(username, roles):
    from django.contrib.auth import get_user_model

    from cases.models import StaffRole
    from workflows import services

    user = get_user_model().objects.create(username=username, first_name=username)
    for role, unit in roles:
        services.staff_role_save(staff_role=StaffRole(user=user, role=role, unit=unit))
    return user


def seed(dsn, variant, n_cases):
    _boot(dsn)
    return seed_cases(n_cases)


def seed_cases(n_cases: int) -> list[int]:
    """The organisation, the actors and `n_cases` opened cases, in the configured database."""
    from django.db import transaction

    from cases import chain, clock
    from cases.models import Contact, Gender, Role, SchoolType, Student, UnitKind
    from workflows import policies, services

    with transaction.atomic():
        county = _unit(UnitKind.COUNTY, "基准县", "B")
        district = _unit(UnitKind.DISTRICT, "基准学区", "B-D", county)
        school = _unit(UnitKind.SCHOOL, "基准小学", "B-D-S", district)
        school.school_type = SchoolType.PRIMARY
        school.save()
        grade = _unit(UnitKind.GRADE, "五年级", "B-D-S-G5", school)
        klass = _unit(UnitKind.CLASS, "五年级(1)班", "B-D-S-G5-C1", grade)
        # One township per actor: each actor is the official of their own township, and the
        # case of child i lives in the township of the actor who orders enforcement on it.
        townships = {
            k: _unit(UnitKind.TOWNSHIP, f"基准镇{k}", f"B-T{k}", county)
            for k in range(1, ladder.N_ACTORS + 1)
        }
        villages = {
            k: _unit(UnitKind.VILLAGE, f"基准村{k}", f"B-T{k}-V", township)
            for k, township in townships.items()
        }
        policies.ensure_default_policies(county)
        actors = [
            _staff(
                f"actor{k}",
                [(Role.SCHOOL_OFFICER, school), (Role.TOWNSHIP_OFFICIAL, townships[k])],
            )
            for k in range(1, ladder.N_ACTORS + 1)
        ]
        teacher = _staff("homeroom", [(Role.HOMEROOM_TEACHER, klass)])
        subject = _staff("subject", [(Role.SUBJECT_TEACHER, school)])
        _staff("county", [(Role.COUNTY_SUPERVISOR, county)])
    keys = []
    yesterday = clock.today() - datetime.timedelta(days=1)
    for i in range(n_cases):
        with transaction.atomic():
            student = Student(
                name=f"学生{i}",
                gender=Gender.MALE,
                birth_date=datetime.date(2014, 1, 1) + datetime.timedelta(days=i // 1000),
                id_number=_id_number(i),
                student_no=f"B{i:08d}",
                klass=klass,
                residence_township=townships[ladder.actor_for(i, 4)],
                residence_village=villages[ladder.actor_for(i, 4)],
            )
            student.save()
            case = services.case_open(student=student, by=teacher, last_seen_on=yesterday)
            for stage, kind, by, others in (
                ("home_visit", "home_visit", teacher, [subject]),
                ("township_persuasion", "joint_visit", actors[ladder.actor_for(i, 4) - 1], []),
            ):
                contact = Contact(
                    case=case,
                    stage=stage,
                    kind=kind,
                    occurred_on=yesterday,
                    place="学生家中",
                    guardian_attitude="hesitant",
                    result="家长同意考虑",
                    recorded_by=by,
                    recorded_at=clock.now(),
                )
                chain.seal_contact(contact)
                contact.save()
                contact.participants.set([by, *others])
        keys.append(case.pk)
    return keys


def _id_number(i: int) -> str:
    """A valid GB 11643 number, unique per i (a birth day per thousand children)."""
    born = datetime.date(2014, 1, 1) + datetime.timedelta(days=i // 1000)
    body = f"340422{born:%Y%m%d}{i % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


class _Worker:
    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.db import connection

        users = get_user_model().objects
        # the acting user, as request.user is already loaded in a view
        self.actors = {i: users.get(username=f"actor{i}") for i in range(1, ladder.N_ACTORS + 1)}
        self.tutor = users.get(username="homeroom")
        self.versions = {}
        connection.ensure_connection()

    def step(self, key, case_index, step):
        from cases import clock
        from cases.models import Case
        from workflows import services

        from_stage, to_stage = ladder.transition(step)
        # what the form post carries: the case's number, the stage and version the user saw
        seen = Case(pk=key, stage=from_stage, version=self.versions.get(key, 1))
        actor = self.actors[ladder.actor_for(case_index, step)]
        inputs = {
            1: {"reasons": ["weary"], "whereabouts": "在家"},
            4: {"days": 10},
            5: {"returned_on": clock.today()},
            6: {"tutor": self.tutor},
        }.get(step, {})
        service = getattr(services, STEPS[step])
        if step == 7:
            with clock.frozen(clock.now() + datetime.timedelta(days=57)):
                moved = service(case=seen, by=actor, **inputs)
        else:
            moved = service(case=seen, by=actor, **inputs)
        if moved.stage != to_stage:
            raise RuntimeError(f"case {key} is {moved.stage}, expected {to_stage}")
        self.versions[key] = moved.version

    def close(self):
        from django.db import connection

        connection.close()


def open_worker(dsn, variant, worker_id):
    _boot(dsn)
    return _Worker()


def verify(dsn, variant, case_keys):
    _boot(dsn)
    return verify_cases(case_keys)


def verify_cases(case_keys: list[int]) -> dict:
    """Every case closed, one event per step by the harness's actor, the chains whole."""
    from django.contrib.auth import get_user_model

    from cases import chain
    from cases.models import Case, CaseEvent
    from notifications.models import Message

    n = len(case_keys)
    actor_ids = dict(
        get_user_model().objects.filter(username__startswith="actor").values_list("username", "pk")
    )
    assert Case.objects.filter(pk__in=case_keys, stage="closed").count() == n, "not all closed"
    events = ladder.check_events(
        CaseEvent.objects.exclude(step="open").values_list(
            "case_id", "from_stage", "to_stage", "actor_id"
        ),
        case_keys,
        lambda index: actor_ids[f"actor{index}"],
    )
    history = Case.history.model.objects
    step_rows = history.filter(history_type="~").count()
    assert step_rows == n * ladder.N_STEPS, step_rows
    broken = chain.verify()
    assert broken == [], broken[:5]
    return {
        "cases_closed": n,
        "events": events,
        "history_rows": history.count(),
        "history_rows_from_steps": step_rows,
        "outbox_rows": Message.objects.count(),
        "audit_chain_broken": len(broken),
    }
