"""The ladder as data: its stages, its steps, who may take each step, what each requires, and
who owns each stage for how long. DOMAIN.md in one file, in its order.

Everything that asks a ladder question reads this table: the state machine on `Case` (its
`@transition` declarations), `cases.access` (who may take a step), the stage policies' defaults
(`workflows.policies`), the step forms and the services (`workflows`). A guard is a plain
function of the case with the `message` a user sees when it fails; `on_input` guards check what
the user types into the step's form, the others check the case's record, so that pages offer a
step when its record guards pass and check the input guards on submit.

This module imports only the organisation's roles and the contact kinds: the records of the
case import it, never the other way round.
"""

import dataclasses
import datetime

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import clock
from .models.contacts import VISIT_KINDS, ContactKind
from .models.documents import DocumentKind
from .models.units import Role


class Stage(models.TextChoices):
    """The rungs of the ladder, in order; the owner of each is set by the stage policy."""

    IDENTIFIED = "identified", _("Identified")  # 疑似辍学: teacher flags it; owner 班主任
    REPORTED = "reported", _("Reported")  # 学校已报告: school officer confirms or dismisses
    HOME_VISIT = "home_visit", _("Home visit")  # 家访劝返: teacher + a subject teacher visit
    TOWNSHIP_PERSUASION = "township_persuasion", _("Township persuasion")  # 乡镇/村劝返
    LEGAL_ENFORCEMENT = "legal_enforcement", _("Legal enforcement")  # 依法控辍: 责令限期复学
    RETURNED = "returned", _("Returned")  # 已复学: back in class; follow-up starts within 3 days
    TUTORING_FOLLOWUP = "tutoring_followup", _("Tutoring follow-up")  # 跟踪帮扶: 一帮一 tutor
    CLOSED = "closed", _("Closed")  # 结案: with a closure reason; nothing is deleted


ACTIVE_STAGES = (
    Stage.IDENTIFIED,
    Stage.REPORTED,
    Stage.HOME_VISIT,
    Stage.TOWNSHIP_PERSUASION,
    Stage.LEGAL_ENFORCEMENT,
)
OPEN_STAGES = (*ACTIVE_STAGES, Stage.RETURNED, Stage.TUTORING_FOLLOWUP)
# A supervisor's override, or the sweep where a county's policy says so, moves a case one rung
# up. Not into legal enforcement: that starts only with the township's order to return by a
# date (责令限期复学通知书, 义务教育法 第五十八条), which carries its own limit.
NEXT_RUNG = {
    Stage.IDENTIFIED: Stage.REPORTED,
    Stage.REPORTED: Stage.HOME_VISIT,
    Stage.HOME_VISIT: Stage.TOWNSHIP_PERSUASION,
}


class Step(models.TextChoices):
    """What a user does to a case; each is one service function and one event row."""

    OPEN = "open", _("Open case")
    REPORT = "report", _("Report to school")  # 上报 (上报不过夜)
    DISMISS = "dismiss", _("Dismiss: not a dropout")
    START_HOME_VISIT = "start_home_visit", _("Confirm and start home visits")
    ESCALATE = "escalate", _("Escalate to township")  # with the 辍学报告单
    ORDER_ENFORCEMENT = "order_enforcement", _("Order return by a date")  # 责令限期复学通知书
    MARK_RETURNED = "mark_returned", _("Mark returned")
    START_FOLLOWUP = "start_followup", _("Start tutoring follow-up")
    CLOSE = "close", _("Close: returned and stable")
    CLOSE_VERIFIED = "close_verified", _("Close on a verified change")
    RELAPSE = "relapse", _("Absent again: reopen home visits")
    OVERRIDE = "override", _("Supervisor override: escalate")
    AUTO_ESCALATE = "auto_escalate", _("Escalated automatically: deadline passed")
    REASSIGN = "reassign", _("Reassign")
    HAND_OVER = "hand_over", _("Hand over to another township")  # the family moved
    REQUEST_CLOSURE = "request_closure", _("Request closure: transfer or suspension")
    APPROVE_CLOSURE = "approve_closure", _("Approve the closure")
    REFUSE_CLOSURE = "refuse_closure", _("Refuse the closure")
    # The order was served and its limit passed: an administrative penalty or a court.
    REFER = "refer", _("Refer for a penalty or to court")
    # A document issued on its own (a notice, a correction) and a proof of service recorded:
    # not steps a person picks from the list, but each is an event of the case's chain.
    ISSUE_DOCUMENT = "issue_document", _("Issue a document")
    RECORD_SERVICE = "record_service", _("Record proof of service")


