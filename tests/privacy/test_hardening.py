"""Sign-in throttling, CSRF on every form, and cases pages that browsers must not store."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Role, Stage

from ..builders import case_in_stage
from ..factories import UserFactory

PASSWORD = "pass-Word-123"


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_password_guessing_locks_the_account_for_that_address(db):
    user = UserFactory(username="guessed")
    guesser = Client(REMOTE_ADDR="10.0.0.9")
    for attempt in range(4):
        assert sign_in(guesser, "guessed", f"wrong-{attempt}").status_code == 200
    assert sign_in(guesser, "guessed", "wrong-5").status_code == 429  # the fifth locks
    locked = sign_in(guesser, "guessed", PASSWORD)  # the right password, too late
    assert locked.status_code == 429
    assert "_auth_user_id" not in guesser.session
    # The real user at another address is not locked out.
    assert sign_in(Client(REMOTE_ADDR="10.0.0.10"), user.username, PASSWORD).status_code == 302


def test_forms_need_the_csrf_token(world):
    case = case_in_stage(world, Stage.REPORTED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world[Role.SCHOOL_OFFICER])
    url = reverse("work:case_step", args=[case.pk, "dismiss"])
    response = client.post(
        url, {"seen_stage": Stage.REPORTED, "dismissal_reason": "sick_leave", "note": "病假"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.stage == Stage.REPORTED


# Behind a reverse proxy (production: TRUSTED_PROXY_COUNT=1) --------------------------------------


@pytest.fixture(autouse=True)
def _nginx_at_10_1_1_1(settings):
    settings.TRUSTED_PROXY_NETWORKS = ["10.1.1.0/24"]


def behind_proxy(client_address: str, spoofed: str = "") -> Client:
    """A browser at `client_address` reaching the server through nginx at 10.1.1.1, which appends
    the address it saw to whatever X-Forwarded-For the browser sent."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return Client(REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_the_proxy_one_attacker_cannot_lock_a_user_out_for_everyone(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # as in production
    user = UserFactory(username="teacher_a")
    attacker = behind_proxy("203.0.113.7")
    for attempt in range(5):
        sign_in(attacker, "teacher_a", f"wrong-{attempt}")
    assert sign_in(attacker, "teacher_a", PASSWORD).status_code == 429
    # the teacher, at the school's own address behind the same proxy, still signs in
    assert sign_in(behind_proxy("198.51.100.20"), user.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_header_does_not_dodge_the_lock(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="teacher_b")
    for attempt in range(5):
        # each time another made-up address in front: the proxy's own entry still names the
        # attacker
        sign_in(behind_proxy("203.0.113.8", spoofed=f"192.0.2.{attempt}"), "teacher_b", "x")
    locked = sign_in(behind_proxy("203.0.113.8", spoofed="192.0.2.99"), "teacher_b", PASSWORD)
    assert locked.status_code == 429


def test_a_forwarded_header_from_outside_the_proxies_is_ignored(db, settings):
    """A client reaching the application server directly (not through nginx) cannot pick the
    address it is throttled under: each made-up X-Forwarded-For still counts against its own."""
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="teacher_c")
    for attempt in range(5):
        direct = Client(REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
        sign_in(direct, "teacher_c", "x")
    direct = Client(REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR="192.0.2.77")
    assert sign_in(direct, "teacher_c", PASSWORD).status_code == 429


def test_one_password_sprayed_over_many_usernames_locks_the_address(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    victim = UserFactory(username="sprayed_last")
    sprayer = behind_proxy("203.0.113.9")
    for number in range(7):  # one try each: no username reaches its own limit of five
        assert sign_in(sprayer, f"someone{number}", "Summer2026!").status_code == 200
    assert sign_in(sprayer, "someone7", "Summer2026!").status_code == 429  # the eighth locks
    assert sign_in(sprayer, victim.username, PASSWORD).status_code == 429
    # other addresses are not affected
    assert sign_in(behind_proxy("198.51.100.21"), victim.username, PASSWORD).status_code == 302


def test_production_counts_one_proxy_in_front_by_default():
    import json

    from ..project.test_settings import run_production

    probe = run_production({"TRUSTED_PROXY_COUNT": None}, "TRUSTED_PROXY_COUNT")
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {"TRUSTED_PROXY_COUNT": True}
    value = run_production(
        {"TRUSTED_PROXY_COUNT": None},
        "AXES_CLIENT_IP_CALLABLE",
    )
    assert value.returncode == 0, value.stderr


def test_every_page_sends_the_content_security_policy(client, world):
    client.force_login(world[Role.HOMEROOM_TEACHER])
    response = client.get("/work/mine/")
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert script_src.split() == ["script-src", "'self'"]  # no inline script, no eval
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
