"""The permission matrix: every URL pattern of the project × every role and a signed-out visitor
× an object in reach and one out of reach × GET and POST.

The rule (DESIGN.md, "Access"):

- signed out → the login page (302), except on the login and language pages themselves;
- out of reach (an object of the `outside` county, asked for by an `inside` user) → 404, GET and
  POST, every role, whatever the view: nobody learns that the object exists;
- in reach but the role may not do it → 403;
- in reach and allowed → the page (200), or a redirect the view makes by design (written out
  per cell).

`KNOWN` holds a rule for every URL of the project; a URL it does not know fails
`test_every_url_has_a_rule`, so a new page cannot ship without one. A cell where the app
answers otherwise than the rule is a strict xfail that names what the app does and where: the
cell still checks that the app does exactly that (any other answer fails), and fixing the app
turns it into an XPASS failure that asks for the table to be updated.

Every POST cell also checks that it changed nothing (cases, events, contacts, access log,
outbox, inbox reads) unless the cell says it writes; POSTs that would take a step when allowed
send an invalid body (422) or are only sent by roles that are refused.

The Django admin has one rule of its own (`TestAdmin`). The data is built once per module, in a
transaction rolled back at the end; every cell runs in a savepoint of its own.
"""

import dataclasses
import datetime
import io
from collections.abc import Callable

import openpyxl
import PIL.Image
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from cases import audit, clock
from cases.models import (
    AccessLog,
    Case,
    CaseEvent,
    Contact,
    DocumentKind,
    Role,
    StaffPhone,
    Stage,
)
from notifications.models import DingTalkRobot, InboxItem, Message, RecipientSettings
from workflows import services
from workflows.figures import monthly
from workflows.models import CalendarDay, StagePolicy
from workflows.notices import issuing, serving
from workflows.roster import importing as roster_importing
from workflows.roster.reach import ROSTER_ROLES
from workflows.views.attendance import OVERVIEW_ROLES, RISK_ROLES, ROLL_ROLES
from workflows.views.reconcile import RECONCILE_ROLES
from workflows.views.registers import REGISTER_ROLES

from .. import factories
from ..builders import case_in_stage
from ..conftest import World, build_world

ANON = "anonymous"
HT = Role.HOMEROOM_TEACHER
ST = Role.SUBJECT_TEACHER
SO = Role.SCHOOL_OFFICER
TO = Role.TOWNSHIP_OFFICIAL
VC = Role.VILLAGE_CADRE
DS = Role.DISTRICT_SUPERVISOR
CS = Role.COUNTY_SUPERVISOR
ROLES = tuple(Role.values)
PERSONAS = (ANON, *ROLES)
# A school officer who also holds cases.view_identity: the only persona allowed to unmask.
UNMASKER = "school_officer+view_identity"

GET, POST, POST_VALID = "GET", "POST", "POST-valid"  # POST: an empty or invalid body
IN, OUT, NO_OBJECT = "in", "out", "-"
INSIDE_MARK, OUTSIDE_MARK = "本县", "外县"  # student names start with these; no page shows 外县
UNVISITED = "home_visit_unvisited"  # a home-visit case with no visit on record yet
TODAY = "today"


# Where the app disagrees with the rule: the reason of each strict xfail (where, what the app
# does). None of them shows anything of an object out of reach.

# viewflow's _IndexRedirectView (the site root and /work/) redirects everyone to the first menu
# page without asking for a sign-in; the next hop sends a signed-out visitor to the login page.
INDEX_WITHOUT_LOGIN = "viewflow/urls/base.py _IndexRedirectView: no sign-in asked"
# Django 5's LogoutView accepts POST only: 405 for a GET from anyone; nothing to protect.
LOGOUT_GET = "django.contrib.auth.views.LogoutView: POST only, 405 before any sign-in question"


# Expectations ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Expect:
    """What a cell must answer. `to`: where a redirect goes, "login", "case" (the object's case
    page) or a literal URL prefix. `app`: what the app answers instead, with the reason (a strict
    xfail). `writes`: the POST may change data (the no-change check is skipped)."""

    status: int
    to: str | None = None
    app: "Expect | None" = None
    reason: str = ""
    writes: bool = False

    def but(self, status: int, reason: str, to: str | None = None) -> "Expect":
        return dataclasses.replace(self, app=Expect(status, to), reason=reason)


OK = Expect(200)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
NO_METHOD = Expect(405)
INVALID = Expect(422)
CONFLICT = Expect(409)  # a step the case's stage does not offer (workflows.errors.Outcome)
TO_LOGIN = Expect(302, "login")
BACK_TO_CASE = Expect(302, "case")


def by_role(allowed, yes: Expect, no: Expect) -> dict[str, Expect]:
    return {role: yes if role in allowed else no for role in (*ROLES, UNMASKER)}


def table(**by_method) -> Callable[[str, str], Expect | None]:
    """Cells of a page from {method: Expect, or {persona: Expect}}; a missing cell is None."""

    def cells(persona: str, method: str) -> Expect | None:
        value = by_method.get(method.replace("-", "_"))
        return value.get(persona) if isinstance(value, dict) else value

    return cells


@dataclasses.dataclass(frozen=True)
class Variant:
    """One way to call a URL: its object (the same kind in and out of reach), its bodies, and
    the expectation for a signed-in persona on the object in reach (or on the page when it has
    no object). Out of reach is always 404; signed out is `anonymous`."""

    label: str
    url: Callable[["Side", str], str]  # (side, persona) -> URL
    cells: Callable[[str, str], Expect | None]  # (persona, method) -> Expect, None: no cell
    objects: bool = True
    methods: tuple[str, ...] = (GET, POST, POST_VALID)
    body: Callable[["Side", str, str], dict] = lambda side, persona, method: {}
    anonymous: Callable[[str], Expect] = lambda method: TO_LOGIN
    personas: tuple[str, ...] = PERSONAS
    case: Callable[["Side"], Case] | None = None  # for redirects "to": "case"


def page(name: str, **kwargs) -> Callable[["Side", str], str]:
    return lambda side, persona: reverse(name, **kwargs)