# Recording a contact (家访记录) is not a step of the ladder: it writes no event and keeps the
# stage, but who may do it is a ladder question too.
RECORD_CONTACT = "record_contact"
OWNER = "owner"  # pseudo-role: the case's current owner (e.g. the 一帮一 tutor)
TUTOR = "tutor"  # pseudo owner role: the case's 一帮一 tutor, chosen when the follow-up starts


class ClosureReason(models.TextChoices):
    RETURNED_STABLE = "returned_stable", _("Returned and stable")
    TRANSFERRED = "transferred", _("Transferred, registry moved")  # 学籍 transfer verified
    SUSPENDED = "suspended", _("Approved suspension or deferral")  # 休学 / 延缓入学
    MOVED_OUT = "moved_out", _("Moved out of the jurisdiction, handed over")
    DECEASED = "deceased", _("Deceased")
    NOT_A_DROPOUT = "not_a_dropout", _("Not a dropout")  # sick leave, approved leave, error


class DismissalReason(models.TextChoices):
    """Why the school found a reported absence is not a dropout (the case is dismissed)."""

    SICK_LEAVE = "sick_leave", _("Sick leave")  # 病假: with what shows it, in the note
    APPROVED_LEAVE = "approved_leave", _("Approved leave")  # 事假, approved by the school
    TRANSFERRED = "transferred", _("Transferred to another school")  # 转学: receiving school
    RECORDED_IN_ERROR = "recorded_in_error", _("Recorded in error")  # 误报


VERIFIED_CLOSURES = (
    ClosureReason.TRANSFERRED,
    ClosureReason.SUSPENDED,
    ClosureReason.MOVED_OUT,
    ClosureReason.DECEASED,
)
# The school closes these itself, on what it has verified.
DIRECT_CLOSURES = (ClosureReason.MOVED_OUT, ClosureReason.DECEASED)
# These the school requests and a body above it approves or refuses: a suspension or deferral
# (休学, 延缓入学) the township government or the county bureau (义务教育法 第十一条), a transfer
# the school district / central school (篇三 §7).
APPROVERS = {
    ClosureReason.SUSPENDED: frozenset({Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR}),
    ClosureReason.TRANSFERRED: frozenset({Role.DISTRICT_SUPERVISOR}),
}
FOLLOWUP_DAYS = 56  # 8 weeks of stable attendance before closing (篇四 item 5)


def closable_on(followup_started: datetime.date) -> datetime.date:
    """The first day a case in follow-up may be closed: the one rule for the close step's guard
    and the follow-up stage's deadline (which never falls before it)."""
    return followup_started + datetime.timedelta(days=FOLLOWUP_DAYS)


# --- guards -------------------------------------------------------------------------------------


def guard(message, *, on_input: bool = False):
    """Mark a condition with the message a user sees when it fails (see the module's doc)."""

    def decorate(function):
        function.message = message
        function.on_input = on_input
        return function

    return decorate


@guard(_("Choose at least one reason for the absence."), on_input=True)
def has_reasons(case) -> bool:
    return bool(case.reasons)


@guard(_("Record where the student is now (whereabouts)."), on_input=True)
def has_whereabouts(case) -> bool:
    return bool(case.whereabouts.strip())


# The contact kinds as the contact form spells them, so that a blocked step names the record
# that would satisfy it.
_VISITS = {"home": ContactKind.HOME_VISIT.label, "joint": ContactKind.JOINT_VISIT.label}


