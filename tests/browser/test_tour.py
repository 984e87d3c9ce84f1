"""Every page as its user sees it: each role walks every page of its menu, a case page, a step
form, and the pages for a refused or missing address, on a desktop and on a phone.

Each page is saved as a screenshot (artifacts/screenshots/tour/) and must hold no English words
on the Chinese pages, need no sideways scrolling on the phone, and log no console error.
"""

import datetime
import re

import pytest
from django.urls import reverse

from cases import clock
from cases.models import Role, Stage

from ..builders import case_in_stage
from ..factories import UserFactory
from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}

# Latin words that belong on a Chinese page: the language switch offers "English"; file formats
# and encodings go by their names (.xlsx, CSV, UTF-8, GBK, Excel); and the system's own name for
# a person may be a username (test users have none other).
ALLOWED_WORDS = {"English", "CSV", "csv", "xlsx", "xls", "txt", "Excel", "UTF", "GBK", "GB"}

# The visible text of a page, without icon ligatures ("notifications", "menu" are glyphs) and
# without what is hidden.
VISIBLE_TEXT = """() => {
  const skip = "script, style, noscript, template, .material-icons, [aria-hidden=true]";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (parent.checkVisibility && !parent.checkVisibility({visibilityProperty: true})) continue;
    parts.push(node.textContent);
  }
  for (const field of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    parts.push(field.placeholder);
  }
  return parts.join(" ");
}"""
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def english_words(page, usernames) -> set[str]:
    words = set(LATIN_WORD.findall(page.evaluate(VISIBLE_TEXT)))
    return words - ALLOWED_WORDS - set(usernames)


def menu_links(page) -> list[str]:
    """The paths of the pages in the signed-in user's menu (the drawer's links)."""
    hrefs = page.eval_on_selector_all(
        ".mdc-drawer a.mdc-list-item[href]", "links => links.map(link => link.pathname)"
    )
    return list(dict.fromkeys(href for href in hrefs if href.startswith("/")))


class Tour:
    """One person's walk on one screen size, checking every page on the way."""

    def __init__(self, ui, user, size: str, usernames) -> None:
        self.ui = ui
        self.user = user
        self.size = size
        self.usernames = usernames
        self.problems: list[str] = []
        self.console_errors: list[str] = []
        self.page = ui.sign_in(user, **SIZES[size])
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message) -> None:
        # The page's own status (a 404 page answers 404) is checked by `look`, not here.
        if message.type == "error" and message.location.get("url") != self.page.url:
            self.console_errors.append(message.text)

    def look(self, path: str, name: str, *, status: int = 200) -> None:
        self.console_errors.clear()
        response = self.page.goto(self.ui.base_url + path)
        self.page.wait_for_load_state("networkidle")
        where = f"{self.size} {name} ({path})"
        if response.status != status:
            self.problems.append(f"{where}: answered {response.status}, not {status}")
        words = english_words(self.page, self.usernames)
        if words:
            self.problems.append(f"{where}: English on a Chinese page: {sorted(words)}")
        if self.size == "phone" and self.ui.has_horizontal_scroll(self.page):
            self.problems.append(f"{where}: scrolls sideways on a phone")
        if self.console_errors:
            self.problems.append(f"{where}: console errors {self.console_errors}")
        target = SCREENSHOTS / "tour" / f"{self.user.username}-{self.size}-{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(target), full_page=True)


def step_links(page) -> list[str]:
    return page.eval_on_selector_all(
        "#kc-actions a[data-step]", "links => links.map(link => link.pathname)"
    )


