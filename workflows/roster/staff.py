"""Staff lists: accounts and their posts (班主任 of a class, 乡镇干部 of a township, …), one post
per row, read with the roster's machinery. An import adds accounts and posts and corrects names
and mobile numbers; it never ends a post nor touches an account that serves outside the
importer's reach (ending a post hands its cases on: the administration does that)."""

import dataclasses
import types

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cases.access import grants_of
from cases.models import Role, StaffPhone, StaffRole, Unit, UnitKind
from cases.models.units import ROLE_UNIT_KIND

from . import cells, listing
from .checking import TOO_LONG, Refusal
from .columns import cell_of, fields_by_header

ALIASES = {
    "username": ("账号", "用户名", "登录账号", "登录名", "工号"),
    "name": ("姓名", "教师姓名", "人员姓名"),
    "role": ("岗位", "角色", "职务", "工作岗位"),
    "unit": ("单位", "单位名称", "所在单位", "工作单位", "学校", "学校名称", "乡镇"),
    "village": ("村", "村(社区)", "所在村"),
    "grade": ("年级", "任教年级"),
    "klass": ("班级", "任教班级", "所任班级"),
    "mobile": ("手机号码", "手机号", "手机", "联系电话"),
}
FIELDS = fields_by_header(ALIASES)
REQUIRED = ("username", "name", "role", "unit")
# A post as lists name it; the roles' own Chinese names are accepted too.
ROLE_NAMES = {
    "班主任": Role.HOMEROOM_TEACHER,
    "科任教师": Role.SUBJECT_TEACHER,
    "任课教师": Role.SUBJECT_TEACHER,
    "控辍专干": Role.SCHOOL_OFFICER,
    "学校控辍专干": Role.SCHOOL_OFFICER,
    "校长": Role.SCHOOL_OFFICER,
    "控辍专干(校长)": Role.SCHOOL_OFFICER,
    "乡镇干部": Role.TOWNSHIP_OFFICIAL,
    "乡镇控辍专干": Role.TOWNSHIP_OFFICIAL,
    "村干部": Role.VILLAGE_CADRE,
    "村(社区)干部": Role.VILLAGE_CADRE,
    "学区督导": Role.DISTRICT_SUPERVISOR,
    "中心校督导": Role.DISTRICT_SUPERVISOR,
    "县级督导": Role.COUNTY_SUPERVISOR,
}
NAME_LIMIT = 150  # the account's name field
USERNAME_LIMIT = 150

ROLE_UNKNOWN = _("Not a post of the system: write one of %(posts)s.")
ROLE_NOT_YOURS = _(
    "You may not hand out this post: the level above you sets it in the administration."
)
UNIT_UNKNOWN = _("No unit of this name in your reach for this post.")
CLASS_UNKNOWN = _(
    "No such class in the school: import the roll first (it brings the classes), or check the "
    "grade and class."
)
CLASS_NEEDED = _("A homeroom teacher's row needs the grade and the class.")
VILLAGE_NEEDED = _("A village cadre's row names the township as the unit and the village.")
USERNAME_INVALID = _("An account has letters, digits and @ . + - _ only, at most 150.")
ACCOUNT_ELSEWHERE = _(
    "This account serves outside your reach, or administers the system: the county changes it."
)
NAME_DIFFERS = _("This account is on an earlier row with another name (row %(row)s).")
SAME_POST_TWICE = _("This post of this account is on an earlier row too (row %(row)s).")


@dataclasses.dataclass
class Post:
    """A clean row: an account, its name and mobile, and one post it holds."""

    row: int
    username: str
    name: str
    mobile: str
    role: str
    unit: Unit
    cells: list = dataclasses.field(default_factory=list, repr=False)


# The posts each importer may hand out: those below their own (a post that imports lists is
# given by the level above, in the administration).
GRANTABLE = {
    Role.SCHOOL_OFFICER: frozenset({Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER}),
    Role.TOWNSHIP_OFFICIAL: frozenset({Role.VILLAGE_CADRE}),
    Role.COUNTY_SUPERVISOR: frozenset(Role) - {Role.COUNTY_SUPERVISOR},
}


