"""The inbox page: the user's own items only, newest first, read by POST, a constant number of
queries, and the unread badge in the header."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import InboxItem, Message

INBOX = "work:inbox:index"


def give(user, n: int, *, prefix: str = "消息", url: str = "/work/cases/15/") -> list[InboxItem]:
    items = []
    for i in range(n):
        message = Message.objects.create(
            recipient=user,
            channel="inbox",
            template_key="case_assigned",
            dedup_key=f"{prefix}-{user.pk}-{i}",
            status="sent",
        )
        items.append(
            InboxItem.objects.create(
                message=message, user=user, title=f"{prefix}{i}", body="正文", url=url
            )
        )
    return items


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_signed_out_goes_to_login(client):
    response = client.get(reverse(INBOX))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_lists_only_the_users_own_items_newest_first(client, user, other_user):
    give(user, 3, prefix="我的")
    give(other_user, 2, prefix="别人的")
    client.force_login(user)
    page = client.get(reverse(INBOX)).content.decode()
    assert "我的2" in page
    assert "别人的" not in page
    assert page.index("我的2") < page.index("我的1") < page.index("我的0")
    assert page.count('class="kc-unread"') == 3


def test_query_count_does_not_grow_with_items(client, user):
    client.force_login(user)
    give(user, 10, prefix="a")
    ten = queries(client, reverse(INBOX))
    give(user, 20, prefix="b")
    thirty = queries(client, reverse(INBOX))
    assert ten == thirty


def test_opening_an_item_marks_it_read_and_follows_its_link(client, user):
    [item] = give(user, 1)
    client.force_login(user)
    assert client.get(reverse(INBOX)).status_code == 200
    item.refresh_from_db()
    assert item.read_at is None  # looking is not reading: GET changes nothing
    response = client.post(reverse(INBOX), {"item": item.pk})
    assert response.status_code == 302
    assert response["Location"] == "/work/cases/15/"
    item.refresh_from_db()
    assert item.read_at is not None
    page = client.get(reverse(INBOX)).content.decode()
    assert 'class="kc-read"' in page


def test_an_outside_link_is_not_followed(client, user):
    [item] = give(user, 1, url="https://evil.example.com/")
    client.force_login(user)
    response = client.post(reverse(INBOX), {"item": item.pk})
    assert response["Location"] == reverse(INBOX)


@pytest.mark.parametrize("value", ["other", "abc", "999999"])
def test_someone_elses_or_no_item_is_404(client, user, other_user, value):
    [theirs] = give(other_user, 1)
    client.force_login(user)
    item = str(theirs.pk) if value == "other" else value
    assert client.post(reverse(INBOX), {"item": item}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_the_users_items(client, user, other_user):
    give(user, 3)
    [theirs] = give(other_user, 1)
    client.force_login(user)
    response = client.post(reverse(INBOX), {"all": "1"})
    assert response.status_code == 302
    assert not InboxItem.objects.filter(user=user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_header_badge_shows_the_unread_count_in_one_query(client, user):
    give(user, 4)
    client.force_login(user)
    page = client.get(reverse("work:mine:index")).content.decode()
    assert 'class="kc-inbox-count"' in page
    assert ">4</span>" in page
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("work:mine:index"))
    counts = [q["sql"] for q in captured if "notifications_inboxitem" in q["sql"]]
    assert len(counts) == 1


def test_no_badge_when_all_is_read(client, user):
    client.force_login(user)
    page = client.get(reverse(INBOX)).content.decode()
    assert 'class="kc-inbox-count"' not in page
    assert "kc-inbox-badge" in page
