"""Sign-in throttling, CSRF on every form, and cases pages that browsers must not store."""

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
