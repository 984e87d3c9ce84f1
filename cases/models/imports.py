"""Roster imports: each file brought in, kept (encrypted) between its preview and its commit,
and the students a new roll no longer lists, to be settled by a person."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..fields import DigestField, EncryptedCharField
from .roster import Gender, Student
from .units import Unit


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, not yet committed")
    COMMITTING = "committing", _("Being imported")
    COMMITTED = "committed", _("Committed")
    DISCARDED = "discarded", _("Discarded")


class ImportKind(models.TextChoices):
    ROSTER = "roster", _("学籍 roll (students)")
    HOUSEHOLD = "household", _("户籍 list (school-age children living here)")
    STAFF = "staff", _("Staff list (accounts and their posts)")
    ATTENDANCE = "attendance", _("Attendance (from a school's electronic system)")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All rows, or nothing if any row is refused")
    CLEAN_ROWS = "clean", _("The clean rows; the refused ones are left out")


class RosterImport(models.Model):
    """One 学籍 file: who brought it, what the check found, what the commit changed."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="roster_imports",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    kind = models.CharField(
        _("kind"), max_length=12, choices=ImportKind.choices, default=ImportKind.ROSTER
    )
    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("file digest (SHA-256)"), max_length=64)
    encoding = models.CharField(_("text encoding"), max_length=20, blank=True)
    # The file itself, encrypted, until it is committed or discarded (it holds identity numbers).
    content = EncryptedCharField(_("file content"), blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    mode = models.CharField(_("commit mode"), max_length=8, choices=ImportMode.choices, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    new = models.PositiveIntegerField(_("new students"), default=0)
    changed = models.PositiveIntegerField(_("changed students"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged students"), default=0)
    refused = models.PositiveIntegerField(_("refused rows"), default=0)
    left_roll = models.PositiveIntegerField(_("students no longer on the roll"), default=0)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    # Set when the background job takes the import, and why its last attempt wrote nothing.
    commit_started_at = models.DateTimeField(_("import started at"), null=True, blank=True)
    failure = models.TextField(_("why the import stopped"), blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return _("Roster import %(id)s") % {"id": self.pk}

    @property
    def change_reason(self) -> str:
        """What each history row written by this import says of its cause."""
        return f"roster import {self.pk}"


class Settlement(models.TextChoices):
    TRANSFERRED = "transferred", _("Transferred to another school")
    CASE_OPENED = "case_opened", _("Suspected dropout: a case is open")
    BACK_ON_ROLL = "back_on_roll", _("Back on a later roll")


class RosterDeparture(models.Model):
    """A student of a school the new roll covers who is not on it: never deleted, settled by a
    person (a transfer naming the receiving school, or a suspected dropout's case)."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="departures"
    )
    school = models.ForeignKey(
        Unit, verbose_name=_("school"), on_delete=models.PROTECT, related_name="departures"
    )
    found_by = models.ForeignKey(
        RosterImport,
        verbose_name=_("found by import"),
        on_delete=models.PROTECT,
        related_name="departures",
    )
    settlement = models.CharField(
        _("settlement"), max_length=16, choices=Settlement.choices, blank=True
    )
    receiving_school = models.CharField(_("receiving school"), max_length=100, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("student no longer on the roll")
        verbose_name_plural = _("students no longer on the roll")
        ordering = ["school", "student__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=models.Q(settled_at__isnull=True),
                name="one_open_departure_per_student",
            ),
        ]

    def __str__(self) -> str:
        return str(self.student)


class HouseholdChild(models.Model):
    """A child of compulsory-school age on a township's 户籍 (household) list: compared with the
    roll by identity number to find children of the county on no roll (适龄未入学)."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedCharField(_("identity number"))
    id_number_digest = DigestField(source="id_number", unique=True)
    township = models.ForeignKey(
        Unit, verbose_name=_("township"), on_delete=models.PROTECT, related_name="household"
    )
    village = models.ForeignKey(
        Unit,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    address = models.CharField(_("home address"), max_length=200, blank=True)
    listed_by = models.ForeignKey(
        RosterImport,
        verbose_name=_("listed by import"),
        on_delete=models.PROTECT,
        related_name="household_children",
    )
    # Set when a later list of the township no longer names the child (moved away); kept.
    delisted_at = models.DateTimeField(_("no longer listed since"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("child on a household list")
        verbose_name_plural = _("children on household lists")
        ordering = ["township", "name"]

    def __str__(self) -> str:
        return self.name
