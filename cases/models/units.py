"""The jurisdiction tree and the staff roles tied to its units.

county → school district (学区) → school → grade → class, and county → township → village.
Each unit keeps a materialised path of codes, so "everything under this unit" is one
indexed prefix query at any depth.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history import register
from simple_history.models import HistoricalRecords

from ..fields import EncryptedCharField
from ..validators import normalize_phone


class UnitKind(models.TextChoices):
    COUNTY = "county", _("County")  # 县(区): the county education bureau's area
    DISTRICT = "district", _("School district")  # 学区 / 中心校: supervises several schools
    TOWNSHIP = "township", _("Township")  # 乡镇: residence area; owns escalated persuasion
    VILLAGE = "village", _("Village")  # 村: under a township; village cadres work here
    SCHOOL = "school", _("School")
    GRADE = "grade", _("Grade")
    CLASS = "class", _("Class")


# Which kind of unit may sit under which.
ALLOWED_PARENT = {
    UnitKind.COUNTY: None,
    UnitKind.DISTRICT: UnitKind.COUNTY,
    UnitKind.TOWNSHIP: UnitKind.COUNTY,
    UnitKind.VILLAGE: UnitKind.TOWNSHIP,
    UnitKind.SCHOOL: UnitKind.DISTRICT,
    UnitKind.GRADE: UnitKind.SCHOOL,
    UnitKind.CLASS: UnitKind.GRADE,
}


class SchoolType(models.TextChoices):
    """The kinds of compulsory-education school in 篇一's 正阳关学区."""

    PRIMARY = "primary", _("Primary school")  # 小学, grades 1-6
    JUNIOR = "junior", _("Junior middle school")  # 初中, grades 7-9
    NINE_YEAR = "nine_year", _("Nine-year school")  # 九年一贯制学校, grades 1-9
    TEACHING_POINT = "teaching_point", _("Teaching point")  # 教学点: small village site
    PRIVATE_PRIMARY = "private_primary", _("Private primary school")  # 民办小学


PARENT_KIND_WRONG = _("A %(kind)s must sit under a %(parent)s.")
SCHOOL_TYPE_NEEDED = _("A school needs its type; other units have none.")
GRADE_LEVEL_NEEDED = _("A grade needs its level from 1 to 9.")
TOWNSHIP_FOR_SCHOOLS = _("Only a school stands in a township; leave this empty.")
TOWNSHIP_WRONG = _("Choose a township of the school's own county.")


