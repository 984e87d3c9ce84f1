"""Reads of the inbox that pages share. A user only ever sees their own items."""

from django.db.models import QuerySet

from .models import InboxItem


def inbox_items(user) -> QuerySet[InboxItem]:
    """The user's inbox, newest first."""
    return InboxItem.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()
