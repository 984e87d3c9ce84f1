"""Inputs that are not what they seem: Unicode digits, huge numbers, negative ids, text and
repeated values in every numeric parameter of every page answer 404 (no such thing) or 422 (a
form that says what is wrong), never a server error."""

import pytest

from cases.models import Role, Stage

from ..builders import case_in_stage

ODD = [
    "²",
    "１２",
    "-1",
    "0",
    "1e3",
    "0x1F",
    " 1",
    "99999999999999999999999",
    "9223372036854775808",
]
LISTS = [
    "/work/mine/",
    "/work/all/",
    "/work/overdue/",
    "/work/reports/",
    "/work/township/",
    "/work/students/",
    "/work/inbox/",
    "/work/schools/",
]
ROLE_FOR = {  # someone who may open each list
    "/work/overdue/": Role.COUNTY_SUPERVISOR,
    "/work/schools/": Role.COUNTY_SUPERVISOR,
    "/work/reports/": Role.SCHOOL_OFFICER,
    "/work/township/": Role.TOWNSHIP_OFFICIAL,
}


@pytest.fixture
def people(world):
    case_in_stage(world, Stage.HOME_VISIT)
    return world


@pytest.mark.parametrize("value", ODD)
def test_the_inbox_item_is_an_id_or_nothing(client, people, value):
    client.force_login(people[Role.HOMEROOM_TEACHER])
    assert client.post("/work/inbox/", {"item": value}).status_code == 404
    assert client.post("/work/inbox/", {"item": [value, "1"]}).status_code in (302, 404)


@pytest.mark.parametrize("value", [*ODD, "abc", ""])
@pytest.mark.parametrize("url", LISTS)
def test_a_page_number_is_a_page_or_404(client, people, url, value):
    client.force_login(people[ROLE_FOR.get(url, Role.HOMEROOM_TEACHER)])
    response = client.get(url, {"page": value})
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "0"])
@pytest.mark.parametrize(
    "pattern",
    [
        "/work/cases/{}/",
        "/work/cases/{}/steps/report/",
        "/work/cases/{}/contacts/new/",
        "/work/cases/{}/identity/",
        "/work/students/{}/open/",
    ],
)
def test_a_huge_id_in_a_url_is_404(client, people, pattern, value):
    client.force_login(people[Role.SCHOOL_OFFICER])
    url = pattern.format(value)
    assert client.get(url).status_code == 404
    assert client.post(url, {"seen_stage": "home_visit"}).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seen_version", "²"),
        ("seen_version", "99999999999999999999999"),
        ("owner", "99999999999999999999999"),
        ("owner", "²"),
        ("days", "-5"),
        ("days", "99999999999999999999999"),
        ("tutor", "-1"),
    ],
)
def test_numbers_in_step_forms_are_checked_by_the_form(client, people, field, value):
    case = case_in_stage(people, Stage.TOWNSHIP_PERSUASION)
    client.force_login(people[Role.TOWNSHIP_OFFICIAL])
    for step in ("order_enforcement", "reassign", "hand_over"):
        body = {"seen_stage": case.stage, "note": "测试", field: value}
        response = client.post(f"/work/cases/{case.pk}/steps/{step}/", body)
        assert response.status_code in (403, 409, 422), (step, response.status_code)
    case.refresh_from_db()
    assert case.stage == Stage.TOWNSHIP_PERSUASION


def test_full_width_digits_typed_with_a_chinese_keyboard_are_numbers(client, people):
    """ "１０" from a Chinese input method means 10: the form takes it as such."""
    from workflows import services

    case = case_in_stage(people, Stage.TOWNSHIP_PERSUASION)
    services.contact_record(
        case=case,
        by=people[Role.TOWNSHIP_OFFICIAL],
        kind="joint_visit",
        occurred_on=case.stage_started_at.date(),
        guardian_attitude="opposed",
        result="家长拒绝",
    )
    client.force_login(people[Role.TOWNSHIP_OFFICIAL])
    body = {"seen_stage": case.stage, "days": "１０"}
    response = client.post(f"/work/cases/{case.pk}/steps/order_enforcement/", body)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.order_days == 10