class StaffPlaces:
    """The units under the importer's posts, by name, each kind on its own; classes by school,
    grade and number; the posts the importer may hand out."""

    def __init__(self, anchors, grantable=frozenset(Role)) -> None:
        self.grantable = grantable
        from .importing import Classes  # the roll's classes, found the same way

        paths = [unit.path for unit in anchors]
        units = [
            unit
            for unit in Unit.objects.exclude(kind__in=(UnitKind.GRADE, UnitKind.CLASS))
            if any(unit.path.startswith(path) for path in paths)
        ]
        self.ids = {unit.pk for unit in units}
        self.paths = paths
        self.by_name = {(unit.kind, unit.name): unit for unit in units}
        self.villages = {
            (unit.parent_id, unit.name): unit for unit in units if unit.kind == UnitKind.VILLAGE
        }
        self.classes = Classes(unit for unit in units if unit.kind == UnitKind.SCHOOL)

    def unit_for(self, role: str, name: str) -> Unit | None:
        if role == Role.VILLAGE_CADRE:  # named by its township: village names repeat
            return self.by_name.get((UnitKind.TOWNSHIP, name))
        for kind in ROLE_UNIT_KIND[Role(role)]:
            if kind == UnitKind.CLASS:
                continue  # a class is found by school, grade and class (class_of)
            unit = self.by_name.get((kind, name))
            if unit is not None:
                return unit
        if UnitKind.CLASS in ROLE_UNIT_KIND[Role(role)]:
            return self.by_name.get((UnitKind.SCHOOL, name))
        return None

    def class_of(self, school: Unit, grade_level: int, class_number: int) -> Unit | None:
        wanted = types.SimpleNamespace(
            school=school, grade_level=grade_level, class_number=class_number
        )
        return self.classes.find(wanted)

    def covers(self, unit_path: str) -> bool:
        return any(unit_path.startswith(path) for path in self.paths)


def _role_of(value) -> str | None:
    name = cells.text(value).replace("（", "(").replace("）", ")")
    if name in ROLE_NAMES:
        return ROLE_NAMES[name]
    return next((role for role in Role if str(role.label) == name), None)


def check(data: bytes, places: StaffPlaces, *, encoding: str | None = None, on_row=None):
    names: dict[str, tuple[str, int]] = {}
    posts: dict[tuple, int] = {}

    def judge(number, row, columns):
        post, refusals = _check_row(number, row, columns, places)
        if post is not None:
            refusals = _repeats(post, names, posts)
        return post, refusals

    checked = listing.read(
        data, encoding=encoding, required=REQUIRED, fields=FIELDS, judge=judge, on_row=on_row
    )
    _plan(checked, places)
    return checked


def _check_row(number: int, row: list, columns: dict[str, int], places: StaffPlaces):
    def cell(field: str):
        return cell_of(row, columns, field)

    refusals = []
    username = cells.text(cell("username"))
    try:
        if not username:
            raise ValidationError(cells.REQUIRED_EMPTY)
        if len(username) > USERNAME_LIMIT:
            raise ValidationError(USERNAME_INVALID)
        UnicodeUsernameValidator(message=USERNAME_INVALID)(username)
    except ValidationError as error:
        refusals.append(Refusal(number, "username", " ".join(error.messages)))
    name = cells.text(cell("name"))
    if not name:
        refusals.append(Refusal(number, "name", str(cells.REQUIRED_EMPTY)))
    elif len(name) > NAME_LIMIT:
        refusals.append(Refusal(number, "name", str(TOO_LONG % {"limit": NAME_LIMIT})))
    mobile = ""
    try:
        mobile = cells.phone(cell("mobile"))
    except ValidationError as error:
        refusals.append(Refusal(number, "mobile", " ".join(error.messages)))
    role = _role_of(cell("role"))
    unit = None
    if role is None:
        posts = "、".join(str(role.label) for role in Role)
        refusals.append(Refusal(number, "role", str(ROLE_UNKNOWN % {"posts": posts})))
    elif role not in places.grantable:
        refusals.append(Refusal(number, "role", str(ROLE_NOT_YOURS)))
    else:
        unit = _unit(number, role, cell, places, refusals)
    if refusals:
        return None, refusals
    return Post(number, username, name, mobile, role, unit), []


def _unit(number, role, cell, places: StaffPlaces, refusals) -> Unit | None:
    """The unit of the post: the named unit of the role's kind; a village under the named
    township; a class under the named school (a subject teacher may serve the school)."""
    unit = places.unit_for(role, cells.text(cell("unit")))
    if unit is None:
        refusals.append(Refusal(number, "unit", str(UNIT_UNKNOWN)))
        return None
    if role == Role.VILLAGE_CADRE:
        village = places.villages.get((unit.pk, cells.text(cell("village"))))
        if village is None:
            refusals.append(Refusal(number, "village", str(VILLAGE_NEEDED)))
        return village
    serves_class = UnitKind.CLASS in ROLE_UNIT_KIND[Role(role)]
    wants_class = role == Role.HOMEROOM_TEACHER or (serves_class and cells.text(cell("klass")))
    if unit.kind != UnitKind.SCHOOL or not wants_class:
        return unit
    try:
        grade, klass = cells.grade_level(cell("grade")), cells.class_number(cell("klass"))
    except ValidationError:
        refusals.append(Refusal(number, "klass", str(CLASS_NEEDED)))
        return None
    found = places.class_of(unit, grade, klass)
    if found is None:
        refusals.append(Refusal(number, "klass", str(CLASS_UNKNOWN)))
    return found


