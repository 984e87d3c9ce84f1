"""The roster import: files as counties really have them (xlsx, xls-era CSV in GBK, UTF-8 with
or without a BOM, UTF-16 with tabs), headers by alias under title rows, Excel's mangled numbers
refused with row, column and reason; preview changes nothing, commit upserts by registry number,
a second import changes nothing, and a student missing from the new roll is kept and listed."""

import codecs
import csv
import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from cases import crypto
from cases.models import (
    Guardian,
    ImportMode,
    ImportStatus,
    RosterDeparture,
    Student,
    Unit,
    UnitKind,
)
from cases.validators import ID_SCIENTIFIC
from workflows.roster import cells, importing
from workflows.roster.columns import LABELS
from workflows.roster.reading import text_encoding

from ..factories import id_number

HEADER = ["学籍号", "姓名", "性别", "出生日期", "身份证件号", "学校", "年级", "班级", "户籍乡镇",
          "村", "监护人姓名", "关系", "联系电话", "是否留守儿童"]  # fmt: skip


def person(world, name: str, birth=datetime.date(2015, 3, 5), **overrides) -> list:
    number = id_number(birth)
    row = {
        "学籍号": f"G{number}",
        "姓名": name,
        "性别": "男",
        "出生日期": birth.strftime("%Y/%-m/%-d"),
        "身份证件号": number,
        "学校": world.school.name,
        "年级": "五年级",
        "班级": "五年级(1)班",
        "户籍乡镇": world.township.name,
        "村": world.village.name,
        "监护人姓名": f"{name[0]}建国",
        "关系": "父亲",
        "联系电话": "13912345678",
        "是否留守儿童": "否",
    }
    row.update(overrides)
    return [row[column] for column in HEADER]


def csv_bytes(rows, encoding="gb18030", delimiter=",", title=True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    if title:
        writer.writerow(["某某县2026年秋季学期学籍名册"])  # a merged title row above the header
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, numbers_as_numbers=False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["某某县学籍名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in rows:
        row = list(row)
        if numbers_as_numbers:
            row[4] = float(row[4].replace("X", "0"))  # what Excel does to a number column
        birth = datetime.datetime.strptime(row[3], "%Y/%m/%d")
        row[3] = birth  # a real date cell
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def places(world):
    return importing.places_under([world.county])


def refusals_of(checked) -> list[tuple[int, str]]:
    return [(refusal.row, refusal.field) for refusal in checked.refusals]


# Reading files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected"),
    [
        ("gb18030", ",", "gb18030"),
        ("gbk", ",", "gb18030"),
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ",", "utf-8"),
        ("utf-16", "\t", "utf-16"),
    ],
)
def test_text_files_in_every_encoding_excel_writes(world, places, encoding, delimiter, expected):
    data = csv_bytes([person(world, "王小明")], encoding=encoding, delimiter=delimiter)
    checked = importing.check(data, places)
    assert checked.encoding == expected
    assert [entry.name for entry in checked.entries] == ["王小明"]
    assert checked.refusals == []


def test_utf16_without_its_bom_is_recognised(world, places):
    data = csv_bytes([person(world, "王小明")], encoding="utf-16-le", delimiter="\t")
    assert text_encoding(data) == "utf-16-le"
    assert [entry.name for entry in importing.check(data, places).entries] == ["王小明"]


def test_the_user_may_name_the_encoding(world, places):
    data = csv_bytes([person(world, "王小明")], encoding="gb18030")
    with pytest.raises(ValidationError) as refused:
        importing.check(data, places, encoding="utf-8")
    assert "utf-8" in refused.value.messages[0]  # the encoding tried, named


def test_an_xlsx_with_a_title_row_and_real_dates(world, places):
    checked = importing.check(xlsx_bytes([person(world, "李小红")]), places)
    assert checked.refusals == []
    (entry,) = checked.entries
    assert (entry.name, entry.birth_date, entry.class_number) == (
        "李小红",
        datetime.date(2015, 3, 5),
        1,
    )


def test_headers_are_matched_by_alias_not_position(world, places):
    row = person(world, "赵小刚")
    header = list(HEADER)
    header[0], header[4] = "全国学籍号", "身份证号码"
    reordered = [header[i] for i in reversed(range(len(header)))]
    values = [row[i] for i in reversed(range(len(row)))]
    data = "\n".join(",".join(line) for line in (reordered, values)).encode("utf-8")
    checked = importing.check(data, places)
    assert [entry.name for entry in checked.entries] == ["赵小刚"]


