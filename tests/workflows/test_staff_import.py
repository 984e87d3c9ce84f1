"""Staff lists: accounts and their posts from a school's, a township's or the county's file,
with the roster's preview and commit; posts granted through the staff service (the new
homeroom teacher reaches their class at once); an account serving outside the importer's reach
refused; a second import changes nothing."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model

from cases.access import grants_of
from cases.models import ImportKind, ImportMode, Role, StaffPhone, StaffRole
from workflows.roster import importing, reach

HEADER = ["工号", "姓名", "岗位", "单位", "年级", "班级", "村", "手机号码"]
User = get_user_model()


def staff_csv(rows, encoding="gb18030") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["某某小学教职工名单"])  # a title row above the header
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(data: bytes, by, mode=ImportMode.CLEAN_ROWS):
    places = reach.places_of(by, ImportKind.STAFF)
    roster_import, checked = importing.start(
        data=data, file_name="教职工.csv", by=by, places=places, kind=ImportKind.STAFF
    )
    return roster_import, checked, places


def commit(data: bytes, by, mode=ImportMode.CLEAN_ROWS):
    roster_import, _checked, places = run(data, by)
    importing.commit(roster_import, by=by, places=places, mode=mode)
    roster_import.refresh_from_db()
    return roster_import


@pytest.fixture
def officer(world):
    return world[Role.SCHOOL_OFFICER]


def test_a_school_officer_adds_a_homeroom_teacher_who_reaches_the_class_at_once(world, officer):
    rows = [
        ["t0501", "陈老师", "班主任", world.school.name, "五年级", "(1)班", "", "13912340001"],
        ["t0502", "赵老师", "科任教师", world.school.name, "", "", "", ""],
    ]

    roster_import = commit(staff_csv(rows), officer)

    assert (roster_import.rows, roster_import.new, roster_import.refused) == (2, 2, 0)
    chen = User.objects.get(username="t0501")
    assert chen.first_name == "陈老师"
    assert not chen.has_usable_password()  # an administrator sets it
    assert StaffRole.objects.filter(user=chen, role=Role.HOMEROOM_TEACHER, unit=world.klass)
    assert [(g.role, g.unit) for g in grants_of(chen)] == [(Role.HOMEROOM_TEACHER, world.klass)]
    assert StaffPhone.objects.get(user=chen).mobile == "13912340001"
    zhao = User.objects.get(username="t0502")
    assert StaffRole.objects.get(user=zhao).unit == world.school
    # every write names the import and the person who ran it
    history = chen.history.get()
    assert history.history_user == officer
    assert history.history_change_reason == roster_import.change_reason
    assert StaffRole.history.filter(history_change_reason=roster_import.change_reason).count() == 2


def test_a_second_import_of_the_same_file_changes_nothing(world, officer):
    rows = [["t0501", "陈老师", "班主任", world.school.name, "5", "1", "", "13912340001"]]
    commit(staff_csv(rows), officer)
    histories = StaffRole.history.count() + User.history.count() + StaffPhone.history.count()

    again = commit(staff_csv(rows), officer)

    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)
    after = StaffRole.history.count() + User.history.count() + StaffPhone.history.count()
    assert after == histories


def test_a_second_post_and_a_new_name_are_changes(world, officer):
    commit(staff_csv([["t1", "陈老师", "科任教师", world.school.name, "", "", "", ""]]), officer)

    again = commit(
        staff_csv(
            [
                ["t1", "陈晓", "科任教师", world.school.name, "", "", "", ""],
                ["t1", "陈晓", "班主任", world.school.name, "五年级", "1班", "", ""],
            ]
        ),
        officer,
    )

    assert again.changed == 2
    user = User.objects.get(username="t1")
    assert user.first_name == "陈晓"
    assert set(user.staff_roles.values_list("role", flat=True)) == {
        Role.SUBJECT_TEACHER,
        Role.HOMEROOM_TEACHER,
    }


def test_rows_the_importer_may_not_write_are_refused_with_their_reason(world, elsewhere, officer):
    rows = [
        # a unit above the school: the county is not in the officer's reach
        ["a1", "甲", "科任教师", world.county.name, "", "", "", ""],
        # another county's school
        ["a2", "乙", "科任教师", elsewhere.school.name, "", "", "", ""],
        # a post that does not exist
        ["a3", "丙", "校医", world.school.name, "", "", "", ""],
        # a homeroom teacher without a class, and one of a class the roll does not have
        ["a4", "丁", "班主任", world.school.name, "", "", "", ""],
        ["a5", "戊", "班主任", world.school.name, "五年级", "(9)班", "", ""],
        # an account of another county's teacher, and an administrator's
        [
            elsewhere[Role.SUBJECT_TEACHER].username,
            "己",
            "科任教师",
            world.school.name,
            "",
            "",
            "",
            "",
        ],
        # an account with a space, a bad mobile number
        ["a b", "庚", "科任教师", world.school.name, "", "", "", ""],
        ["a8", "辛", "科任教师", world.school.name, "", "", "", "12345"],
        # the same account under two names
        ["a9", "壬", "科任教师", world.school.name, "", "", "", ""],
        ["a9", "癸", "科任教师", world.school.name, "", "", "", ""],
    ]
    User.objects.create_user("root", is_staff=True)
    rows.append(["root", "管理员", "科任教师", world.school.name, "", "", "", ""])

    roster_import, checked, _places = run(staff_csv(rows), officer)

    reasons = {refusal.row: (refusal.field, refusal.reason) for refusal in checked.refusals}
    # title row, header, then the rows from row 3 on
    assert reasons[3][0] == "unit"
    assert "没有" in reasons[3][1]
    assert reasons[4][0] == "unit"
    assert reasons[5][0] == "role"
    assert "班主任" in reasons[5][1]
    assert reasons[6][0] == "klass"
    assert "年级" in reasons[6][1]
    assert reasons[7][0] == "klass"
    assert "学籍" in reasons[7][1]
    assert reasons[8][0] == "username"
    assert "范围" in reasons[8][1]
    assert reasons[9][0] == "username"
    assert reasons[10][0] == "mobile"
    assert 11 not in reasons
    assert reasons[12][0] == "name"
    assert "11" in reasons[12][1]
    assert reasons[13][0] == "username"
    assert roster_import.refused == 10
    assert roster_import.new == 1

    # committing the clean rows writes the one clean row only
    importing.commit(roster_import, by=officer, places=_places, mode=ImportMode.CLEAN_ROWS)
    assert set(
        User.objects.filter(username__startswith="a").values_list("username", flat=True)
    ) == {"a9"}
    assert not elsewhere[Role.SUBJECT_TEACHER].staff_roles.filter(unit=world.school).exists()


def test_a_township_adds_its_village_cadres_by_township_and_village(world):
    official = world[Role.TOWNSHIP_OFFICIAL]
    rows = [
        ["v1", "村干部甲", "村干部", world.township.name, "", "", world.village.name, ""],
        ["v2", "村干部乙", "村干部", world.township.name, "", "", "没有这个村", ""],
        ["v3", "老师", "科任教师", world.school.name, "", "", "", ""],  # not the township's
    ]

    roster_import, checked, places = run(staff_csv(rows), official)

    # a township hands out village cadres only
    assert [(r.row, r.field) for r in checked.refusals] == [(4, "village"), (5, "role")]
    importing.commit(roster_import, by=official, places=places, mode=ImportMode.CLEAN_ROWS)
    cadre = User.objects.get(username="v1")
    assert [(g.role, g.unit) for g in grants_of(cadre)] == [(Role.VILLAGE_CADRE, world.village)]


def test_the_county_posts_anyone_in_the_county(world):
    county = world[Role.COUNTY_SUPERVISOR]
    rows = [
        ["d1", "督导", "学区督导", world.district.name, "", "", "", ""],
        ["o1", "专干", "控辍专干", world.school.name, "", "", "", ""],
        ["x1", "乡镇", "乡镇干部", world.township.name, "", "", "", ""],
    ]

    roster_import = commit(staff_csv(rows), county, mode=ImportMode.ALL_OR_NOTHING)

    assert roster_import.new == 3
    assert User.objects.get(username="o1").staff_roles.get().role == Role.SCHOOL_OFFICER


def test_only_the_lists_of_the_role_are_offered(world):
    assert reach.kinds_of(world[Role.SCHOOL_OFFICER]) == [
        ImportKind.ROSTER,
        ImportKind.STAFF,
        ImportKind.ATTENDANCE,
    ]
    assert reach.kinds_of(world[Role.TOWNSHIP_OFFICIAL]) == [
        ImportKind.HOUSEHOLD,
        ImportKind.STAFF,
    ]
    assert reach.kinds_of(world[Role.HOMEROOM_TEACHER]) == []


def test_accounts_without_a_post_or_with_rights_beyond_one_are_not_taken_over(world, officer):
    from django.contrib.auth.models import Permission

    from workflows.services.staff import system_user

    system_user()
    User.objects.create_user("former", first_name="旧账号")  # no post: anyone's
    unmasker = User.objects.create_user("unmasker", first_name="专干")
    StaffRole.objects.create(user=unmasker, role=Role.SUBJECT_TEACHER, unit=world.school)
    unmasker.user_permissions.add(Permission.objects.get(codename="view_identity"))
    rows = [
        [name, "张三", "科任教师", world.school.name, "", "", "", "13912340009"]
        for name in ("system", "former", "unmasker")
    ]

    _roster_import, checked, _places = run(staff_csv(rows), officer)

    assert [(r.row, r.field) for r in checked.refusals] == [
        (3, "username"),
        (4, "username"),
        (5, "username"),
    ]
    assert User.objects.get(username="system").first_name == "系统"


def test_an_importer_hands_out_only_posts_below_their_own(world, officer):
    rows = [
        ["p1", "甲", "控辍专干", world.school.name, "", "", "", ""],
        ["p2", "乙", "科任教师", world.school.name, "五年级", "1班", "", ""],
    ]

    roster_import, checked, places = run(staff_csv(rows), officer)

    assert [(r.row, r.field) for r in checked.refusals] == [(3, "role")]
    importing.commit(roster_import, by=officer, places=places, mode=ImportMode.CLEAN_ROWS)
    assert User.objects.get(username="p2").staff_roles.get().unit == world.klass


def test_a_county_school_officer_row_with_a_class_serves_the_school(world):
    county = world[Role.COUNTY_SUPERVISOR]
    rows = [["o2", "专干", "控辍专干", world.school.name, "五年级", "1班", "", ""]]

    commit(staff_csv(rows), county)

    assert User.objects.get(username="o2").staff_roles.get().unit == world.school
