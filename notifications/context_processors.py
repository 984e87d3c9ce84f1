"""The unread count for the header badge: one COUNT query, and only on a page that shows it."""

from django.utils.functional import SimpleLazyObject

from . import selectors


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: selectors.unread_count(user))}