def import_url(name: str) -> Callable[["Side", str], str]:
    """A roster import's page: the persona's own import (in reach), or one of the other
    county's user in the same role (out); signed out, the homeroom teacher's."""
    return lambda side, persona: reverse(
        name, args=[side.imports[HT if persona in (ANON, UNMASKER) else persona]]
    )


def case_url(name: str, key: str, *extra) -> Callable[["Side", str], str]:
    return lambda side, persona: reverse(name, args=[side.cases[key].pk, *extra])


# Step pages: who may take the step on the case (200), who may but not now (302 to the case
# page), everyone else 403.


def step_cells(*, may=(), not_now=(), blocked=()):
    """`not_now`: the stage does not offer the step (409); `blocked`: a guard of the record
    refuses it (422)."""

    def cells(persona: str, method: str) -> Expect | None:
        if persona in may:
            return {GET: OK, POST: INVALID, POST_VALID: None}[method]  # valid POST would act
        if persona in not_now:
            return {GET: BACK_TO_CASE, POST: INVALID, POST_VALID: CONFLICT}[method]
        if persona in blocked:
            return {GET: BACK_TO_CASE, POST: INVALID, POST_VALID: INVALID}[method]
        return FORBIDDEN

    return cells


def step(step_name: str, key: str, **rule) -> Variant:
    def body(side: "Side", persona: str, method: str) -> dict:
        """POST: nothing (every step form needs seen_stage: 422). POST-valid: a body that every
        step form accepts (each takes its own fields); the service decides."""
        if method == POST:
            return {}
        return {
            "seen_stage": side.cases[key].stage,
            "note": "矩阵测试",
            "reasons": "weary",
            "whereabouts": "在家",
            "days": "10",
            "returned_on": TODAY,
            "tutor": side.world[ST].pk,  # a teacher of the school
            "reason": "moved_out",
            "dismissal_reason": "sick_leave",
            "owner": side.world[SO].pk,  # not the owner of any case the variants use
        }

    return Variant(
        label=f"{step_name}@{key}",
        url=case_url("work:case_step", key, step_name),
        cells=step_cells(**rule),
        body=body,
        case=lambda side: side.cases[key],
    )


CONTACT_BODY = {
    "kind": "home_visit",
    "occurred_on": TODAY,
    "guardian_attitude": "hesitant",
    "result": "家长同意考虑",
}
CONTACT_ROLES = {HT, ST, SO, TO, VC}
STUDENT_PAGE_ROLES = {HT, ST, SO, DS, CS}


def contact(key: str, cells) -> Variant:
    return Variant(
        label=key,
        url=case_url("work:case_contact", key),
        cells=cells,
        body=lambda side, persona, method: dict(CONTACT_BODY) if method == POST_VALID else {},
        case=lambda side: side.cases[key],
    )


INBOX = reverse("work:inbox:index")


def own_item(side: "Side", persona: str) -> str:
    return str(side.items[HT if persona == ANON else persona])


