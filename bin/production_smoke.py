"""The production stage of CI, as a person and an operator would see it: against a running
`bin/serve` (URL in SMOKE_URL, the same production variables in the environment), the demo
teacher signs in through the login page in a real browser, reports a case and records a phone
call; then the database must hold the event, the history row, the contact and the outbox row,
which the Celery worker must deliver; static files must come with far-future cache headers and
`/healthz` must answer. Prints what it checked; exits non-zero at the first failure.
"""

import os
import re
import shutil
import sys
import time
import urllib.request

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")
# Playwright's sync API runs an event loop in this thread; the ORM reads happen between browser
# actions, never alongside them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
django.setup()

from django.urls import reverse  # noqa: E402 - after django.setup()
from django_celery_beat.models import PeriodicTask  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from cases.models import Case, CaseEvent, Contact, Stage, Step  # noqa: E402
from notifications.models import Message, Status  # noqa: E402

BASE = os.environ["SMOKE_URL"].rstrip("/")
PASSWORD = "demo12345"  # noqa: S105 - the demo users' published password (fixtures/demo.py)
ONE_YEAR = 365 * 24 * 3600
DELIVERY_SECONDS = 60


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def get(path: str):
    return urllib.request.urlopen(BASE + path, timeout=10)  # noqa: S310 - our own loopback server


def sign_in(page, username: str) -> None:
    page.goto(BASE + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def submit(page) -> None:
    with page.expect_navigation():
        page.locator("form.vf-form button[type=submit]").click()


def report_and_call(page, case: Case) -> None:
    page.goto(BASE + reverse("work:case_detail", args=[case.pk]))
    expect(page.locator("#kc-status .kc-stage")).to_have_attribute("data-stage", Stage.IDENTIFIED)
    page.locator(f'#kc-actions a[data-step="{Step.REPORT}"]').click()
    page.locator('form.vf-form textarea[name="note"]').fill("生产环境冒烟测试：上报")
    submit(page)
    expect(page.locator("#kc-status .kc-stage")).to_have_attribute("data-stage", Stage.REPORTED)

    page.locator('#kc-actions a[data-step="record_contact"]').click()
    kind = page.locator('form.vf-form vf-field-select[name="kind"]')
    kind.locator(".mdc-select__anchor").click()
    kind.locator('li[role=option][data-value="phone"]').click()
    page.locator('form.vf-form input[name="place"]').fill("学校办公室")
    attitude = page.locator('form.vf-form vf-field-select[name="guardian_attitude"]')
    attitude.locator(".mdc-select__anchor").click()
    attitude.locator('li[role=option][data-value="hesitant"]').click()
    page.locator('form.vf-form textarea[name="result"]').fill("家长表示考虑让孩子返校")
    submit(page)
    expect(page.locator("#kc-status .kc-stage")).to_be_visible()


def main() -> None:
    with get("/healthz") as response:
        check(response.status == 200, "/healthz answers 200")

    scheduled = set(PeriodicTask.objects.filter(enabled=True).values_list("task", flat=True))
    check(
        {"workflows.tasks.sweep_deadlines", "notifications.tasks.deliver_due"} <= scheduled,
        "the sweep and the delivery retries are scheduled in the database",
    )

    case = Case.objects.filter(owner__username="teacher", stage=Stage.IDENTIFIED).first()
    check(case is not None, "the demo teacher owns a case to report")
    history_before = case.history.count()
    contacts_before = Contact.objects.filter(case=case).count()
    messages_before = set(Message.objects.values_list("pk", flat=True))

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(15_000)
        sign_in(page, "teacher")
        check(True, "the teacher signed in through the login page")
        report_and_call(page, case)
        html = page.content()
        browser.close()

    case.refresh_from_db()
    check(case.stage == Stage.REPORTED, "the case moved to reported")
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    check(
        event.step == Step.REPORT and event.actor.username == "teacher",
        "the report event names the teacher",
    )
    check(case.history.count() == history_before + 1, "one history row for the step")
    check(
        case.history.first().history_user.username == "teacher",
        "the history row names the teacher",
    )
    contact = Contact.objects.filter(case=case).order_by("-id").first()
    check(
        Contact.objects.filter(case=case).count() == contacts_before + 1
        and contact.kind == "phone",
        "the phone call is recorded",
    )

    new = Message.objects.exclude(pk__in=messages_before)
    check(new.exists(), "the step wrote outbox rows")
    waited = 0.0
    while new.exclude(status__in=[Status.SENT, Status.SKIPPED]).exists():
        if waited >= DELIVERY_SECONDS:
            break
        time.sleep(0.5)
        waited += 0.5
    statuses = sorted(set(new.values_list("status", flat=True)))
    check(
        statuses and set(statuses) <= {Status.SENT, Status.SKIPPED},
        f"the worker delivered the outbox rows within {waited:.1f} s ({statuses})",
    )

    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', html)
    check(stylesheet is not None, "the page links a hashed stylesheet")
    with get(stylesheet.group(1)) as response:
        cache = response.headers.get("Cache-Control", "")
        max_age = int(re.search(r"max-age=(\d+)", cache).group(1)) if "max-age" in cache else 0
        check(
            response.status == 200 and max_age >= ONE_YEAR,
            f"static files are served with far-future caching ({cache})",
        )


if __name__ == "__main__":
    main()
