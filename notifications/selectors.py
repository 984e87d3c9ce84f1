"""Reads of the inbox that pages share (a user only ever sees their own items), and of the
units' group robots for the jobs that write to them."""

from django.db.models import QuerySet

from .models import DingTalkRobot, InboxItem


def inbox_items(user) -> QuerySet[InboxItem]:
    """The user's inbox, newest first."""
    return InboxItem.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()


def active_robots() -> QuerySet[DingTalkRobot]:
    """The DingTalk robots switched on, by their unit's place in the tree."""
    return DingTalkRobot.objects.filter(active=True).order_by("unit__path")