def test_a_file_without_the_roster_columns_says_which_are_missing(places):
    data = "姓名,性别,出生日期,学校\n王小明,男,2015-03-05,某小学\n".encode()
    with pytest.raises(ValidationError) as refused:
        importing.check(data, places)
    message = refused.value.messages[0]
    assert str(LABELS["student_no"]) in message
    assert str(LABELS["name"]) not in message  # only what is missing


# Excel's damage, refused with the row, the column and the reason -----------------------------


def test_an_identity_number_excel_stored_as_a_number_is_refused(world, places):
    data = xlsx_bytes([person(world, "王小明")], numbers_as_numbers=True)
    checked = importing.check(data, places)
    assert refusals_of(checked) == [(3, "id_number")]
    assert checked.refusals[0].reason == str(cells.ID_WAS_NUMBER)
    assert checked.refusals[0].column == str(LABELS["id_number"])


@pytest.mark.parametrize(
    ("mangled", "message"),
    [
        ("3.40422E+17", ID_SCIENTIFIC),
        ("340422201503050000", cells.ID_LOST_DIGITS),
        ("340422201503050011.0", cells.ID_TRAILING_ZERO),
    ],
)
def test_mangled_identity_numbers_are_refused_never_guessed(world, places, mangled, message):
    data = csv_bytes([person(world, "王小明", 身份证件号=mangled)])
    checked = importing.check(data, places)
    assert refusals_of(checked) == [(3, "id_number")]  # row 3: title, header, then this one
    assert checked.refusals[0].reason == str(message)


def test_full_width_digits_and_spaces_in_numbers_are_read_as_what_they_are(world, places):
    row = person(world, "王小明")
    number = row[4]
    row[4] = " ".join([number[:6], number[6:14], number[14:]]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    checked = importing.check(csv_bytes([row]), places)
    assert checked.refusals == []
    assert checked.entries[0].id_number == number


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2015/3/5", datetime.date(2015, 3, 5)),
        ("2015-03-05", datetime.date(2015, 3, 5)),
        ("20150305", datetime.date(2015, 3, 5)),
        ("2015年3月5日", datetime.date(2015, 3, 5)),
        (42068.0, datetime.date(2015, 3, 5)),  # Excel's serial day number
        (datetime.datetime(2015, 3, 5), datetime.date(2015, 3, 5)),
    ],
)
def test_dates_in_the_forms_rosters_use(cell, expected):
    assert cells.date(cell) == expected


def test_each_fault_of_a_row_is_named_with_its_column(world, places):
    row = person(world, "王小明", 性别="X", 学校="不存在的学校", 出生日期="2015/13/40")
    checked = importing.check(csv_bytes([row]), places)
    assert sorted(field for _row, field in refusals_of(checked)) == [
        "birth_date",
        "gender",
        "school",
    ]


def test_a_birth_date_that_contradicts_the_identity_number_is_refused(world, places):
    row = person(world, "王小明", 出生日期="2015/3/6")
    checked = importing.check(csv_bytes([row]), places)
    assert refusals_of(checked) == [(3, "birth_date")]


def test_the_same_student_twice_in_a_file_is_refused_the_second_time(world, places):
    row = person(world, "王小明")
    checked = importing.check(csv_bytes([row, row]), places)
    assert refusals_of(checked) == [(4, "student_no")]


def test_a_school_out_of_reach_is_refused(world, elsewhere):
    places = importing.places_under([world.school])
    row = person(world, "王小明", 学校=elsewhere.school.name)
    checked = importing.check(csv_bytes([row]), places)
    assert refusals_of(checked) == [(3, "school")]


# Preview, commit, again ------------------------------------------------------------------------


def test_preview_changes_nothing_then_commit_writes_with_history(world, places, teacher):
    data = xlsx_bytes([person(world, "王小明"), person(world, "李小红", 性别="女")])
    roster_import, _checked = importing.start(
        data=data, file_name="名册.xlsx", by=teacher, places=places
    )
    assert (roster_import.new, roster_import.refused) == (2, 0)
    assert not Student.objects.exists()  # a preview writes no student

    importing.commit(roster_import, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)

    students = Student.objects.order_by("name")
    assert [s.name for s in students] == ["李小红", "王小明"]
    assert {s.klass for s in students} == {world.klass}  # 五年级(1)班 found by grade and number
    record = students[0].history.get()
    assert (record.history_user, record.history_change_reason) == (
        teacher,
        roster_import.change_reason,
    )
    assert Guardian.objects.get(student=students[1]).relation == "father"
    roster_import.refresh_from_db()
    assert (roster_import.status, roster_import.content) == (ImportStatus.COMMITTED, "")