KNOWN: dict[str, tuple[Variant, ...]] = {
    # The health check answers anyone, signed in or not, with "ok" alone (tests/project).
    "healthz": (
        Variant(
            "",
            page("healthz"),
            table(GET=OK, POST=NO_METHOD),
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: OK if method == GET else NO_METHOD,
        ),
    ),
    "login": (
        Variant(
            "",
            page("login"),
            table(GET=OK, POST=OK),  # an empty sign-in form comes back with its errors
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: OK,
        ),
    ),
    "logout": (
        Variant(
            "",
            page("logout"),
            table(GET=NO_METHOD, POST=TO_LOGIN),
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: TO_LOGIN.but(405, LOGOUT_GET) if method == GET else TO_LOGIN,
        ),
    ),
    "favicon": (
        Variant(
            "",
            page("favicon"),
            table(GET=Expect(301, "/static/"), POST=Expect(301, "/static/")),
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: Expect(301, "/static/"),
        ),
    ),
    # The menu's link to the admin: staff only (no persona here is staff).
    "work:admin:index": (
        Variant(
            "",
            page("work:admin:index"),
            table(GET=FORBIDDEN, POST=FORBIDDEN),
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: TO_LOGIN,
        ),
    ),
    "set_language": (
        Variant(
            "",
            page("set_language"),
            table(GET=Expect(302, "/"), POST=Expect(302, "/")),  # no language given: back home
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: Expect(302, "/"),
        ),
    ),
    "index": (
        Variant(
            "",
            page("index"),
            table(GET=Expect(302, "./work/mine/"), POST=Expect(302, "./work/mine/")),
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: TO_LOGIN.but(302, INDEX_WITHOUT_LOGIN, "./work/mine/"),
        ),
    ),
    "work:index": (
        Variant(
            "",
            page("work:index"),
            table(GET=Expect(302, "./mine/"), POST=Expect(302, "./mine/")),
            objects=False,
            methods=(GET, POST),
            anonymous=lambda method: TO_LOGIN.but(302, INDEX_WITHOUT_LOGIN, "./mine/"),
        ),
    ),
    # The lists: viewflow list views have no POST (405) once the role check (403) passed.
    **{
        name: (
            Variant(
                "",
                page(name),
                table(GET=by_role(roles, OK, FORBIDDEN), POST=by_role(roles, NO_METHOD, FORBIDDEN)),
                objects=False,
                methods=(GET, POST),
            ),
        )
        for name, roles in {
            "work:mine:index": ROLES,
            "work:reports:index": {SO},
            "work:township:index": {TO, VC},
            "work:overdue:index": {DS, CS},
            "work:schools:index": {DS, CS},
            "work:all:index": ROLES,
        }.items()
    },
    "work:students:index": (
        Variant(
            "",
            page("work:students:index"),
            # the search is sent by POST: an empty one lists the students
            table(
                GET=by_role(STUDENT_PAGE_ROLES, OK, FORBIDDEN),
                POST=by_role(STUDENT_PAGE_ROLES, OK, FORBIDDEN),
            ),
            objects=False,
            methods=(GET, POST),
        ),
    ),
    "work:inbox:index": (
        Variant(
            "",
            page("work:inbox:index"),
            # an empty POST marks nothing and comes back to the inbox
            table(GET=OK, POST=Expect(302, INBOX)),
            objects=False,
            methods=(GET, POST),
        ),
        # The item is the object: the user's own (in reach) or another county's user's (out).
        Variant(
            "item",
            page("work:inbox:index"),
            table(POST=Expect(302, INBOX, writes=True)),  # marked read, back to the inbox
            methods=(POST,),
            body=lambda side, persona, method: {"item": own_item(side, persona)},
        ),
    ),
    "work:reconcile:index": (
        Variant(
            "",
            page("work:reconcile:index"),
            table(
                GET=by_role(RECONCILE_ROLES, OK, FORBIDDEN),
                POST=by_role(RECONCILE_ROLES, NO_METHOD, FORBIDDEN),
            ),
            objects=False,
            methods=(GET, POST),
        ),
    ),
    # Registers: school officers, townships and supervisors; an empty form comes back (422).
    "work:registers:index": (
        Variant(
            "",
            page("work:registers:index"),
            table(
                GET=by_role(REGISTER_ROLES, OK, FORBIDDEN),
                POST=by_role(REGISTER_ROLES, INVALID, FORBIDDEN),
            ),
            objects=False,
            methods=(GET, POST),
        ),
    ),
    # Roster import: school officers and county supervisors; an import is its uploader's.
    "work:roster:index": (
        Variant(
            "",
            page("work:roster:index"),
            # an empty upload comes back with the form's error
            table(
                GET=by_role(ROSTER_ROLES, OK, FORBIDDEN),
                POST=by_role(ROSTER_ROLES, INVALID, FORBIDDEN),
            ),
            objects=False,
            methods=(GET, POST),
        ),
    ),
    "work:roster_preview": (
        Variant(
            "",
            import_url("work:roster_preview"),
            # a POST without an action changes nothing and shows the page again
            table(
                GET=by_role(ROSTER_ROLES, OK, FORBIDDEN),
                POST=by_role(ROSTER_ROLES, Expect(302, "/work/roster/"), FORBIDDEN),
            ),
            methods=(GET, POST),
        ),
    ),
    "work:roster_refused": (
        Variant(
            "",
            import_url("work:roster_refused"),
            table(
                GET=by_role(ROSTER_ROLES, OK, FORBIDDEN),
                POST=by_role(ROSTER_ROLES, NO_METHOD, FORBIDDEN),
            ),
            methods=(GET, POST),
        ),
    ),
    # The daily roll: homeroom teachers and school officers; a POST takes the roll of their
    # class (the newest school day), everyone else is refused.
    "work:roll:index": (
        Variant(
            "",
            page("work:roll:index"),
            table(
                GET=by_role(ROLL_ROLES, OK, FORBIDDEN),
                POST=by_role(ROLL_ROLES, Expect(302, "/work/roll/"), FORBIDDEN),
            ),
            objects=False,
            methods=(GET, POST),
        ),
    ),
    "work:attendance:index": (
        Variant(
            "",
            page("work:attendance:index"),
            table(
                GET=by_role(OVERVIEW_ROLES, OK, FORBIDDEN),
                POST=by_role(OVERVIEW_ROLES, NO_METHOD, FORBIDDEN),
            ),
            objects=False,
            methods=(GET, POST),
        ),
    ),
    "work:roster_progress": (
        Variant(
            "",
            import_url("work:roster_progress"),
            table(
                GET=by_role(ROSTER_ROLES, OK, FORBIDDEN),
                POST=by_role(ROSTER_ROLES, NO_METHOD, FORBIDDEN),
            ),
            methods=(GET, POST),
        ),
    ),
    "work:case_detail": (
        Variant(
            "",
            case_url("work:case_detail", Stage.HOME_VISIT),
            table(GET=OK, POST=NO_METHOD),  # every role reaches the case; the page has no POST
            methods=(GET, POST),
        ),
    ),
    "work:case_step": (
        step("report", Stage.IDENTIFIED, may={HT, SO}),
        step("dismiss", Stage.REPORTED, may={SO}),
        step("start_home_visit", Stage.REPORTED, may={SO}),
        step("escalate", Stage.HOME_VISIT, may={HT, SO}),
        # the same step blocked by the record (no home visit yet): back to the case page
        step("escalate", UNVISITED, blocked={HT, SO}),
        step("order_enforcement", Stage.TOWNSHIP_PERSUASION, may={TO, CS}),
        step("mark_returned", Stage.LEGAL_ENFORCEMENT, may={HT, SO, TO}),
        step("start_followup", Stage.RETURNED, may={HT, SO}),
        step("close", Stage.TUTORING_FOLLOWUP, may={SO}),
        step("close_verified", Stage.IDENTIFIED, may={SO}),
        step("relapse", Stage.TUTORING_FOLLOWUP, may={HT, SO, ST}),  # ST: the tutor, the owner
        step("override", Stage.HOME_VISIT, may={DS, CS}),
        step("reassign", Stage.TOWNSHIP_PERSUASION, may={SO, DS, CS}),
        # a stale link: a step of another stage
        step("start_home_visit", Stage.HOME_VISIT, not_now={SO}),
        # a closed case
        step("override", Stage.CLOSED, not_now={DS, CS}),
        # no override into legal enforcement: only the order starts it
        step("override", Stage.TOWNSHIP_PERSUASION, not_now={DS, CS}),
        # a name that is a step but has no page (the deadline sweep's): 404 for everyone
        Variant(
            label="auto_escalate@home_visit",
            url=case_url("work:case_step", Stage.HOME_VISIT, "auto_escalate"),
            cells=table(GET=NOT_FOUND, POST=NOT_FOUND),
            methods=(GET, POST),
            anonymous=lambda method: TO_LOGIN,
        ),
    ),
    "work:case_contact": (
        contact(
            Stage.HOME_VISIT,
            table(
                GET=by_role(CONTACT_ROLES, OK, FORBIDDEN),
                POST=by_role(CONTACT_ROLES, INVALID, FORBIDDEN),
                POST_valid={DS: FORBIDDEN, CS: FORBIDDEN},  # others would record a contact
            ),
        ),
        # nobody records a contact on a closed case
        contact(
            Stage.CLOSED,
            table(
                GET=FORBIDDEN,
                POST=FORBIDDEN,
                POST_valid=FORBIDDEN,
            ),
        ),
    ),
    "work:case_unmask": (
        Variant(
            "",
            case_url("work:case_unmask", Stage.HOME_VISIT),
            table(
                GET=by_role({UNMASKER}, OK, FORBIDDEN),
                POST=by_role({UNMASKER}, INVALID, FORBIDDEN),
                # the unmasker's valid POST would show the numbers and write the access log
                POST_valid=dict.fromkeys(ROLES, FORBIDDEN),
            ),
            body=lambda side, persona, method: (
                {"reason": "核实身份信息"} if method == POST_VALID else {}
            ),
            personas=(*PERSONAS, UNMASKER),
        ),
    ),
    "work:case_open": (
        Variant(
            "",
            lambda side, persona: reverse("work:case_open", args=[side.free_student.pk]),
            table(
                GET=by_role({HT, SO}, OK, FORBIDDEN),
                POST=by_role({HT, SO}, INVALID, FORBIDDEN),
                POST_valid={role: FORBIDDEN for role in ROLES if role not in {HT, SO}},
            ),
            body=lambda side, persona, method: (
                {"whereabouts": "在家"} if method == POST_VALID else {"reasons": "no-such-reason"}
            ),
        ),
    ),
    # 一人一案: written by the student's homeroom teacher and the school's officer; the others
    # who see the student are refused, a student out of reach is not found.
    "work:support_plan": (
        Variant(
            "",
            lambda side, persona: reverse("work:support_plan", args=[side.free_student.pk]),
            table(
                GET=by_role({HT, SO}, OK, FORBIDDEN),
                POST=by_role({HT, SO}, INVALID, FORBIDDEN),
            ),
            methods=(GET, POST),
        ),
    ),
    "work:risk:index": (
        Variant(
            "",
            page("work:risk:index"),
            table(
                GET=by_role(RISK_ROLES, OK, FORBIDDEN),
                POST=by_role(RISK_ROLES, NO_METHOD, FORBIDDEN),
            ),
            objects=False,
            methods=(GET, POST),
        ),
    ),
}


