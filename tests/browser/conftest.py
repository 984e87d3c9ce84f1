"""Browser tests: Playwright's sync API driving Debian's headless chromium against pytest-django's
live server (a thread of this process, on the transactional test database).

One browser for the session, a fresh context and page per test. Without chromium the tests are
skipped on a developer's machine and fail under CI, where a skipped browser suite would pass
unnoticed.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

# Playwright's sync API runs an asyncio event loop in this thread, and Django refuses ORM calls
# from a thread with a running loop (SynchronousOnlyOperation). The tests build their data and
# read the results through the ORM between browser actions, never concurrently with the loop's
# own work, so the check is switched off for the process (it is read at call time).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"  # git-ignored; CI keeps it as an artifact
PASSWORD = "pass-Word-123"  # every test user's password (tests/factories.py)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000  # per action and per expectation; a page here answers in well under 1 s
expect.set_options(timeout=TIMEOUT_MS)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "browser: drives headless chromium")


def chromium_path() -> str | None:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.access(path, os.X_OK) else None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "chromium is not installed (apt-get install chromium); browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {message}", pytrace=False)
        pytest.skip(message)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_context(browser):
    """Make browser contexts (separate cookie jars: one per signed-in person); all are closed
    when the test ends."""
    contexts = []
    violations = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def make(**options):
        context = browser.new_context(locale="zh-CN", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("console", watch)  # every page: an inline script or style the CSP refused
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not violations, "the Content-Security-Policy refused:\n" + "\n".join(violations)


@pytest.fixture
def screenshot():
    """Save a full-page screenshot as a test artifact: artifacts/screenshots/<name>.png."""

    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return save


class Ui:
    """What a person does in the browser, in the terms of the pages.

    Selectors are the pages' stable hooks, never their (translated) text: `[data-step]` links
    and `.kc-stage[data-stage]` on the case page, `tr[data-row-id]` in the queues, and the form
    fields by their Django names inside viewflow's `form.vf-form`.
    """

    def __init__(self, base_url: str, new_context) -> None:
        self.base_url = base_url
        self.new_context = new_context

    def url(self, name: str, *args) -> str:
        return self.base_url + reverse(name, args=args)

    def case_url(self, case) -> str:
        return self.url("work:case_detail", case.pk)

    # Signing in and moving around ---------------------------------------------------------------

    def sign_in(self, user, **context_options):
        """A new browser context (its own cookies) with `user` signed in; returns its page."""
        page = self.new_context(**context_options).new_page()
        page.goto(self.url("login"))
        page.fill("input[name=username]", user.get_username())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def visit(self, page, name: str, *args) -> None:
        page.goto(self.url(name, *args))

    def open_row(self, page, case) -> None:
        """In a queue, follow the case's link (the student's name) to the case page."""
        page.locator(f'tr[data-row-id="{case.pk}"] a').first.click()
        page.wait_for_url(self.case_url(case))
        self.expect_case_page(page)

    def open_case(self, page, case) -> None:
        self.expect_answered(page.goto(self.case_url(case)))
        self.expect_case_page(page)

    # The case page -------------------------------------------------------------------------------

    @staticmethod
    def expect_case_page(page) -> None:
        expect(page.locator("#kc-status .kc-stage")).to_be_visible()

    @staticmethod
    def expect_stage(page, stage: str) -> None:
        expect(page.locator("#kc-status .kc-stage")).to_have_attribute("data-stage", stage)

    @staticmethod
    def step_link(page, step: str):
        return page.locator(f'#kc-actions a[data-step="{step}"]')

    @staticmethod
    def blocked_step(page, step: str):
        return page.locator(f'#kc-actions [data-step="{step}"][data-blocked="1"]')

    def start_step(self, page, step: str) -> None:
        """Follow a step's link (or "record contact") from the case page to its form."""
        self.step_link(page, step).click()
        self.expect_form(page)

    # Forms ---------------------------------------------------------------------------------------

    @staticmethod
    def expect_form(page) -> None:
        """The form is on the page and viewflow's field components have rendered their inputs
        (every form here has a text area: the note, or a contact's result)."""
        expect(page.locator("form.vf-form textarea").first).to_be_visible()

    @staticmethod
    def fill(page, name: str, value) -> None:
        page.locator(f'form.vf-form :is(input, textarea)[name="{name}"]').fill(str(value))

    @staticmethod
    def field_value(page, name: str) -> str:
        return page.locator(f'form.vf-form :is(input, textarea)[name="{name}"]').input_value()

    @staticmethod
    def choose(page, name: str, value, *, within: str = "form.vf-form") -> None:
        """Pick an option of a select (viewflow renders a Material menu over a hidden input)."""
        field = page.locator(f'{within} vf-field-select[name="{name}"]')
        field.locator(".mdc-select__anchor").click()
        field.locator(f'li[role=option][data-value="{value}"]').click()
        expect(field.locator(f'input[type=hidden][name="{name}"]')).to_have_value(str(value))

    def tick(self, page, name: str, value) -> None:
        """Tick one option of a multiple-choice field: viewflow renders Django's SelectMultiple
        as a Material menu of checkbox items over real inputs named like the field."""
        self.expect_form(page)
        field = page.locator(f'form.vf-form vf-field-select-multiple[name="{name}"]')
        box = field.locator(f'input[type=checkbox][value="{value}"]')
        # On a loaded machine a click can land while the menu is still opening: try again,
        # never clicking an option that is already ticked (a click would untick it).
        for attempt in range(3):
            if box.is_checked():
                break
            field.locator(".mdc-select__anchor").click()
            option = field.locator(f'li[data-value="{value}"]')
            option.wait_for(state="visible")
            option.click()
            try:
                expect(box).to_be_checked(timeout=3000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
                page.keyboard.press("Escape")
        expect(box).to_be_checked()
        page.keyboard.press("Escape")

    def submit(self, page):
        """Submit the form and wait for the answer (a redirect or the form again)."""
        with page.expect_navigation() as navigation:
            page.locator("form.vf-form button[type=submit]").click()
        return navigation.value

    def submit_to_case_page(self, page, case) -> None:
        """Submit, and require that the step was taken: back on the case page, shown."""
        response = self.submit(page)
        if page.url != self.case_url(case):
            raise AssertionError(f"The form was refused: {self.form_errors(page)!r}")
        self.expect_answered(response)
        self.expect_case_page(page)

    @staticmethod
    def expect_answered(response) -> None:
        if response.status != 200:
            raise AssertionError(f"{response.url} answered {response.status}")

    @staticmethod
    def form_errors(page) -> list[str]:
        """The refusal shown with a form: the form's own errors and every field's error."""
        messages = page.locator("form.vf-form .vf-form__error").all_inner_texts()
        messages += [
            f"{element.get_attribute('name')}: {element.get_attribute('error')}"
            for element in page.locator("form.vf-form [error]").all()
        ]
        return messages

    @staticmethod
    def has_horizontal_scroll(page) -> bool:
        """Whether the page is wider than the screen: it scrolls sideways, or (on a phone) the
        browser zoomed out to fit it, which makes the layout viewport wider than the screen."""
        return page.evaluate(
            "document.documentElement.scrollWidth > window.innerWidth"
            " || window.innerWidth > document.documentElement.clientWidth + 1"
        )


@pytest.fixture
def ui(live_server, new_context) -> Ui:
    return Ui(live_server.url, new_context)