ROLES = [
    Role.HOMEROOM_TEACHER,
    Role.SUBJECT_TEACHER,
    Role.SCHOOL_OFFICER,
    Role.TOWNSHIP_OFFICIAL,
    Role.VILLAGE_CADRE,
    Role.DISTRICT_SUPERVISOR,
    Role.COUNTY_SUPERVISOR,
]
CASE_OF_ROLE = {
    Role.HOMEROOM_TEACHER: Stage.HOME_VISIT,
    Role.SUBJECT_TEACHER: Stage.TUTORING_FOLLOWUP,
    Role.SCHOOL_OFFICER: Stage.REPORTED,
    Role.TOWNSHIP_OFFICIAL: Stage.TOWNSHIP_PERSUASION,
    Role.VILLAGE_CADRE: Stage.TOWNSHIP_PERSUASION,
    Role.DISTRICT_SUPERVISOR: Stage.TOWNSHIP_PERSUASION,
    Role.COUNTY_SUPERVISOR: Stage.LEGAL_ENFORCEMENT,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_reads_in_chinese_and_fits(ui, world, elsewhere, role, size):
    # Given a case waiting for each role, and the role's person on a desktop or a phone
    cases = {stage: case_in_stage(world, stage) for stage in set(CASE_OF_ROLE.values())}
    overdue = cases[Stage.TOWNSHIP_PERSUASION]  # on the supervisors' overdue queue
    overdue.deadline = clock.now() - datetime.timedelta(days=3)
    overdue.save(update_fields=["deadline"])
    stranger = case_in_stage(elsewhere, Stage.HOME_VISIT)
    user = world[role]
    usernames = [person.username for person in (*world.people.values(), *elsewhere.people.values())]
    tour = Tour(ui, user, size, usernames)

    # When they open every page of their menu, their case, its first step's form, a case out of
    # their reach and an address that does not exist
    links = menu_links(tour.page)
    assert links, "the menu shows no pages"
    for path in links:
        tour.look(path, path.strip("/").replace("/", "-") or "home")
    case_path = reverse("work:case_detail", args=[cases[CASE_OF_ROLE[role]].pk])
    tour.look(case_path, "case")
    steps = step_links(tour.page)
    if steps:
        tour.look(steps[0], "step-form")
    tour.look(reverse("work:case_detail", args=[stranger.pk]), "refused", status=404)
    tour.look("/no-such-page/", "missing", status=404)

    # Then every page read in Chinese, fitted the screen and logged no error
    assert not tour.problems, "\n".join(tour.problems)


def test_a_page_of_another_role_is_refused_in_chinese(ui, world):
    # Given a homeroom teacher, who has no overdue queue
    tour = Tour(ui, world[Role.HOMEROOM_TEACHER], "phone", [])

    # When they open the supervisors' overdue queue
    tour.look(reverse("work:overdue:index"), "forbidden", status=403)

    # Then the refusal reads in Chinese, fits, and offers a way back to the work pages
    assert not tour.problems, "\n".join(tour.problems)
    assert tour.page.locator(f'a[href="{reverse("work:mine:index")}"]').count() == 1


def test_an_administrator_finds_the_admin_in_the_menu(ui, world):
    # Given a staff member with access to the admin, and a case with history
    admin = UserFactory(username="county_admin", is_staff=True, is_superuser=True)
    case = case_in_stage(world, Stage.HOME_VISIT)
    tour = Tour(ui, admin, "desktop", [admin.username])

    # When they follow the menu's link to the administration
    tour.page.locator('.mdc-drawer a[href="/work/admin/"]').click()

    # Then the admin opens, and its pages for the county's rules, a case and the sign-in
    # records read in Chinese
    tour.page.wait_for_url(ui.base_url + "/admin/")
    for name in (
        "admin:index",
        "admin:workflows_stagepolicy_changelist",
        "admin:workflows_stagepolicy_add",
        "admin:workflows_calendarday_changelist",
        "admin:workflows_calendarday_add",
        "admin:axes_accessattempt_changelist",
    ):
        tour.look(reverse(name), name.split(":")[1])
    tour.look(reverse("admin:cases_case_change", args=[case.pk]), "case")
    assert not tour.problems, "\n".join(tour.problems)


def test_no_one_else_is_offered_the_admin(ui, world):
    tour = Tour(ui, world[Role.COUNTY_SUPERVISOR], "desktop", [])
    assert "/work/admin/" not in menu_links(tour.page)


def test_a_locked_out_person_reads_why_and_finds_the_way_back(ui, world, new_context):
    # Given a teacher on a phone who mistypes the password five times
    page = new_context(**SIZES["phone"]).new_page()
    page.goto(ui.url("login"))
    for attempt in range(5):
        page.fill("input[name=username]", world[Role.HOMEROOM_TEACHER].username)
        page.fill("input[name=password]", f"wrong-{attempt}")
        page.click("button[type=submit]")
        page.wait_for_load_state()

    # Then the page says why in Chinese, fits the phone, and leads back to the sign-in
    words = english_words(page, [world[Role.HOMEROOM_TEACHER].username])
    assert not words, words
    assert not ui.has_horizontal_scroll(page)
    page.locator('a[data-action="sign-in"]').click()
    page.wait_for_url(ui.url("login"))