def document_url(name: str, stage: str, kind: str) -> Callable[["Side", str], str]:
    return lambda side, persona: reverse(name, args=[side.cases[stage].pk, side.documents[kind]])


def download(name: str, stage: str, kind: str | None = None) -> Variant:
    """A download from a case every persona of the county reaches: 200, and no POST."""
    url = document_url(name, stage, kind) if kind else case_url(name, stage)
    return Variant(
        "",
        url,
        table(GET=OK, POST=NO_METHOD),
        methods=(GET, POST),
        personas=(*PERSONAS, UNMASKER),
    )


ISSUERS_OF_NOTICES = {SO, TO}
SERVERS_OF_NOTICES = {HT, SO, TO, VC}
ISSUERS_OF_ORDERS = {TO, CS}


def document_form(name: str, stage: str, kind: str | None, allowed: set) -> Variant:
    """A document's form: shown to who may use it (an empty POST: 422), 403 to the others."""
    url = document_url(name, stage, kind) if kind else case_url(name, stage)
    return Variant(
        kind or stage,
        url,
        table(
            GET=by_role(allowed, OK, FORBIDDEN),
            POST=by_role(allowed, INVALID, FORBIDDEN),
        ),
        methods=(GET, POST),
    )


KNOWN.update(
    {
        # the school (and the township with it) sends a notice during persuasion; not before
        "work:notice_issue": (
            document_form("work:notice_issue", Stage.TOWNSHIP_PERSUASION, None, ISSUERS_OF_NOTICES),
            document_form("work:notice_issue", Stage.REPORTED, None, set()),
        ),
        "work:document_correct": (
            document_form(
                "work:document_correct",
                Stage.LEGAL_ENFORCEMENT,
                DocumentKind.ORDER,
                ISSUERS_OF_ORDERS,
            ),
        ),
        "work:document_serve": (
            document_form(
                "work:document_serve",
                Stage.TOWNSHIP_PERSUASION,
                DocumentKind.RETURN_NOTICE,
                SERVERS_OF_NOTICES,
            ),
        ),
        "work:document_pdf": (
            download("work:document_pdf", Stage.LEGAL_ENFORCEMENT, DocumentKind.ORDER),
        ),
        "work:service_receipt": (
            download("work:service_receipt", Stage.LEGAL_ENFORCEMENT, DocumentKind.ORDER),
        ),
        # the chronology: anyone who sees the case; in full numbers only with the right and
        # a reason (an empty reason goes back to the case page with the error)
        "work:case_chronology": (
            Variant(
                "",
                case_url("work:case_chronology", Stage.LEGAL_ENFORCEMENT),
                table(
                    GET=OK,
                    POST=by_role({UNMASKER}, BACK_TO_CASE, FORBIDDEN),
                    POST_valid=by_role({UNMASKER}, Expect(200, writes=True), FORBIDDEN),
                ),
                body=lambda side, persona, method: (
                    {"reason": "法院调取材料"} if method == POST_VALID else {}
                ),
                personas=(*PERSONAS, UNMASKER),
                case=lambda side: side.cases[Stage.LEGAL_ENFORCEMENT],
            ),
        ),
    }
)
FIGURE_ROLES = {SO, DS, CS}
MONTH = f"{clock.today():%Y-%m}"
KNOWN.update(
    {
        "work:figures:index": (
            Variant(
                "",
                page("work:figures:index"),
                table(
                    GET=by_role(FIGURE_ROLES, OK, FORBIDDEN),
                    POST=by_role(FIGURE_ROLES, NO_METHOD, FORBIDDEN),
                ),
                objects=False,
                methods=(GET, POST),
            ),
        ),
        # what lies behind a count: only the cases and students in the reader's reach are
        # listed (the enrolment lists students counted from the roll)
        "work:figure_cases": tuple(
            Variant(
                kind,
                page("work:figure_cases", args=[kind]),
                table(
                    GET=by_role(FIGURE_ROLES, OK, FORBIDDEN),
                    POST=by_role(FIGURE_ROLES, NO_METHOD, FORBIDDEN),
                ),
                objects=False,
                methods=(GET, POST),
            )
            for kind in ("dropped_out", "enrolment")
        ),
    }
)
KNOWN.update(
    {
        # a supervisor signs: the district's report; the county's is signed already, so a
        # second signing asks for the correction's reason (422); the others read
        "work:monthly:index": (
            Variant(
                "",
                page("work:monthly:index"),
                table(
                    GET=by_role(FIGURE_ROLES, OK, FORBIDDEN),
                    # no unit or month chosen: nothing is signed
                    POST=by_role(FIGURE_ROLES, Expect(400), FORBIDDEN),
                    POST_valid={
                        **by_role({DS}, Expect(302, "/work/monthly/", writes=True), FORBIDDEN),
                        CS: INVALID,
                    },
                ),
                objects=False,
                body=lambda side, persona, method: (
                    {"unit": side.world[persona].staff_roles.first().unit_id, "month": MONTH}
                    if method == POST_VALID and persona in ROLES
                    else {}
                ),
            ),
        ),
        # the county's report: its supervisor's; the school's and district's readers do not
        # reach the county's unit, nor does anyone else
        "work:monthly_file": (
            Variant(
                "",
                lambda side, persona: reverse("work:monthly_file", args=[side.report, "xlsx"]),
                table(
                    GET=by_role({CS}, OK, NOT_FOUND),
                    POST=by_role({CS}, NO_METHOD, NOT_FOUND),
                ),
                methods=(GET, POST),
            ),
        ),
    }
)
# The API: the same reach and roles; a caller without a token or session is asked for one (401),
# not sent to the sign-in page.
UNSIGNED = Expect(401)