@guard(
    format_lazy(
        _("Record a contact of the kind “{home}” or “{joint}” before escalating to the township."),
        **_VISITS,
    )
)
def has_home_visit(case) -> bool:
    return case.contacts.filter(kind__in=VISIT_KINDS).exists()


@guard(
    format_lazy(
        _(
            "Record a “{home}” or “{joint}” with a subject teacher of the class among the staff "
            "taking part before escalating (篇四 item 8)."
        ),
        **_VISITS,
    )
)
def subject_teacher_visited(case) -> bool:
    return case.contacts.filter(
        kind__in=VISIT_KINDS,
        participants__staff_roles__role=Role.SUBJECT_TEACHER,
        participants__staff_roles__unit__in=[case.klass_id, case.school_id],
    ).exists()


@guard(
    format_lazy(
        _(
            "Record a contact (for example a “{joint}”) while the case is at “{stage}” before "
            "ordering enforcement."
        ),
        joint=ContactKind.JOINT_VISIT.label,
        stage=Stage.TOWNSHIP_PERSUASION.label,
    )
)
def has_township_persuasion(case) -> bool:
    return case.contacts.filter(stage=Stage.TOWNSHIP_PERSUASION).exists()


@guard(
    _(
        "Record the proof of service of the order first: its limit runs from the day after it "
        "is served."
    )
)
def order_served(case) -> bool:
    return case.order_served_on is not None


@guard(_("The order's limit has not passed yet: a penalty or a suit comes only after it."))
def order_limit_passed(case) -> bool:
    return case.order_ends_on is not None and clock.today() > case.order_ends_on


@guard(_("Give the date the student came back."), on_input=True)
def has_return_date(case) -> bool:
    return case.returned_on is not None


@guard(_("The return date cannot be in the future."), on_input=True)
def return_date_not_future(case) -> bool:
    return case.returned_on is None or case.returned_on <= clock.today()


@guard(_("The return date cannot be before the day the student was last seen."), on_input=True)
def return_date_after_last_seen(case) -> bool:
    return not (case.returned_on and case.last_seen_on and case.returned_on < case.last_seen_on)


@guard(_("Assign a tutor (一帮一) before starting the follow-up."), on_input=True)
def has_tutor(case) -> bool:
    return case.tutor_id is not None


@guard(_("The follow-up period is not over yet: the case can be closed after 8 weeks."))
def followup_done(case) -> bool:
    return clock.today() >= closable_on(case.stage_started_at.astimezone(clock.TZ).date())


@guard(
    _(
        "Choose moved out or deceased; a transfer or a suspension is requested and approved "
        "above the school."
    ),
    on_input=True,
)
def has_verified_closure(case) -> bool:
    return case.closure_reason in DIRECT_CLOSURES


@guard(_("Choose a transfer or a suspension to request."), on_input=True)
def has_requestable_closure(case) -> bool:
    return case.closure_reason in APPROVERS


@guard(_("A closure is already waiting for approval."))
def no_closure_pending(case) -> bool:
    return case.closure_requested_at is None


@guard(_("No closure is waiting for approval."))
def closure_pending(case) -> bool:
    return case.closure_requested_at is not None


TRANSFER_NAMES_NO_SCHOOL = _("Name the receiving school of the transfer.")


@guard(TRANSFER_NAMES_NO_SCHOOL, on_input=True)
def transfer_names_school(case) -> bool:
    return case.closure_reason != ClosureReason.TRANSFERRED or bool(case.receiving_school.strip())


@guard(_("Choose why this is not a dropout."), on_input=True)
def has_dismissal_reason(case) -> bool:
    return case.dismissal_reason in DismissalReason.values


@guard(TRANSFER_NAMES_NO_SCHOOL, on_input=True)
def dismissed_transfer_names_school(case) -> bool:
    transfer = case.dismissal_reason == DismissalReason.TRANSFERRED
    return not transfer or bool(case.receiving_school.strip())


# --- the stages: default owner and clock (per county, the stage policies may differ) ------------