class Unit(models.Model):
    """One node of the jurisdiction tree."""

    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    name = models.CharField(pgettext_lazy("unit", "name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    school_type = models.CharField(
        _("school type"), max_length=20, choices=SchoolType.choices, blank=True
    )
    grade_level = models.PositiveSmallIntegerField(_("grade level"), null=True, blank=True)
    # 机关代字 of the numbers this body gives its documents (GB/T 9704), e.g. 正政控; empty:
    # the unit's name stands in.
    document_code = models.CharField(
        _("document number prefix (机关代字)"), max_length=20, blank=True
    )
    # 所在乡镇: the township a school stands in, for the figures per township (a township's
    # 辍学率 over the enrolment of its schools). Kept on the school, not inherited from its
    # district: a 学区 (中心校) may supervise schools in several townships (the demo's 正阳关学区
    # has schools in three), and a private school or a teaching point may stand in another
    # township than its district's seat, so only the school's own place is exact.
    township = models.ForeignKey(
        "self",
        verbose_name=_("township it stands in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schools_here",
        limit_choices_to={"kind": "township"},
        help_text=_("Schools only: the township (乡镇) the school stands in."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("jurisdiction unit")
        verbose_name_plural = _("jurisdiction units")
        ordering = ["path"]
        # One object permission per role: a grant on a unit is that role's reach there.
        permissions = [
            ("serve_homeroom_teacher", _("Serves as homeroom teacher")),
            ("serve_subject_teacher", _("Serves as subject teacher")),
            ("serve_school_officer", _("Serves as school dropout officer")),
            ("serve_township_official", _("Serves as township official")),
            ("serve_village_cadre", _("Serves as village cadre")),
            ("serve_district_supervisor", _("Supervises as district supervisor")),
            ("serve_county_supervisor", _("Supervises as county supervisor")),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = f"{self.parent.path if self.parent_id else ''}{self.code}/"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        expected = ALLOWED_PARENT[UnitKind(self.kind)]
        actual = self.parent.kind if self.parent_id else None
        if actual != expected:
            raise ValidationError(
                {
                    "parent": ValidationError(
                        PARENT_KIND_WRONG,
                        params={
                            "kind": UnitKind(self.kind).label,
                            "parent": UnitKind(expected).label if expected else "-",
                        },
                    )
                }
            )
        if (self.kind == UnitKind.SCHOOL) != bool(self.school_type):
            raise ValidationError({"school_type": SCHOOL_TYPE_NEEDED})
        if self.kind == UnitKind.GRADE and not (self.grade_level and 1 <= self.grade_level <= 9):
            raise ValidationError({"grade_level": GRADE_LEVEL_NEEDED})
        if self.township_id:
            self._clean_township()

    def _clean_township(self) -> None:
        if self.kind != UnitKind.SCHOOL:
            raise ValidationError({"township": TOWNSHIP_FOR_SCHOOLS})
        county = (self.parent.path if self.parent_id else self.path).split("/")[0]
        township = self.township
        if township.kind != UnitKind.TOWNSHIP or township.path.split("/")[0] != county:
            raise ValidationError({"township": TOWNSHIP_WRONG})

    def ancestor(self, kind: str) -> "Unit | None":
        """The unit of `kind` this one lies under (or is), read from the path in one query."""
        if self.kind == kind:
            return self
        parts = self.path.rstrip("/").split("/")
        prefixes = ["".join(f"{code}/" for code in parts[:n]) for n in range(1, len(parts))]
        return Unit.objects.filter(kind=kind, path__in=prefixes).first()

    def contains(self, other: "Unit | None") -> bool:
        """Whether `other` is this unit or lies anywhere under it."""
        return other is not None and other.path.startswith(self.path)


class Role(models.TextChoices):
    """Staff roles; each is held over a unit of one kind (see ROLE_UNIT_KIND)."""

    HOMEROOM_TEACHER = "homeroom_teacher", _("Homeroom teacher")  # 班主任: opens and works cases
    SUBJECT_TEACHER = "subject_teacher", _("Subject teacher")  # 科任教师: joins home visits
    SCHOOL_OFFICER = "school_officer", _("School dropout officer")  # 校长/控辍专干: confirms
    TOWNSHIP_OFFICIAL = "township_official", _("Township official")  # 乡镇干部: persuasion
    VILLAGE_CADRE = "village_cadre", _("Village cadre")  # 村干部: joins persuasion visits
    DISTRICT_SUPERVISOR = "district_supervisor", _("District supervisor")  # 学区/中心校
    COUNTY_SUPERVISOR = "county_supervisor", _("County supervisor")  # 县教体局


ROLE_UNIT_KIND = {
    Role.HOMEROOM_TEACHER: (UnitKind.CLASS,),
    Role.SUBJECT_TEACHER: (UnitKind.CLASS, UnitKind.SCHOOL),
    Role.SCHOOL_OFFICER: (UnitKind.SCHOOL,),
    Role.TOWNSHIP_OFFICIAL: (UnitKind.TOWNSHIP,),
    Role.VILLAGE_CADRE: (UnitKind.VILLAGE,),
    Role.DISTRICT_SUPERVISOR: (UnitKind.DISTRICT,),
    Role.COUNTY_SUPERVISOR: (UnitKind.COUNTY,),
}

ROLE_UNIT_WRONG = _("A %(role)s serves a unit of kind: %(kinds)s.")


class StaffRole(models.Model):
    """A user holds a role over one unit: 班主任 of 三年级(2)班, 乡镇干部 of 正阳关镇.

    Saved and ended through `workflows.services.staff_role_save` / `staff_role_end`, which keep
    the role's grant and its holder's cases in step; a bare save changes neither."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff_roles"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="staff_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    def clean(self) -> None:
        kinds = ROLE_UNIT_KIND[Role(self.role)]
        if self.unit_id and self.unit.kind not in kinds:
            raise ValidationError(
                {
                    "unit": ValidationError(
                        ROLE_UNIT_WRONG,
                        params={
                            "role": Role(self.role).label,
                            "kinds": "、".join(str(UnitKind(kind).label) for kind in kinds),
                        },
                    )
                }
            )


# Staff accounts are edited by administrators (activation, names, passwords): keep their history
# too. The historical table lives in this app so that its migration is ours.
register(User, app="cases", excluded_fields=["password", "last_login"])


class StaffPhone(models.Model):
    """A staff member's mobile number for SMS notices, encrypted at rest like every number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_phone",
    )
    mobile = EncryptedCharField(_("mobile number"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff mobile number")
        verbose_name_plural = _("staff mobile numbers")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        try:
            self.mobile = normalize_phone(self.mobile)
        except ValidationError as error:
            raise ValidationError({"mobile": error}) from None