def api_page(name: str, *, get=OK, post=NO_METHOD) -> Variant:
    return Variant(
        "",
        page(name),
        table(GET=get, POST=post),
        objects=False,
        methods=(GET, POST),
        anonymous=lambda method: UNSIGNED,
        personas=(*PERSONAS, UNMASKER),
    )


def api_case(name: str, stage: str, *extra, get, post) -> Variant:
    return Variant(
        stage,
        case_url(name, stage, *extra),
        table(GET=get, POST=post),
        methods=(GET, POST),
        anonymous=lambda method: UNSIGNED,
    )


def public(name: str) -> Variant:
    return Variant(
        "",
        page(name),
        table(GET=OK, POST=NO_METHOD),
        objects=False,
        methods=(GET, POST),
        anonymous=lambda method: OK if method == GET else NO_METHOD,
    )


KNOWN.update(
    {
        # the schema and its doc page show the API's shape, never data
        "api:schema": (public("api:schema"),),
        "api:docs": (public("api:docs"),),
        "api:not_found": (
            Variant(
                "",
                page("api:not_found"),
                table(GET=NOT_FOUND, POST=NOT_FOUND),
                objects=False,
                methods=(GET, POST),
                anonymous=lambda method: NOT_FOUND,
            ),
        ),
        "api:cases": (api_page("api:cases"),),
        "api:inbox": (api_page("api:inbox"),),
        # an empty search is refused (422): a number or a name is needed
        "api:student_search": (api_page("api:student_search", get=NO_METHOD, post=INVALID),),
        "api:case": (api_case("api:case", Stage.LEGAL_ENFORCEMENT, get=OK, post=NO_METHOD),),
        # a school's officer or the county sends attendance; an empty body is refused (422)
        "api:attendance": (
            api_page(
                "api:attendance",
                get=NO_METHOD,
                post=by_role({SO, CS, UNMASKER}, INVALID, FORBIDDEN),
            ),
        ),
        # who may take the step is asked for the case's version (428); the others are refused
        "api:step": (
            api_case(
                "api:step",
                Stage.REPORTED,
                "start_home_visit",
                get=NO_METHOD,
                post=by_role({SO}, Expect(428), FORBIDDEN),
            ),
        ),
        "api:contacts": (
            api_case(
                "api:contacts",
                Stage.HOME_VISIT,
                get=NO_METHOD,
                post=by_role(CONTACT_ROLES, INVALID, FORBIDDEN),
            ),
        ),
    }
)
KNOWN["work:case_step"] += (
    # the order is served but its limit has not passed: back to the case page
    step("refer", Stage.LEGAL_ENFORCEMENT, blocked={TO, CS}),
)

# Patterns the matrix does not walk, each with its reason. Static, media and debug patterns
# must be listed here if the project ever serves them through Django.
SKIPPED: dict[str, str] = {}
NOT_PROJECT_PREFIXES = ("static/", "media/", "__debug__/")


# The URL patterns ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None
    params: tuple[str, ...]  # named parameters; positional ones are "_0", "_1", ...

    @property
    def key(self) -> str:
        return self.name or self.route


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    assert isinstance(pattern, RegexPattern), pattern
    named = list(pattern.regex.groupindex)
    return named or [f"_{i}" for i in range(pattern.regex.groups)]


def walk(resolver=None, route: str = "", namespaces=(), params=()) -> list[Pattern]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        here = (*params, *_params(entry.pattern))
        if isinstance(entry, URLResolver):
            spaces = (*namespaces, entry.namespace) if entry.namespace else namespaces
            found += walk(entry, route + str(entry.pattern), spaces, here)
        else:
            assert isinstance(entry, URLPattern)
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            found.append(Pattern(route + str(entry.pattern), name, here))
    return found


PATTERNS = walk()
ADMIN = [p for p in PATTERNS if (p.name or "").startswith("admin:") or p.route.startswith("admin/")]
NOT_PROJECT = [p for p in PATTERNS if p.route.startswith(NOT_PROJECT_PREFIXES)]
PROJECT = [p for p in PATTERNS if p not in ADMIN and p not in NOT_PROJECT]


