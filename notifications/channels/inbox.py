"""The in-app inbox (站内消息): always available, so it carries everything on its own."""

from ..models import InboxItem
from .base import Skipped


class InboxChannel:
    name = "inbox"

    def configured(self) -> bool:
        return True

    def send(self, message, rendered) -> None:
        if message.recipient_id is None:
            raise Skipped("a group message has no inbox")
        # One item per outbox row: a repeated delivery finds the item already there.
        InboxItem.objects.get_or_create(
            message=message,
            defaults={
                "user_id": message.recipient_id,
                "title": rendered.title[:200],
                "body": rendered.body,
                "url": rendered.path,
            },
        )
