"""E-mail through Django's mail backend (EMAIL_URL in production, the console on a laptop)."""

from django.conf import settings
from django.core.mail import send_mail

from .base import Skipped


class EmailChannel:
    name = "email"

    def configured(self) -> bool:
        return True

    def send(self, message, rendered) -> None:
        user = message.recipient
        if user is None or not user.email:
            raise Skipped("no e-mail address")
        text = f"{rendered.body}\n\n{rendered.link_text}: {rendered.absolute_url}\n"
        send_mail(
            rendered.title,
            text,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            fail_silently=False,
        )