def test_every_url_has_a_rule():
    project = {p.key for p in PROJECT}
    unknown = sorted(project - KNOWN.keys())
    stale = sorted(KNOWN.keys() - project)
    unlisted = sorted(p.route for p in NOT_PROJECT if p.route not in SKIPPED)
    assert not unknown, f"URLs without a rule in KNOWN (add one): {unknown}"
    assert not stale, f"rules in KNOWN for URLs that no longer exist: {stale}"
    assert not unlisted, f"static/media/debug patterns not listed in SKIPPED: {unlisted}"


def test_the_walk_finds_the_project_pages():
    """The walk itself: it sees the nested namespaces and the admin."""
    names = {p.name for p in PATTERNS}
    assert {"work:case_step", "work:mine:index", "admin:index", "login"} <= names
    assert len(ADMIN) > 50


# The data: two counties, built once --------------------------------------------------------------


@dataclasses.dataclass
class Side:
    world: World
    cases: dict[str, Case]  # stage (or UNVISITED) -> a case standing there
    free_student: object  # a student with no case
    items: dict[str, int]  # role -> the pk of an inbox item of that role's user
    imports: dict[str, int]  # role -> the pk of a roster import that role's user uploaded
    documents: dict[str, int] = dataclasses.field(default_factory=dict)  # kind -> a document
    report: int = 0  # a monthly report of the county, signed by its supervisor


@dataclasses.dataclass
class Matrix:
    inside: Side
    outside: Side
    people: dict[str, object]  # persona -> user, all of them `inside` staff
    superuser: object
    sessions: dict[str, str]  # persona -> session key, signed in once (force_login)


def _sign_in(people: dict) -> dict[str, str]:
    """One session per persona, made by force_login once: every cell runs in a savepoint, so a
    cell that signs out (or changes its session) leaves it as it was for the next one."""
    sessions = {}
    for persona, user in people.items():
        browser = Client()
        browser.force_login(user)
        sessions[persona] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def _inbox_item(user, n: int) -> int:
    message = Message.objects.create(
        recipient=user,
        channel="inbox",
        template_key="case_assigned",
        dedup_key=f"matrix-{user.pk}-{n}",
        status="sent",
    )
    return InboxItem.objects.create(message=message, user=user, title="矩阵", body="正文").pk


def shown_text(response) -> str:
    """What an answer shows: its text, or the cells of a spreadsheet it downloads (a PDF's or
    a photo's contents are read by the notices' own tests)."""
    if response.get("Content-Type", "").startswith(("application/pdf", "image/")):
        return ""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return response.content.decode()


def _roster_import(user) -> int:
    data = "学籍号,姓名,性别,出生日期,学校,年级,班级,乡镇\n".encode()
    places = roster_importing.places_under([])
    return roster_importing.start(data=data, file_name="名册.csv", by=user, places=places)[0].pk


def _side(prefix: str, mark: str) -> Side:
    world = build_world(prefix)

    def student(label: str):
        return world.student(name=f"{mark}{label}")

    cases = {stage: case_in_stage(world, stage, student=student(stage)) for stage in Stage.values}
    cases[UNVISITED] = factories.CaseFactory(
        student=student(UNVISITED),
        stage=Stage.HOME_VISIT,
        owner=world[HT],
        opened_by=world[HT],
    )
    items = {role: _inbox_item(world[role], n) for n, role in enumerate(ROLES)}
    imports = {role: _roster_import(world[role]) for role in ROLES}
    report = monthly.sign(world.county, monthly.month_of(clock.today()), by=world[CS])
    return Side(world, cases, student("free"), items, imports, _documents(world, cases), report.pk)


def _documents(world, cases) -> dict[str, int]:
    """A served order with a receipt photo on the case in legal enforcement; an unserved notice
    to return on the case in township persuasion."""
    order = issuing.issue(
        cases[Stage.LEGAL_ENFORCEMENT], by=world[TO], kind=DocumentKind.ORDER, days=10
    )
    receipt = SimpleUploadedFile("回证.png", _PNG, content_type="image/png")
    serving.service_record(
        document=order, by=world[TO], method="direct", served_on=clock.today(),
        received_by="家长", receipt=receipt,
    )  # fmt: skip
    notice = issuing.issue(
        cases[Stage.TOWNSHIP_PERSUASION],
        by=world[SO],
        kind=DocumentKind.RETURN_NOTICE,
        return_by=clock.today() + datetime.timedelta(days=3),
    )
    return {DocumentKind.ORDER: order.pk, DocumentKind.RETURN_NOTICE: notice.pk}


def _png() -> bytes:
    out = io.BytesIO()
    PIL.Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


_PNG = _png()


