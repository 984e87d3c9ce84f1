"""Students and their guardians, as held in the 学籍 (student registry)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..fields import DigestField, EncryptedCharField
from ..validators import (
    id_birth_date,
    normalize_id_number,
    normalize_phone,
    normalize_student_no,
)
from .units import Unit, UnitKind


class Gender(models.TextChoices):
    """Registry codes: 1 男, 2 女."""

    MALE = "1", _("Male")
    FEMALE = "2", _("Female")


class Disability(models.TextChoices):
    NONE = "", _("None")
    IN_CLASS = "in_class", _("Disabled, learning in a regular class")  # 随班就读
    HOME_TEACHING = "home_teaching", _("Disabled, taught at home")  # 送教上门


class PoorHousehold(models.TextChoices):
    NONE = "", _("None")
    SUBSISTENCE = "subsistence", _("Minimum living allowance")  # 低保
    DESTITUTE = "destitute", _("Extreme poverty support")  # 特困
    REGISTERED_POOR = "registered_poor", _("Registered poor household")  # 建档立卡


class Relation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GRANDFATHER = "grandfather", _("Grandfather")  # 祖父
    GRANDMOTHER = "grandmother", _("Grandmother")  # 祖母
    MATERNAL_GRANDFATHER = "maternal_grandfather", _("Maternal grandfather")  # 外祖父
    MATERNAL_GRANDMOTHER = "maternal_grandmother", _("Maternal grandmother")  # 外祖母
    OTHER = "other", _("Other relative or carer")


BIRTH_DATE_MISMATCH = _("The birth date does not match the one inside the identity number.")
CLASS_NOT_CLASS = _("Choose a class, not another kind of unit.")
TOWNSHIP_NOT_TOWNSHIP = _("Choose a township as the place of residence.")
VILLAGE_NOT_IN_TOWNSHIP = _("The village must belong to the residence township.")


EARLIEST_BIRTH_YEAR = 1990  # nobody born earlier is a child of compulsory-school age now
BIRTH_YEAR_TOO_EARLY = _("A birth year before %(year)s cannot be a child's: check the birth date.")
AGE_UNUSUAL = _(
    "By the birth date the student is %(age)s years old, unusual for grade %(grade)s "
    "(usually %(low)s to %(high)s). Check the birth date and the class, or confirm that they "
    "are right."
)
# Ages that fit compulsory education: from a year before the usual start at six, to 18; and for
# a grade, from grade + 4 (an early start) to grade + 11 (late enrolment, repeated years).
AGE_LOWEST, AGE_HIGHEST = 5, 18
GRADE_AGE_BELOW, GRADE_AGE_ABOVE = 4, 11


def validate_birth_year(value) -> None:
    if value.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(BIRTH_YEAR_TOO_EARLY, params={"year": EARLIEST_BIRTH_YEAR})


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years of age on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_concern(birth_date: datetime.date, grade_level: int | None, day: datetime.date):
    """The message asking to confirm an age that does not fit compulsory education or the
    grade, or None when it fits."""
    age = age_on(birth_date, day)
    low, high = AGE_LOWEST, AGE_HIGHEST
    if grade_level:
        low, high = (
            max(low, grade_level + GRADE_AGE_BELOW),
            min(high, grade_level + GRADE_AGE_ABOVE),
        )
    if low <= age <= high:
        return None
    return AGE_UNUSUAL % {"age": age, "grade": grade_level or "—", "low": low, "high": high}


class RiskFlag(models.TextChoices):
    LEFT_BEHIND = "left_behind", _("Left-behind child")  # 留守儿童
    MIGRANT = "migrant", _("Migrant worker's child")  # 随迁子女
    DISABLED = "disabled", _("Disabled")  # 残疾 (随班就读 / 送教上门)
    POOR_HOUSEHOLD = "poor_household", _("Poor household")  # 低保/特困/建档立卡
    STRUGGLING_LEARNER = "struggling_learner", _("Struggling learner")  # 学困生


class StudentQuerySet(models.QuerySet):
    def on_roll(self):
        """Without the students recorded as transferred away from their school (a departure
        settled 转出): the roll, the rules and the register no longer count them there. One
        whose departure is still open stays: nobody knows yet where they went. One who came
        back (a later roll of that school lists them again, `departures.settle_returns`) is on
        it again: only a transfer that nothing settled after it takes a child off."""
        return self.exclude(models.Exists(_transfers_standing()))

    def transferred_away(self):
        """The students `on_roll` leaves out."""
        return self.filter(models.Exists(_transfers_standing()))


def _transfers_standing():
    """The departures settled 转出 from the student's present school with no departure of theirs
    there settled later (a return, or another settlement): a subquery on the student."""
    from .imports import RosterDeparture, Settlement  # imports.py builds on this module

    later = RosterDeparture.objects.filter(
        student=models.OuterRef("student"),
        school=models.OuterRef("school"),
        settled_at__isnull=False,
    ).filter(
        models.Q(settled_at__gt=models.OuterRef("settled_at"))
        | models.Q(settled_at=models.OuterRef("settled_at"), pk__gt=models.OuterRef("pk"))
    )
    return RosterDeparture.objects.filter(
        student=models.OuterRef("pk"),
        school=models.OuterRef("school"),
        settlement=Settlement.TRANSFERRED,
    ).exclude(models.Exists(later))


class Student(models.Model):
    """A child on the roll. The school is derived from the class and kept for fast filtering."""

    # The registry number embeds the identity number (G + ID), so both are encrypted at rest and
    # looked up through keyed digests.
    student_no = EncryptedCharField(_("student registry number"))
    student_no_digest = DigestField(source="student_no", unique=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), validators=[validate_birth_year])
    # Empty only for children without a usable identity document (registry type Z).
    id_number = EncryptedCharField(_("identity number"), blank=True)
    id_number_digest = DigestField(source="id_number", db_index=True)
    klass = models.ForeignKey(
        Unit,
        verbose_name=_("class"),
        on_delete=models.PROTECT,
        related_name="students",
        limit_choices_to={"kind": UnitKind.CLASS},
    )
    school = models.ForeignKey(
        Unit,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="school_students",
        editable=False,
    )
    residence_township = models.ForeignKey(
        Unit,
        verbose_name=_("residence township"),
        on_delete=models.PROTECT,
        related_name="township_residents",
        limit_choices_to={"kind": UnitKind.TOWNSHIP},
    )
    residence_village = models.ForeignKey(
        Unit,
        verbose_name=_("residence village"),
        on_delete=models.PROTECT,
        related_name="village_residents",
        limit_choices_to={"kind": UnitKind.VILLAGE},
        null=True,
        blank=True,
    )
    address = models.CharField(_("home address"), max_length=200, blank=True)
    left_behind = models.BooleanField(_("left-behind child"), default=False)  # 留守儿童
    migrant = models.BooleanField(_("migrant worker's child"), default=False)  # 随迁子女
    disability = models.CharField(
        _("disability"), max_length=20, choices=Disability.choices, blank=True
    )
    poor_household = models.CharField(
        _("poor household"), max_length=20, choices=PoorHousehold.choices, blank=True
    )
    struggling_learner = models.BooleanField(_("struggling learner"), default=False)  # 学困生
    history = HistoricalRecords()

    objects = StudentQuerySet.as_manager()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["klass", "name"]
        permissions = [
            ("view_identity", _("May see full identity and phone numbers, stating a reason")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest=""),
                name="student_id_number_digest_unique",
            ),
        ]

    def __str__(self) -> str:
        # Never the identity or registry number: __str__ ends up in logs and admin messages.
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.school = self.klass.parent.parent
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.student_no:
            try:
                self.student_no = normalize_student_no(self.student_no)
            except ValidationError as error:
                errors["student_no"] = error
        if self.id_number:
            try:
                self.id_number = normalize_id_number(self.id_number)
            except ValidationError as error:
                errors["id_number"] = error
            else:
                if self.birth_date and id_birth_date(self.id_number) != self.birth_date:
                    errors["birth_date"] = ValidationError(BIRTH_DATE_MISMATCH)
        if self.klass_id and self.klass.kind != UnitKind.CLASS:
            errors["klass"] = ValidationError(CLASS_NOT_CLASS)
        if self.residence_township_id and self.residence_township.kind != UnitKind.TOWNSHIP:
            errors["residence_township"] = ValidationError(TOWNSHIP_NOT_TOWNSHIP)
        if self.residence_village_id and (
            self.residence_village.parent_id != self.residence_township_id
        ):
            errors["residence_village"] = ValidationError(VILLAGE_NOT_IN_TOWNSHIP)
        if errors:
            raise ValidationError(errors)

    def age_concern(self, day: datetime.date):
        """See `age_concern`: this student's age on `day` against the class's grade."""
        grade = self.klass.parent if self.klass_id else None
        return age_concern(self.birth_date, grade.grade_level if grade else None, day)

    @property
    def risk_flags(self) -> list[str]:
        """The risk flags that apply now, as RiskFlag codes (snapshotted onto a new case)."""
        flags = []
        if self.left_behind:
            flags.append(RiskFlag.LEFT_BEHIND)
        if self.migrant:
            flags.append(RiskFlag.MIGRANT)
        if self.disability:
            flags.append(RiskFlag.DISABLED)
        if self.poor_household:
            flags.append(RiskFlag.POOR_HOUSEHOLD)
        if self.struggling_learner:
            flags.append(RiskFlag.STRUGGLING_LEARNER)
        return [str(flag) for flag in flags]


class Guardian(models.Model):
    """监护人: not a user; the party notified, visited and, in the end, legally compelled."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="guardians"
    )
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=24, choices=Relation.choices)
    phone = EncryptedCharField(_("phone"), blank=True)
    lives_with_child = models.BooleanField(_("lives with the child"), default=True)
    away_for_work = models.BooleanField(_("away for work"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["student", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"

    def clean(self) -> None:
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as error:
                raise ValidationError({"phone": error}) from None
