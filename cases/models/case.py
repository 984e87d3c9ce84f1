"""The case: one suspected dropout, moving through the ladder of DOMAIN.md.

`Case.stage` is the only state. It is protected: only the transitions below change it, and
only the service functions in `workflows.services` call them (inside a transaction, with the
permission asked first). Each transition's stages and guards come from the ladder table
(`cases.ladder`); a method here holds only what the step does to the record besides the stage.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from ..ladder import NEXT, NEXT_RUNG, RULES, ClosureReason, DismissalReason, Stage, Step
from ..validators import LINE_MAX_LENGTH, NOTE_MAX_LENGTH, free_text
from .roster import RiskFlag, Student
from .units import Unit


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


def _next_rung(case: "Case") -> str:
    return NEXT_RUNG[Stage(case.stage)]


class CheckedGuard:
    """A ladder guard as the FSM holds it. The services check a step's guards themselves, to
    refuse with the failing guard's message, and then mark the locked case (`guards_checked`)
    so that the transition does not run the same queries again; anywhere else (a page asking
    which steps are blocked) the guard is evaluated."""

    def __init__(self, guard) -> None:
        self.guard = guard
        self.message = guard.message
        self.on_input = guard.on_input

    def __call__(self, case) -> bool:
        return case.__dict__.get("guards_checked") == case.stage or self.guard(case)


def _moves(step: str) -> dict:
    """The `@transition` arguments of a step, from the ladder table."""
    rule = RULES[step]
    target = rule.target
    if target == NEXT:
        target = GET_STATE(_next_rung, states=list(NEXT_RUNG.values()))
    conditions = [CheckedGuard(guard) for guard in rule.guards]
    return {"source": list(rule.sources), "target": target, "conditions": conditions}


class RemembersLoadedValues:
    """Keeps the column values a row was read with, so that a save checks only the fields it
    changes: an older row's text that predates a rule does not block every later step, and
    nothing is read again to validate what the transaction already holds."""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def changed_fields(self) -> list[models.Field]:
        """The concrete fields whose value differs from the row read (all of a new record)."""
        loaded = getattr(self, "_loaded_values", None)
        fields = self._meta.concrete_fields
        if loaded is None:
            return list(fields)
        return [
            field
            for field in fields
            if field.attname in loaded and getattr(self, field.attname) != loaded[field.attname]
        ]

    def remember_saved_values(self) -> None:
        self._loaded_values = {
            field.attname: getattr(self, field.attname) for field in self._meta.concrete_fields
        }


class Case(RemembersLoadedValues, ConcurrentTransitionMixin, models.Model):
    """One suspected dropout (一生一案). At most one open case per student."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="cases"
    )
    stage = FSMField(
        _("stage"), default=Stage.IDENTIFIED, choices=Stage.choices, protected=True, db_index=True
    )
    # Where the student stood when the case was opened; township may change on hand-over.
    # The county of the school: its stage policies, calendar and county supervisors.
    county = models.ForeignKey(
        Unit, verbose_name=_("county"), on_delete=models.PROTECT, related_name="county_cases"
    )
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
    reason_note = models.CharField(
        _("reason details"),
        max_length=LINE_MAX_LENGTH,
        blank=True,
        validators=free_text(LINE_MAX_LENGTH),
    )
    risk_flags = models.JSONField(
        _("risk flags at opening"), default=list, blank=True, validators=[validate_flags]
    )
    last_seen_on = models.DateField(_("last seen in school"), null=True, blank=True)
    whereabouts = models.CharField(
        _("whereabouts"),
        max_length=LINE_MAX_LENGTH,
        blank=True,
        validators=free_text(LINE_MAX_LENGTH),
    )
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
    # The order to return by a date (责令限期复学通知书): its limit in calendar days, and once
    # its proof of service is recorded, the day it was served and the last day of the limit.
    order_served_on = models.DateField(_("order served on"), null=True, blank=True)
    order_days = models.PositiveSmallIntegerField(_("order limit (days)"), null=True, blank=True)
    order_ends_on = models.DateField(_("order limit ends on"), null=True, blank=True)
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
    dismissal_reason = models.CharField(
        _("dismissal reason"), max_length=20, choices=DismissalReason.choices, blank=True
    )
    receiving_school = models.CharField(
        _("receiving school"), max_length=100, blank=True, validators=free_text(100)
    )
    # A transfer or suspension the school requested (closure_reason holds which), waiting for
    # the approval of the body above it.
    closure_requested_at = models.DateTimeField(_("closure requested at"), null=True, blank=True)
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
    # The hash of the case's newest event (cases/chain.py): the next event links to it from the
    # locked row, and verify_audit checks that it is the newest event's.
    chain_head = models.CharField(_("chain head"), max_length=64, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["chain_head"])

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
        # The queues read open cases by owner, school or township, soonest deadline first.
        indexes = [
            models.Index(
                fields=[field, "deadline", "id"],
                condition=~models.Q(stage=Stage.CLOSED),
                name=f"case_open_{field}_deadline",
            )
            for field in ("owner", "school", "township")
        ]

    def __str__(self) -> str:
        return _("Case %(id)s") % {"id": self.pk}

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    # The ladder. Each transition only moves the stage; services do the rest.

    @transition(field=stage, **_moves(Step.REPORT))
    def report(self) -> None:
        """班主任 reports the suspected dropout to the school (上报不过夜)."""

    @transition(field=stage, **_moves(Step.DISMISS))
    def dismiss(self) -> None:
        """The school finds it is not a dropout: sick leave, approved leave, verified transfer."""
        self.closure_reason = ClosureReason.NOT_A_DROPOUT

    @transition(field=stage, **_moves(Step.START_HOME_VISIT))
    def start_home_visit(self) -> None:
        """The school confirms the suspicion and reports to township and county (知名知人知情)."""

    @transition(field=stage, **_moves(Step.ESCALATE))
    def escalate(self) -> None:
        """A week of visits failed: 辍学报告单 filed, the residence township takes over."""

    @transition(field=stage, **_moves(Step.ORDER_ENFORCEMENT))
    def order_enforcement(self) -> None:
        """The township serves the 责令限期复学通知书 (order to return by a date)."""

    @transition(field=stage, **_moves(Step.REFER))
    def refer(self) -> None:
        """The served order's limit passed: a penalty or a suit; the stage's clock restarts."""

    @transition(field=stage, **_moves(Step.MARK_RETURNED))
    def mark_returned(self) -> None:
        """The student is back in class."""

    @transition(field=stage, **_moves(Step.START_FOLLOWUP))
    def start_followup(self) -> None:
        """一帮一: the assigned tutor follows the student up."""

    @transition(field=stage, **_moves(Step.CLOSE))
    def close(self) -> None:
        """Returned and stable after the follow-up period."""
        self.closure_reason = ClosureReason.RETURNED_STABLE

    @transition(field=stage, **_moves(Step.CLOSE_VERIFIED))
    def close_verified(self) -> None:
        """Closed on a verified change: 学籍 transfer, approved 休学, moved out, deceased."""

    @transition(field=stage, **_moves(Step.APPROVE_CLOSURE))
    def approve_closure(self) -> None:
        """The township, the county or the school district approves the requested closure."""

    @transition(field=stage, **_moves(Step.RELAPSE))
    def relapse(self) -> None:
        """Absent again after returning: back to home visits."""
        self.returned_on = None

    @transition(field=stage, **_moves(Step.OVERRIDE))
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
    note = models.TextField(_("note"), blank=True, validators=free_text(NOTE_MAX_LENGTH))
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
        return f"{self.get_step_display()} @ {timezone.localtime(self.at):%Y-%m-%d %H:%M}"