def _admin_objects(side: Side) -> None:
    """At least one row of every model in the admin, so every object URL has a real id."""
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as AxesAccessLog

    world = side.world
    reported = case_in_stage(world, Stage.IDENTIFIED, student=world.student(name="本县admin"))
    services.case_report(case=reported, by=world[HT], reasons=["weary"], whereabouts="在家")
    audit.case_viewed(user=world[SO], case=reported)
    Group.objects.create(name="矩阵组")
    StaffPhone.objects.create(user=world[SO], mobile="13900001111")
    RecipientSettings.objects.create(user=world[SO])
    DingTalkRobot.objects.create(
        unit=world.township,
        name="矩阵群",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=matrix",
        secret="SECmatrix-secret",
    )
    StagePolicy.objects.create(
        county=world.county, stage=Stage.HOME_VISIT, owner_role=HT, working_days=5
    )
    CalendarDay.objects.create(date=datetime.date(2031, 1, 2), is_working_day=False)
    _import_and_attendance_objects(side, reported)
    axes = {
        "user_agent": "matrix",
        "ip_address": "127.0.0.1",
        "username": "matrix",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    AccessAttempt.objects.create(**axes, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**axes)
    AxesAccessLog.objects.create(**axes)
    _schedule_objects()


def _import_and_attendance_objects(side: Side, case) -> None:
    from cases import models as records

    world, day = side.world, datetime.date(2031, 1, 6)
    student = case.student
    found_by = records.RosterImport.objects.get(pk=side.imports[SO])
    records.RosterDeparture.objects.create(student=student, school=world.school, found_by=found_by)
    records.HouseholdChild.objects.create(
        name="户籍儿童",
        gender="M",
        birth_date=datetime.date(2016, 3, 5),
        id_number=factories.id_number(datetime.date(2016, 3, 5)),
        township=world.township,
        listed_by=found_by,
    )
    records.Term.objects.create(
        county=world.county,
        name="长学期",  # today inside it: the roll's POST takes today's roll
        starts_on=datetime.date(2020, 9, 1),
        ends_on=datetime.date(2040, 7, 1),
    )
    records.SchoolDayOff.objects.create(school=world.school, date=day)
    records.AttendanceRule.objects.create(county=world.county)
    now = clock.now()
    records.RollCall.objects.create(klass=world.klass, date=day, taken_by=world[HT], taken_at=now)
    records.Absence.objects.create(
        student=student, date=day, kind="unexcused", recorded_by=world[HT], recorded_at=now
    )
    records.Proposal.objects.create(
        student=student, rule="consecutive", first_absent_on=day, proposed_at=now, case=case,
        status="confirmed",
    )  # fmt: skip
    records.SupportPlan.objects.create(
        student=student, measures="一帮一", responsible="班主任", reviewed_on=day,
        updated_by=world[HT],
    )  # fmt: skip
    records.Enrolment.objects.create(
        school=world.school, grade_level=5, school_year=2030, count=40, source="hand", taken_on=day
    )
    records.Movement.objects.create(
        school=world.school, grade_level=5, kind="transferred_in", on=day, source="hand"
    )
    records.Targets.objects.create(county=world.county)
    _key, prefix, digest = records.ApiToken.new_key()
    records.ApiToken.objects.create(
        user=world[SO], name="矩阵", prefix=prefix, digest=digest, scope="read", created_at=now
    )


def _schedule_objects() -> None:
    """A row of each of django-celery-beat's schedule models (its data migrations' rows may
    have gone with a transactional test's flush)."""
    from django_celery_beat import models as beat

    every_minute, _ = beat.IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    beat.CrontabSchedule.objects.get_or_create(minute="0", hour="6")
    beat.SolarSchedule.objects.get_or_create(event="sunrise", latitude=32.5, longitude=116.5)
    beat.ClockedSchedule.objects.get_or_create(clocked_time=clock.now())
    beat.PeriodicTask.objects.get_or_create(
        name="matrix",
        defaults={"task": "notifications.tasks.deliver_due", "interval": every_minute},
    )


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        inside = _side("w", INSIDE_MARK)
        outside = _side("x", OUTSIDE_MARK)
        unmasker = factories.UserFactory(username="w_unmasker")
        factories.StaffRoleFactory(user=unmasker, role=SO, unit=inside.world.school)
        unmasker.user_permissions.add(Permission.objects.get(codename="view_identity"))
        _admin_objects(inside)
        superuser = factories.UserFactory(username="matrix_root", is_staff=True, is_superuser=True)
        people = {**{role: inside.world[role] for role in ROLES}, UNMASKER: unmasker}
        yield Matrix(inside, outside, people, superuser, _sign_in(people))
        transaction.set_rollback(True)


# The cells --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cell:
    name: str
    variant: Variant
    persona: str
    reach: str
    method: str
    expect: Expect

    @property
    def id(self) -> str:
        label = f"[{self.variant.label}]" if self.variant.label else ""
        return f"{self.name}{label}-{self.persona}-{self.reach}-{self.method}"


def _cells() -> list[Cell]:
    cells = []
    for name, variants in KNOWN.items():
        for variant in variants:
            for persona in variant.personas:
                for reach in (IN, OUT) if variant.objects else (NO_OBJECT,):
                    for method in variant.methods:
                        if persona == ANON:
                            expect = variant.anonymous(method)
                        elif reach == OUT:
                            expect = NOT_FOUND
                        else:
                            expect = variant.cells(persona, method)
                        if expect is not None:
                            cells.append(Cell(name, variant, persona, reach, method, expect))
    return cells


CELLS = _cells()


class RuleBroken(pytest.fail.Exception):
    """The app answered what the cell's `app` says, not what the rule asks: the strict xfail.
    Reported without a traceback (a traceback per cell costs seconds over the matrix)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, pytrace=False)


def _param(cell: Cell):
    marks = ()
    if cell.expect.app:
        marks = pytest.mark.xfail(strict=True, raises=RuleBroken, reason=cell.expect.reason)
    return pytest.param(cell, id=cell.id, marks=marks)


def _counts_sql() -> str:
    """One query for five counts (the matrix runs ~700 POSTs); table names come from the models."""
    tables = [m._meta.db_table for m in (CaseEvent, Contact, AccessLog, Message)]
    counts = [f"(SELECT COUNT(*) FROM {table})" for table in tables]  # noqa: S608
    read = f"(SELECT COUNT(*) FROM {InboxItem._meta.db_table} WHERE read_at IS NOT NULL)"  # noqa: S608
    return f"SELECT {', '.join([*counts, read])}"


def fingerprint() -> tuple:
    """What a refused or invalid POST must leave as it was: every case's stage, owner, tutor
    and closure, and the number of events, contacts, access-log rows, messages and read items."""
    with connection.cursor() as cursor:
        cursor.execute(_counts_sql())
        counts = cursor.fetchone()
    cases = Case.objects.order_by("pk").values_list(
        "pk", "stage", "owner_id", "tutor_id", "closure_reason"
    )
    return (list(cases), tuple(counts))


def _answers(response, expect: Expect, cell: Cell, side: Side) -> bool:
    if response.status_code != expect.status:
        return False
    location = response.get("Location", "")
    if expect.to is None:
        return True
    if expect.to == "login":
        return location.startswith(reverse("login"))
    if expect.to == "case":
        return location == reverse("work:case_detail", args=[cell.variant.case(side).pk])
    return location.startswith(expect.to)


@pytest.mark.parametrize("cell", [_param(cell) for cell in CELLS])
def test_cell(client, db, matrix, cell: Cell):
    side = matrix.outside if cell.reach == OUT else matrix.inside
    url = cell.variant.url(side, cell.persona)
    if cell.persona != ANON:
        client.cookies[settings.SESSION_COOKIE_NAME] = matrix.sessions[cell.persona]
    if cell.method == GET:
        response = client.get(url)
    else:
        body = cell.variant.body(side, cell.persona, cell.method)
        body = {k: clock.today().isoformat() if v == TODAY else v for k, v in body.items()}
        before = fingerprint()
        response = client.post(url, body)
        if not cell.expect.writes:
            assert fingerprint() == before, f"{cell.id} changed data ({response.status_code})"
    if cell.persona != ANON:
        assert OUTSIDE_MARK not in shown_text(response), "an outsider's student is shown"
    answer = f"{response.status_code} {response.get('Location', '')}".strip()
    rule = f"{cell.expect.status} {cell.expect.to or ''}".strip()
    if _answers(response, cell.expect, cell, side):
        return
    if cell.expect.app and _answers(response, cell.expect.app, cell, side):
        raise RuleBroken(f"{cell.id}: {answer}; the rule says {rule}")
    pytest.fail(f"{cell.id}: {answer}; the rule says {rule}")


def test_the_outsider_mark_would_show(client, db, matrix):
    """The leak check of every cell means something: a list shows its students' names."""
    client.cookies[settings.SESSION_COOKIE_NAME] = matrix.sessions[CS]
    page = client.get(reverse("work:all:index")).content.decode()
    assert INSIDE_MARK in page
    assert OUTSIDE_MARK not in page


def test_the_matrix_covers_every_url_role_and_reach():
    """Every project URL gets cells for every persona, and every object URL both reaches."""
    for name, variants in KNOWN.items():
        for variant in variants:
            cells = [c for c in CELLS if c.name == name and c.variant is variant]
            assert {c.persona for c in cells} >= set(PERSONAS), (name, variant.label)
            if variant.objects:
                for persona in PERSONAS:
                    reaches = {c.reach for c in cells if c.persona == persona}
                    assert reaches == {IN, OUT}, (name, variant.label, persona)


# The Django admin ------------------------------------------------------------------------------


def _admin_model(name: str | None):
    for model in admin.site._registry:
        if (name or "").startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def _admin_urls(pattern: Pattern, matrix: Matrix) -> list[str]:
    """The pattern with real ids: an object of its model (a case for the model-less ones)."""
    model = _admin_model(pattern.name)
    if pattern.name is None:  # the admin's unnamed patterns
        if pattern.params == ("url",):  # the final catch-all
            return ["/admin/no-such-page/"]
        if pattern.route.endswith("<path:object_id>/"):
            app_label, model_name = pattern.route.split("/")[1:3]
            obj = (
                ContentType.objects.get_by_natural_key(app_label, model_name)
                .model_class()
                ._default_manager.order_by("pk")
                .first()
            )
            assert obj is not None, f"no {app_label}.{model_name} to build {pattern.route} with"
            return [f"/{pattern.route.replace('<path:object_id>', str(obj.pk))}"]
        raise AssertionError(f"an admin pattern the matrix cannot build: {pattern.route}")
    if not pattern.params:
        return [reverse(pattern.name)]
    if pattern.params == ("app_label",):
        labels = sorted({m._meta.app_label for m in admin.site._registry})
        return [reverse(pattern.name, kwargs={"app_label": label}) for label in labels]
    obj = (model or Case)._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model} to build {pattern.name} with"
    values = {
        "object_id": obj.pk,
        "object_pk": obj.pk,
        "id": obj.pk,
        "_0": obj.pk,
        "_1": getattr(obj, "history", None) and obj.history.order_by("pk").first().pk,
        "user_id": matrix.people[HT].pk,
        "group_id": Group.objects.order_by("pk").first().pk,
        "content_type_id": ContentType.objects.get_for_model(obj).pk,
    }
    unknown = [p for p in pattern.params if p not in values]
    assert not unknown, f"{pattern.name}: parameters the matrix cannot fill: {unknown}"
    if pattern.params[0].startswith("_"):
        return [reverse(pattern.name, args=[values[p] for p in pattern.params])]
    return [reverse(pattern.name, kwargs={p: values[p] for p in pattern.params})]