@dataclasses.dataclass(frozen=True)
class StageRule:
    owner_role: str  # a Role, or TUTOR
    working_days: int  # to the deadline; 0: by the end of the day it starts
    reminder_days: int  # working days before the deadline that the owner is reminded
    overdue_tells: str  # the role told when the deadline passes
    auto_escalate: bool = False  # whether the sweep escalates by itself when it passes


STAGES: dict[str, StageRule] = {
    Stage.IDENTIFIED: StageRule(Role.HOMEROOM_TEACHER, 0, 0, Role.SCHOOL_OFFICER),  # 上报不过夜
    Stage.REPORTED: StageRule(Role.SCHOOL_OFFICER, 1, 0, Role.DISTRICT_SUPERVISOR),
    Stage.HOME_VISIT: StageRule(Role.HOMEROOM_TEACHER, 5, 1, Role.DISTRICT_SUPERVISOR),  # a week
    # A missed township deadline alerts the county; it never escalates by itself (NEXT_RUNG).
    Stage.TOWNSHIP_PERSUASION: StageRule(Role.TOWNSHIP_OFFICIAL, 10, 2, Role.COUNTY_SUPERVISOR),
    # The order's own time limit replaces this: calendar days from the day after it is served,
    # ending on a working day (民法典 第二百零一条、第二百零三条).
    Stage.LEGAL_ENFORCEMENT: StageRule(Role.TOWNSHIP_OFFICIAL, 10, 2, Role.COUNTY_SUPERVISOR),
    Stage.RETURNED: StageRule(Role.HOMEROOM_TEACHER, 3, 1, Role.SCHOOL_OFFICER),
    # 8 weeks; the deadline is never before the first day the case may be closed (closable_on).
    Stage.TUTORING_FOLLOWUP: StageRule(TUTOR, 40, 5, Role.SCHOOL_OFFICER),
}
# The stages the residence township owns by default: its queue, and where a hand-over to
# another township moves the owner too.
TOWNSHIP_STAGES = tuple(
    stage for stage, rule in STAGES.items() if rule.owner_role == Role.TOWNSHIP_OFFICIAL
)


# --- the steps ----------------------------------------------------------------------------------

SCHOOL = frozenset({Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER})
SUPERVISORS = frozenset({Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR})
NEXT = "next rung"  # target of a step that moves the case one rung up (NEXT_RUNG)


@dataclasses.dataclass(frozen=True)
class StepRule:
    step: str
    roles: frozenset[str]  # roles (or OWNER) that may take it over a case in their reach
    sources: tuple[str, ...] = ()  # stages it starts from; () for steps that keep the stage
    target: str | None = None  # the stage it leads to, NEXT, or None: the stage is kept
    guards: tuple = ()  # record and input guards, in the order they are checked
    note_required: bool = False  # a written reason is part of the step
    # For the approval of a requested closure: the roles depend on what was requested.
    roles_by_reason: dict | None = None
    # Who hears of the step besides the new owner (every holder of these roles over the case).
    tells: tuple[str, ...] = ()

    @property
    def moves(self) -> bool:
        """Whether the step is a transition of the state machine."""
        return bool(self.sources)

    def roles_for(self, case) -> frozenset[str]:
        if self.roles_by_reason is None:
            return self.roles
        # Before anything is requested, the general roles: the step's guard then says why not.
        return self.roles_by_reason.get(case.closure_reason, self.roles)


def _rule(step, roles, sources=(), target=None, guards=(), *, note=False, by_reason=None, tells=()):
    return StepRule(
        step, frozenset(roles), tuple(sources), target, tuple(guards), note, by_reason, tells
    )


# Per kind of document: who issues it (or a correction of it), and who records its service.
# The report goes with the escalation; the school sends the notice to return, the township
# joining in; the township orders, a county supervisor acting for one that does not. Village
# cadres often carry the papers to the family.
DOCUMENT_ROLES: dict[str, tuple[frozenset, frozenset]] = {
    DocumentKind.DROPOUT_REPORT: (SCHOOL, frozenset()),
    DocumentKind.RETURN_NOTICE: (
        frozenset({Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICIAL}),
        SCHOOL | {Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_CADRE},
    ),
    DocumentKind.ORDER: (
        frozenset({Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR}),
        frozenset({Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_CADRE, Role.COUNTY_SUPERVISOR}),
    ),
}
# The stages in which a notice to return may be issued on its own (the report and the order
# come with their steps; corrections are issued while the case is open).
NOTICE_STAGES = (Stage.HOME_VISIT, Stage.TOWNSHIP_PERSUASION)

