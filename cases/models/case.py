"""The case: one suspected dropout, moving through the ladder of DOMAIN.md.

`Case.stage` is the only state. It is protected: only the transitions below change it, and
only the service functions in `workflows.services` call them (inside a transaction, with the
permission asked first). Guards are plain functions with a `message`, so that a refused step
says exactly which rule stopped it.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from .. import clock
from ..access import may
from .contacts import VISIT_KINDS, Contact
from .roster import Student
from .units import Role, Unit


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
# A supervisor's override moves a case one rung up the escalation ladder.
NEXT_RUNG = {
    Stage.IDENTIFIED: Stage.REPORTED,
    Stage.REPORTED: Stage.HOME_VISIT,
    Stage.HOME_VISIT: Stage.TOWNSHIP_PERSUASION,
    Stage.TOWNSHIP_PERSUASION: Stage.LEGAL_ENFORCEMENT,
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


class DropoutReason(models.TextChoices):
    WEARY = "weary", _("Weary of school")  # 厌学
    LEARNING_DIFFICULTY = "learning_difficulty", _("Learning difficulty")  # 学习困难
    POVERTY = "poverty", _("Family financial hardship")  # 家庭经济困难
    FAMILY = "family", _("Family reasons")  # 家庭原因
    DISTANCE = "distance", _("Long way to school")  # 路途远
    WORK = "work", _("Gone out to work")  # 外出务工/打工
    ILLNESS = "illness", _("Illness or disability")  # 疾病/残疾
    EARLY_MARRIAGE = "early_marriage", _("Early marriage")  # 早婚
    OTHER = "other", _("Other")


class RiskFlag(models.TextChoices):
    LEFT_BEHIND = "left_behind", _("Left-behind child")  # 留守儿童
    MIGRANT = "migrant", _("Migrant worker's child")  # 随迁子女
    DISABLED = "disabled", _("Disabled")  # 残疾 (随班就读 / 送教上门)
    POOR_HOUSEHOLD = "poor_household", _("Poor household")  # 低保/特困/建档立卡
    STRUGGLING_LEARNER = "struggling_learner", _("Struggling learner")  # 学困生


class ClosureReason(models.TextChoices):
    RETURNED_STABLE = "returned_stable", _("Returned and stable")
    TRANSFERRED = "transferred", _("Transferred, registry moved")  # 学籍 transfer verified
    SUSPENDED = "suspended", _("Approved suspension or deferral")  # 休学 / 延缓入学
    MOVED_OUT = "moved_out", _("Moved out of the jurisdiction, handed over")
    DECEASED = "deceased", _("Deceased")
    NOT_A_DROPOUT = "not_a_dropout", _("Not a dropout")  # sick leave, approved leave, error


VERIFIED_CLOSURES = (
    ClosureReason.TRANSFERRED,
    ClosureReason.SUSPENDED,
    ClosureReason.MOVED_OUT,
    ClosureReason.DECEASED,
)
FOLLOWUP_DAYS = 56  # 8 weeks of stable attendance before closing (篇四 item 5)

REASONS_UNKNOWN = _("Unknown dropout reason: %(value)s.")
FLAGS_UNKNOWN = _("Unknown risk flag: %(value)s.")


def _check_codes(value, choices, message) -> None:
    if not isinstance(value, list):
        raise ValidationError(message, params={"value": value})
    for code in value:
        if code not in choices.values:
            raise ValidationError(message, params={"value": code})


def validate_reasons(value) -> None:
    _check_codes(value, DropoutReason, REASONS_UNKNOWN)


def validate_flags(value) -> None:
    _check_codes(value, RiskFlag, FLAGS_UNKNOWN)


def guard(message, *, on_input: bool = False):
    """Mark a condition with the message a user sees when it fails.

    `on_input` guards check what the user types into the step's form (reasons, a date); the
    others check the case's record (a visit made, the follow-up period over). Pages offer a
    step when its record guards pass and check the input guards on submit.
    """

    def decorate(function):
        function.message = message
        function.on_input = on_input
        return function

    return decorate


@guard(_("Choose at least one reason for the absence."), on_input=True)
def has_reasons(case: "Case") -> bool:
    return bool(case.reasons)


@guard(_("Record where the student is now (whereabouts)."), on_input=True)
def has_whereabouts(case: "Case") -> bool:
    return bool(case.whereabouts.strip())


@guard(_("Record at least one home visit before escalating to the township."))
def has_home_visit(case: "Case") -> bool:
    return case.contacts.filter(kind__in=VISIT_KINDS).exists()


@guard(_("A subject teacher must join at least one home visit before escalating (篇四 item 8)."))
def subject_teacher_visited(case: "Case") -> bool:
    return Contact.objects.filter(
        case=case,
        kind__in=VISIT_KINDS,
        participants__staff_roles__role=Role.SUBJECT_TEACHER,
        participants__staff_roles__unit__in=[case.klass_id, case.school_id],
    ).exists()


@guard(_("Record at least one township persuasion attempt before ordering enforcement."))
def has_township_persuasion(case: "Case") -> bool:
    return case.contacts.filter(stage=Stage.TOWNSHIP_PERSUASION).exists()


@guard(_("Give the date the student came back."), on_input=True)
def has_return_date(case: "Case") -> bool:
    return case.returned_on is not None


@guard(_("The return date cannot be in the future."), on_input=True)
def return_date_not_future(case: "Case") -> bool:
    return case.returned_on is None or case.returned_on <= clock.today()


@guard(_("The return date cannot be before the day the student was last seen."), on_input=True)
def return_date_after_last_seen(case: "Case") -> bool:
    return not (case.returned_on and case.last_seen_on and case.returned_on < case.last_seen_on)


@guard(_("Assign a tutor (一帮一) before starting the follow-up."), on_input=True)
def has_tutor(case: "Case") -> bool:
    return case.tutor_id is not None


@guard(_("The follow-up period is not over yet: the case can be closed after 8 weeks."))
def followup_done(case: "Case") -> bool:
    return clock.today() >= case.stage_started_at.astimezone(clock.TZ).date() + datetime.timedelta(
        days=FOLLOWUP_DAYS
    )


@guard(
    _("Choose a verified closure reason: transfer, suspension, moved out or deceased."),
    on_input=True,
)
def has_verified_closure(case: "Case") -> bool:
    return case.closure_reason in VERIFIED_CLOSURES


@guard(_("Name the receiving school of the transfer."), on_input=True)
def transfer_names_school(case: "Case") -> bool:
    return case.closure_reason != ClosureReason.TRANSFERRED or bool(case.receiving_school.strip())


def _next_rung(case: "Case") -> str:
    return NEXT_RUNG[Stage(case.stage)]


class Case(ConcurrentTransitionMixin, models.Model):
    """One suspected dropout (一生一案). At most one open case per student."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="cases"
    )
    stage = FSMField(
        _("stage"), default=Stage.IDENTIFIED, choices=Stage.choices, protected=True, db_index=True
    )
    # Where the student stood when the case was opened; township may change on hand-over.
    school = models.ForeignKey(
        Unit, verbose_name=_("school"), on_delete=models.PROTECT, related_name="school_cases"
    )
    klass = models.ForeignKey(
        Unit, verbose_name=_("class"), on_delete=models.PROTECT, related_name="class_cases"
    )
    township = models.ForeignKey(
        Unit,
        verbose_name=_("residence township"),
        on_delete=models.PROTECT,
        related_name="township_cases",
    )
    village = models.ForeignKey(
        Unit,
        verbose_name=_("residence village"),
        on_delete=models.PROTECT,
        related_name="village_cases",
        null=True,
        blank=True,
    )
    reasons = models.JSONField(
        _("reasons"), default=list, blank=True, validators=[validate_reasons]
    )
    reason_note = models.CharField(_("reason details"), max_length=200, blank=True)
    risk_flags = models.JSONField(
        _("risk flags at opening"), default=list, blank=True, validators=[validate_flags]
    )
    last_seen_on = models.DateField(_("last seen in school"), null=True, blank=True)
    whereabouts = models.CharField(_("whereabouts"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
        null=True,
        blank=True,
    )
    deadline = models.DateTimeField(_("stage deadline"), null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField(_("remind the owner at"), null=True, blank=True)
    # The history row of the county's stage policy under which the current stage started.
    policy_version = models.PositiveIntegerField(_("stage policy version"), null=True, blank=True)
    stage_started_at = models.DateTimeField(_("stage started at"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="opened_cases",
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tutor (一帮一)"),
        on_delete=models.PROTECT,
        related_name="tutored_cases",
        null=True,
        blank=True,
    )
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    receiving_school = models.CharField(_("receiving school"), max_length=100, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    previous_case = models.ForeignKey(
        "self",
        verbose_name=_("earlier case (re-dropout)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_cases",
    )
    # Bumped by every save in the services: what a user saw is compared with what is there now,
    # so two reassignments, or a case that left a stage and came back, are conflicts too.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["deadline", "id"]
        permissions = [("own_case", _("Owns the case: acts on it as its assignee"))]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=~models.Q(stage=Stage.CLOSED),
                name="case_one_open_per_student",
            ),
        ]

    def __str__(self) -> str:
        return _("Case %(id)s") % {"id": self.pk}

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    # The ladder. Each transition only moves the stage; services do the rest.

    @transition(
        field=stage,
        source=Stage.IDENTIFIED,
        target=Stage.REPORTED,
        conditions=[has_reasons, has_whereabouts],
        permission=may(Step.REPORT),
    )
    def report(self) -> None:
        """班主任 reports the suspected dropout to the school (上报不过夜)."""

    @transition(
        field=stage,
        source=[Stage.IDENTIFIED, Stage.REPORTED],
        target=Stage.CLOSED,
        permission=may(Step.DISMISS),
    )
    def dismiss(self) -> None:
        """The school finds it is not a dropout: sick leave, approved leave, verified transfer."""
        self.closure_reason = ClosureReason.NOT_A_DROPOUT

    @transition(
        field=stage,
        source=Stage.REPORTED,
        target=Stage.HOME_VISIT,
        permission=may(Step.START_HOME_VISIT),
    )
    def start_home_visit(self) -> None:
        """The school confirms the suspicion and reports to township and county (知名知人知情)."""

    @transition(
        field=stage,
        source=Stage.HOME_VISIT,
        target=Stage.TOWNSHIP_PERSUASION,
        conditions=[has_home_visit, subject_teacher_visited],
        permission=may(Step.ESCALATE),
    )
    def escalate(self) -> None:
        """A week of visits failed: 辍学报告单 filed, the residence township takes over."""

    @transition(
        field=stage,
        source=Stage.TOWNSHIP_PERSUASION,
        target=Stage.LEGAL_ENFORCEMENT,
        conditions=[has_township_persuasion],
        permission=may(Step.ORDER_ENFORCEMENT),
    )
    def order_enforcement(self) -> None:
        """The township serves the 责令限期复学通知书 (order to return by a date)."""

    @transition(
        field=stage,
        source=list(ACTIVE_STAGES),
        target=Stage.RETURNED,
        conditions=[has_return_date, return_date_not_future, return_date_after_last_seen],
        permission=may(Step.MARK_RETURNED),
    )
    def mark_returned(self) -> None:
        """The student is back in class."""

    @transition(
        field=stage,
        source=Stage.RETURNED,
        target=Stage.TUTORING_FOLLOWUP,
        conditions=[has_tutor],
        permission=may(Step.START_FOLLOWUP),
    )
    def start_followup(self) -> None:
        """一帮一: the assigned tutor follows the student up."""

    @transition(
        field=stage,
        source=Stage.TUTORING_FOLLOWUP,
        target=Stage.CLOSED,
        conditions=[followup_done],
        permission=may(Step.CLOSE),
    )
    def close(self) -> None:
        """Returned and stable after the follow-up period."""
        self.closure_reason = ClosureReason.RETURNED_STABLE

    @transition(
        field=stage,
        source=list(OPEN_STAGES),
        target=Stage.CLOSED,
        conditions=[has_verified_closure, transfer_names_school],
        permission=may(Step.CLOSE_VERIFIED),
    )
    def close_verified(self) -> None:
        """Closed on a verified change: 学籍 transfer, approved 休学, moved out, deceased."""

    @transition(
        field=stage,
        source=[Stage.RETURNED, Stage.TUTORING_FOLLOWUP],
        target=Stage.HOME_VISIT,
        permission=may(Step.RELAPSE),
    )
    def relapse(self) -> None:
        """Absent again after returning: back to home visits."""
        self.returned_on = None

    @transition(
        field=stage,
        source=list(NEXT_RUNG),
        target=GET_STATE(_next_rung, states=list(NEXT_RUNG.values())),
        permission=may(Step.OVERRIDE),
    )
    def override(self) -> None:
        """A supervisor escalates one rung without the usual guards, with a written reason."""


class CaseEvent(models.Model):
    """One step taken on a case: who, when, from which stage to which, and why.

    Append-only: written by the services in the same transaction as the step.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events"
    )
    step = models.CharField(_("step"), max_length=24, choices=Step.choices)
    from_stage = models.CharField(_("from stage"), max_length=24, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=24, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="case_events",
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner after the step"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    deadline = models.DateTimeField(_("deadline after the step"), null=True, blank=True)
    # Hash chain over the case's events (cases/chain.py): an edit in the database shows.
    previous_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.get_step_display()} @ {self.at:%Y-%m-%d %H:%M}"