# The admin's own pages: its login page shows itself; its logout sends an unauthorised visitor
# to the admin index (django.contrib.admin.sites.AdminSite.admin_view), which sends them on to
# the login page.
ADMIN_OWN = {"admin:login": (200, None), "admin:logout": (302, "admin:index")}
# Non-staff: every role, and a role holding a model permission (view_identity) without is_staff.
ADMIN_PERSONAS = (*PERSONAS, UNMASKER)
CHANGELISTS = sorted(p.name for p in ADMIN if (p.name or "").endswith("_changelist"))


class TestAdmin:
    """Signed out and non-staff users are sent to the admin login (302), GET and POST, on every
    admin pattern, object ones with real ids; a superuser sees the changelists."""

    @pytest.mark.parametrize("persona", ADMIN_PERSONAS)
    def test_signed_out_and_non_staff_go_to_the_admin_login(self, client, db, matrix, persona):
        if persona != ANON:
            client.force_login(matrix.people[persona])
            assert not matrix.people[persona].is_staff
        login = reverse("admin:login")
        wrong = []
        for pattern in ADMIN:
            status, to = ADMIN_OWN.get(pattern.name, (302, "admin:login"))
            for url in _admin_urls(pattern, matrix):
                for method in (client.get, client.post):
                    response = method(url)
                    location = response.get("Location", "")
                    if response.status_code != status or (
                        to and location.split("?")[0] != reverse(to)
                    ):
                        wrong.append(
                            f"{method.__name__.upper()} {url}: {response.status_code} {location}"
                        )
                    if status == 200:
                        page = response.content.decode()
                        assert INSIDE_MARK not in page
                        assert OUTSIDE_MARK not in page
                        assert url == login
        assert not wrong, "\n".join(wrong)

    @pytest.mark.parametrize("name", ["admin:index", *CHANGELISTS])
    def test_superuser_sees_the_changelists(self, client, db, matrix, name):
        client.force_login(matrix.superuser)
        assert client.get(reverse(name)).status_code == 200
