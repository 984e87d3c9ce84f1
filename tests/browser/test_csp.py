"""The Content-Security-Policy in a real browser: an injected inline script does not run."""

import pytest

from cases.models import Role

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_does_not_run(browser, live_server, world):
    # A context of its own: the violation this test provokes on purpose is not a failure.
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", world[Role.HOMEROOM_TEACHER].get_username())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.kcInjected = true";
                document.body.appendChild(script);
                document.body.insertAdjacentHTML(
                    "beforeend", '<img src="/nowhere.png" onerror="window.kcHandler = true">'
                );
            }"""
        )
        page.wait_for_timeout(300)
        assert page.evaluate("window.kcInjected === undefined && window.kcHandler === undefined")
    finally:
        context.close()