RULES: dict[str, StepRule] = {
    rule.step: rule
    for rule in (
        _rule(Step.OPEN, SCHOOL),
        # 班主任 reports the suspected dropout to the school (上报不过夜).
        _rule(
            Step.REPORT,
            SCHOOL,
            [Stage.IDENTIFIED],
            Stage.REPORTED,
            [has_reasons, has_whereabouts],
        ),
        # Not a dropout: sick leave, approved leave, a transfer (naming the school), an error.
        _rule(
            Step.DISMISS,
            {Role.SCHOOL_OFFICER},
            [Stage.IDENTIFIED, Stage.REPORTED],
            Stage.CLOSED,
            [has_dismissal_reason, dismissed_transfer_names_school],
            note=True,
        ),
        # The school confirms the suspicion; home visits start. The township where the child
        # lives and the county are told at once (知名、知人、知情, 篇二 §三.3).
        _rule(
            Step.START_HOME_VISIT,
            {Role.SCHOOL_OFFICER},
            [Stage.REPORTED],
            Stage.HOME_VISIT,
            tells=(Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR),
        ),
        # A week of visits failed: 辍学报告单 filed, the residence township takes over.
        _rule(
            Step.ESCALATE,
            SCHOOL,
            [Stage.HOME_VISIT],
            Stage.TOWNSHIP_PERSUASION,
            [has_home_visit, subject_teacher_visited],
        ),
        # The township serves the 责令限期复学通知书 (order to return by a date); a county
        # supervisor may act for a township that does not.
        _rule(
            Step.ORDER_ENFORCEMENT,
            {Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR},
            [Stage.TOWNSHIP_PERSUASION],
            Stage.LEGAL_ENFORCEMENT,
            [has_township_persuasion],
        ),
        # The order was served and ignored: the township applies for an administrative penalty
        # or sues (篇二 §三.3 依法强制); the stage's clock starts again for the follow-up.
        _rule(
            Step.REFER,
            {Role.TOWNSHIP_OFFICIAL, Role.COUNTY_SUPERVISOR},
            [Stage.LEGAL_ENFORCEMENT],
            Stage.LEGAL_ENFORCEMENT,
            [order_served, order_limit_passed],
            note=True,
        ),
        # The student is back in class.
        _rule(
            Step.MARK_RETURNED,
            SCHOOL | {Role.TOWNSHIP_OFFICIAL},
            ACTIVE_STAGES,
            Stage.RETURNED,
            [has_return_date, return_date_not_future, return_date_after_last_seen],
        ),
        # 一帮一: the assigned tutor follows the student up.
        _rule(
            Step.START_FOLLOWUP,
            SCHOOL,
            [Stage.RETURNED],
            Stage.TUTORING_FOLLOWUP,
            [has_tutor],
        ),
        # Returned and stable after the follow-up period.
        _rule(
            Step.CLOSE,
            {Role.SCHOOL_OFFICER},
            [Stage.TUTORING_FOLLOWUP],
            Stage.CLOSED,
            [followup_done],
        ),
        # Closed on a verified change the school may close on itself: moved out, deceased.
        _rule(
            Step.CLOSE_VERIFIED,
            {Role.SCHOOL_OFFICER},
            OPEN_STAGES,
            Stage.CLOSED,
            [has_verified_closure],
            note=True,
        ),
        # A transfer or a suspension: the school requests, the body above approves (closed) or
        # refuses (with a reason); until then the case stays open and owned.
        _rule(
            Step.REQUEST_CLOSURE,
            {Role.SCHOOL_OFFICER},
            guards=[no_closure_pending, has_requestable_closure, transfer_names_school],
            note=True,
        ),
        _rule(
            Step.APPROVE_CLOSURE,
            set().union(*APPROVERS.values()),
            OPEN_STAGES,
            Stage.CLOSED,
            [closure_pending],
            by_reason=APPROVERS,
        ),
        _rule(
            Step.REFUSE_CLOSURE,
            set().union(*APPROVERS.values()),
            guards=[closure_pending],
            note=True,
            by_reason=APPROVERS,
        ),
        # Absent again after returning: back to home visits.
        _rule(
            Step.RELAPSE,
            SCHOOL | {OWNER},
            [Stage.RETURNED, Stage.TUTORING_FOLLOWUP],
            Stage.HOME_VISIT,
            note=True,
        ),
        # A supervisor escalates one rung without the usual guards, with a written reason.
        _rule(Step.OVERRIDE, SUPERVISORS, list(NEXT_RUNG), NEXT, note=True),
        # The deadline passed and the county's policy escalates by itself (the system user).
        _rule(Step.AUTO_ESCALATE, (), list(NEXT_RUNG), NEXT),
        # Steps that keep the stage.
        _rule(Step.REASSIGN, {Role.SCHOOL_OFFICER} | SUPERVISORS, note=True),
        _rule(
            Step.HAND_OVER,
            {Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICIAL} | SUPERVISORS,
            note=True,
        ),
        _rule(Step.ISSUE_DOCUMENT, set().union(*(r for r, _ in DOCUMENT_ROLES.values()))),
        _rule(Step.RECORD_SERVICE, set().union(*(r for _, r in DOCUMENT_ROLES.values()))),
        _rule(
            RECORD_CONTACT,
            SCHOOL | {Role.SUBJECT_TEACHER, Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_CADRE, OWNER},
        ),
    )
}