def _repeats(post: Post, names: dict, posts: dict) -> list[Refusal]:
    name, row = names.setdefault(post.username, (post.name, post.row))
    if name != post.name:
        return [Refusal(post.row, "name", str(NAME_DIFFERS % {"row": row}))]
    key = (post.username, post.role, post.unit.pk)
    if key in posts:
        return [Refusal(post.row, "role", str(SAME_POST_TWICE % {"row": posts[key]}))]
    posts[key] = post.row
    return []


def _plan(checked, places: StaffPlaces) -> None:
    """New (the account does not exist), changed (a new post, name or mobile) or unchanged;
    an account serving anywhere outside the importer's reach, or an administrator's, is
    refused: its owner is someone else."""
    users = {
        user.username: user
        for user in get_user_model()
        .objects.filter(username__in={post.username for post in checked.entries})
        .annotate(permissions=Count("user_permissions", distinct=True))
        .annotate(groups_held=Count("groups", distinct=True))
        .prefetch_related("staff_roles__unit")
        .select_related("staff_phone")
    }
    kept = []
    for post in checked.entries:
        user = users.get(post.username)
        if user is not None and not _ours(user, places):
            checked.refuse(post, "username", ACCOUNT_ELSEWHERE)
            continue
        kept.append(post)
        if user is None:
            checked.plans[post.row] = ("new", None)
        elif _differs(user, post, checked):
            checked.plans[post.row] = ("changed", user)
        else:
            checked.plans[post.row] = ("unchanged", user)
    checked.entries = kept
    checked.refusals.sort(key=lambda refusal: refusal.row)


def _ours(user, places: StaffPlaces) -> bool:
    """Whether an existing account is the importer's to change: an active member of staff
    with posts only in their reach (and grants only there), and no right beyond a post. An
    account without any post may be anyone's (the system's own, a former teacher elsewhere):
    the county changes it."""
    from ..services.staff import SYSTEM_USERNAME  # (lazily: see `write`)

    if user.is_staff or user.is_superuser or not user.is_active:
        return False
    if user.username == SYSTEM_USERNAME or user.permissions or user.groups_held:
        return False
    posts = user.staff_roles.all()
    if not posts:
        return False
    units = [held.unit for held in posts] + [grant.unit for grant in grants_of(user)]
    return all(places.covers(unit.path) for unit in units)


def _mobile(user) -> str:
    try:
        return user.staff_phone.mobile
    except StaffPhone.DoesNotExist:
        return ""


def _differs(user, post: Post, checked) -> bool:
    held = {(role.role, role.unit_id) for role in user.staff_roles.all()}
    if (post.role, post.unit.pk) not in held or user.first_name != post.name:
        return True
    return "mobile" in checked.present and bool(post.mobile) and _mobile(user) != post.mobile


def write(checked, *, by, roster_import, on_row) -> None:
    """Accounts made or corrected, posts added through the service that grants them, each
    change a history row naming the import."""
    from ..services.staff import staff_role_save  # the service keeps grants in step (lazily:
    # the services import the roster's departures)

    reason = roster_import.change_reason
    accounts: dict[str, object] = {}
    for done, post in enumerate(checked.entries, start=1):
        on_row(done)
        plan, user = checked.plans[post.row]
        if plan == "unchanged":
            continue
        user = accounts.get(post.username) or user or _account(post, by=by, reason=reason)
        accounts[post.username] = user
        if user.first_name != post.name:
            user.first_name = post.name
            _save(user, by, reason)
        if post.mobile and _mobile(user) != post.mobile:
            phone = StaffPhone.objects.filter(user=user).first() or StaffPhone(user=user)
            phone.mobile = post.mobile
            _save(phone, by, reason)
            user.staff_phone = phone
        if not StaffRole.objects.filter(user=user, role=post.role, unit=post.unit).exists():
            staff_role = StaffRole(user=user, role=post.role, unit=post.unit)
            staff_role.full_clean(validate_unique=False)
            staff_role._history_user = by
            staff_role._change_reason = reason
            staff_role_save(staff_role=staff_role)


def _account(post: Post, *, by, reason: str):
    """A new account, without a password until an administrator sets one."""
    user = get_user_model()(username=post.username, first_name=post.name)
    user.set_unusable_password()
    _save(user, by, reason)
    return user


def _save(record, by, reason: str) -> None:
    record._history_user = by
    record._change_reason = reason
    record.save()