def test_a_second_import_of_the_same_file_changes_nothing(world, places, teacher):
    data = csv_bytes([person(world, "王小明")])
    first, _checked = importing.start(data=data, file_name="a.csv", by=teacher, places=places)
    importing.commit(first, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    student = Student.objects.get()
    versions = student.history.count()

    second, _checked = importing.start(data=data, file_name="a.csv", by=teacher, places=places)
    assert (second.new, second.changed, second.unchanged) == (0, 0, 1)
    importing.commit(second, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)

    assert student.history.count() == versions
    assert Guardian.objects.filter(student=student).count() == 1


def test_a_changed_row_updates_the_student(world, places, teacher):
    row = person(world, "王小明")
    first, _checked = importing.start(
        data=csv_bytes([row]), file_name="a", by=teacher, places=places
    )
    importing.commit(first, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    row[HEADER.index("班级")] = "2班"  # moved to class 2 of the same grade (a new class)
    second, _checked = importing.start(
        data=csv_bytes([row]), file_name="b", by=teacher, places=places
    )
    assert second.changed == 1
    importing.commit(second, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    klass = Student.objects.get().klass
    assert (klass.name, klass.parent, klass.kind) == (
        "五年级(2)班",
        world.klass.parent,
        UnitKind.CLASS,
    )


def test_all_or_nothing_with_a_refused_row_writes_nothing(world, places, teacher):
    rows = [person(world, "王小明"), person(world, "李小红", 性别="?")]
    roster_import, _checked = importing.start(
        data=csv_bytes(rows), file_name="a", by=teacher, places=places
    )
    with pytest.raises(ValidationError):
        importing.commit(roster_import, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    assert not Student.objects.exists()
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.PREVIEWED


def test_the_clean_rows_only(world, places, teacher):
    rows = [person(world, "王小明"), person(world, "李小红", 性别="?")]
    roster_import, _checked = importing.start(
        data=csv_bytes(rows), file_name="a", by=teacher, places=places
    )
    importing.commit(roster_import, by=teacher, places=places, mode=ImportMode.CLEAN_ROWS)
    assert list(Student.objects.values_list("name", flat=True)) == ["王小明"]


def test_a_student_missing_from_the_new_roll_is_kept_and_listed(world, places, teacher):
    staying, leaving = person(world, "王小明"), person(world, "李小红")
    first, _checked = importing.start(
        data=csv_bytes([staying, leaving]), file_name="a", by=teacher, places=places
    )
    importing.commit(first, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)

    second, _checked = importing.start(
        data=csv_bytes([staying]), file_name="b", by=teacher, places=places
    )
    assert second.left_roll == 1
    importing.commit(second, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)

    assert Student.objects.count() == 2  # nobody is deleted
    departure = RosterDeparture.objects.get()
    assert (departure.student.name, departure.school, departure.settled_at) == (
        "李小红",
        world.school,
        None,
    )
    # ... and a third import does not list them twice
    third, _checked = importing.start(
        data=csv_bytes([staying]), file_name="c", by=teacher, places=places
    )
    assert third.left_roll == 0


def test_an_identity_number_of_another_student_on_the_roll_is_refused(world, places, teacher):
    row = person(world, "王小明")
    first, _checked = importing.start(
        data=csv_bytes([row]), file_name="a", by=teacher, places=places
    )
    importing.commit(first, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    other = person(world, "王小明")
    other[HEADER.index("身份证件号")] = row[HEADER.index("身份证件号")]
    other[HEADER.index("出生日期")] = row[HEADER.index("出生日期")]
    checked = importing.check(csv_bytes([other]), places)
    assert refusals_of(checked) == [(3, "id_number")]


def test_a_committed_import_cannot_be_committed_again(world, places, teacher):
    roster_import, _checked = importing.start(
        data=csv_bytes([person(world, "王小明")]), file_name="a", by=teacher, places=places
    )
    importing.commit(roster_import, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    with pytest.raises(ValidationError):
        importing.commit(roster_import, by=teacher, places=places, mode=ImportMode.CLEAN_ROWS)


def test_units_are_untouched_by_a_preview(world, places, teacher):
    row = person(world, "王小明", 班级="9班")
    before = Unit.objects.count()
    importing.start(data=csv_bytes([row]), file_name="a", by=teacher, places=places)
    assert Unit.objects.count() == before


def test_bom_detection():
    assert text_encoding(codecs.BOM_UTF8 + "学籍号".encode()) == "utf-8-sig"


# Found in review: reach, settled departures, guardians, refused cells, broken files ----------


def test_a_student_on_a_roll_outside_reach_is_refused_not_overwritten(world, elsewhere, teacher):
    theirs = importing.places_under([elsewhere.county])
    row = person(elsewhere, "外县学生")
    first, _checked = importing.start(
        data=csv_bytes([row]), file_name="a", by=teacher, places=theirs
    )
    importing.commit(first, by=teacher, places=theirs, mode=ImportMode.ALL_OR_NOTHING)

    ours = importing.places_under([world.school])
    moved = person(world, "改名", 学籍号=row[0], 身份证件号=row[4], 出生日期=row[3])
    checked = importing.check(csv_bytes([moved]), ours)

    assert refusals_of(checked) == [(3, "student_no")]
    assert Student.objects.get().name == "外县学生"


def test_a_settled_transfer_or_an_open_case_is_not_listed_again(world, places, teacher):
    from workflows import services
    from workflows.roster import departures

    rows = [person(world, "王小明"), person(world, "李小红"), person(world, "赵小刚")]
    first, _checked = importing.start(
        data=csv_bytes(rows), file_name="a", by=teacher, places=places
    )
    importing.commit(first, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    services.case_open(student=Student.objects.get(name="赵小刚"), by=teacher)

    second, _checked = importing.start(
        data=csv_bytes(rows[:1]), file_name="b", by=teacher, places=places
    )
    assert second.left_roll == 1  # 李小红; 赵小刚 has an open case already
    importing.commit(second, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    departure = RosterDeparture.objects.get()
    departures.settle_transfer(departure, by=teacher, receiving_school="县实验小学")

    third = importing.check(csv_bytes(rows[:1]), places)
    assert third.leaving == []


def test_a_file_without_relation_or_phone_leaves_the_guardians_as_they_are(world, places, teacher):
    row = person(world, "王小明")
    first, _checked = importing.start(
        data=csv_bytes([row]), file_name="a", by=teacher, places=places
    )
    importing.commit(first, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    keep = [HEADER.index(c) for c in HEADER if c not in ("关系", "联系电话")]
    header = [HEADER[i] for i in keep]
    data = "\n".join(",".join(line) for line in (header, [row[i] for i in keep])).encode()

    checked = importing.check(data, places)

    assert (checked.count("unchanged"), checked.count("changed")) == (1, 0)
    guardian = Guardian.objects.get()
    assert (guardian.relation, guardian.phone) == ("father", "13912345678")


def test_a_row_refused_against_the_roll_is_in_the_refused_rows_too(world, places, teacher):
    row = person(world, "王小明")
    first, _checked = importing.start(
        data=csv_bytes([row]), file_name="a", by=teacher, places=places
    )
    importing.commit(first, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)
    other = person(world, "王小明", 身份证件号=row[4], 出生日期=row[3])
    checked = importing.check(csv_bytes([other]), places)
    assert list(checked.refused_cells) == [3]
    assert checked.refused_cells[3][1] == "王小明"


def test_a_quote_never_closed_is_refused_with_the_row(world, places):
    data = csv_bytes([person(world, "王小明")]) + b'G1,"unclosed' + b"x" * 200_000
    with pytest.raises(ValidationError) as refused:
        importing.check(data, places)
    assert "4" in refused.value.messages[0]


def test_over_long_text_is_refused_and_control_characters_dropped(world, places):
    long_name = person(world, "王" * 51)
    nul = person(world, "李\x00小红")
    checked = importing.check(csv_bytes([long_name, nul]), places)
    assert refusals_of(checked) == [(3, "name")]
    assert [entry.name for entry in checked.entries] == ["李小红"]


def test_new_students_are_written_as_the_orm_would_write_them(world, places, teacher):
    """On PostgreSQL the new rows go by COPY: the same values, encrypted and digested, the same
    history rows, and ids the ORM goes on from."""
    rows = [person(world, "王小明"), person(world, "李小红", 性别="女")]
    roster_import, _checked = importing.start(
        data=csv_bytes(rows), file_name="名册.csv", by=teacher, places=places
    )

    importing.commit(roster_import, by=teacher, places=places, mode=ImportMode.ALL_OR_NOTHING)

    for row in rows:
        student = Student.objects.get(id_number_digest=crypto.digest(row[4]))
        assert (student.student_no, student.id_number, student.name) == (row[0], row[4], row[1])
        assert student.student_no_digest == crypto.digest(row[0])
        assert student.school == world.school
        record = student.history.get()
        assert record.history_type == "+"
        assert (record.id_number, record.klass_id, record.name) == (
            student.id_number,
            student.klass_id,
            student.name,
        )
        guardian = student.guardians.get()
        assert guardian.phone == "13912345678"
        assert guardian.history.get().history_user == teacher
    later = world.student()  # the ORM's next id does not collide with the copied ones
    assert later.pk > max(Student.objects.exclude(pk=later.pk).values_list("pk", flat=True))