def rule(step: str) -> StepRule:
    return RULES[step]


# The steps that carry a case up its ladder toward the child's return and a closed case: each
# page shows them first, as its main action. The rest (dismissing, closing on a verified change,
# requests, reassigning, a supervisor's override) are there for the exceptions.
FORWARD_STEPS = frozenset(
    {
        Step.REPORT,
        Step.START_HOME_VISIT,
        Step.ESCALATE,
        Step.ORDER_ENFORCEMENT,
        Step.REFER,
        Step.MARK_RETURNED,
        Step.START_FOLLOWUP,
        Step.CLOSE,
        Step.APPROVE_CLOSURE,
    }
)
# Steps that close the case: a closed case is never reopened (a new absence opens a new case).
CLOSING_STEPS = frozenset(step for step, rule in RULES.items() if rule.target == Stage.CLOSED)

# Steps with pages of their own: opening a case, recording a contact, issuing a document and
# recording its service.
PAGED_STEPS = (Step.OPEN, RECORD_CONTACT, Step.ISSUE_DOCUMENT, Step.RECORD_SERVICE)
# Steps a person takes from the case page that keep the stage.
KEPT_STAGE_STEPS = tuple(
    step for step, rule in RULES.items() if not rule.moves and step not in PAGED_STEPS
)
# Steps offered only while a closure waits for approval.
WAITING_STEPS = tuple(step for step, rule in RULES.items() if closure_pending in rule.guards)


# --- who sees which page: the roles that act on what it lists ---------------------------------

# Reports to confirm: whoever confirms them (start home visits) or dismisses them.
REPORTS_QUEUE_ROLES = RULES[Step.START_HOME_VISIT].roles | RULES[Step.DISMISS].roles
# The township queue: the township's own staff, who persuade and order (a county supervisor
# acting for a township finds the case on the overdue queue instead).
TOWNSHIP_QUEUE_ROLES = frozenset({Role.TOWNSHIP_OFFICIAL, Role.VILLAGE_CADRE})
# The overdue queue and the counts per school: whoever may override a stalled case.
SUPERVISOR_ROLES = RULES[Step.OVERRIDE].roles
# My students: school staff who open cases or join visits, and the supervisors above them.
STUDENT_PAGE_ROLES = RULES[Step.OPEN].roles | {Role.SUBJECT_TEACHER} | SUPERVISOR_ROLES
