"""The message templates: a registry from template key to title and body, and their rendering.

To add a message, `register()` one `MessageTemplate` under its key (an app does it when it is
ready; `workflows` registers the case messages): its `keys` are the only context keys a caller
may pass (notify() refuses others, so a child's name or a phone number cannot
slip into the outbox), and its texts are `str.format` strings with English msgids, translated
through gettext. Texts are rendered at delivery time in NOTIFICATIONS_LANGUAGE (Chinese by
default), since the sender's own language choice says nothing about the recipient's.
"""

import dataclasses
import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

UNKNOWN_TEMPLATE = "Unknown notification template: %(key)s"
DUPLICATE_TEMPLATE = "Another notification template is registered as %(key)s."
WRONG_KEYS = "Template %(key)s takes exactly the context keys %(expected)s; got %(got)s."
NOT_JSON = "Context value for %(name)s is a %(type)s; only text, numbers and datetimes fit."
SENSITIVE_NUMBER = (
    "Context value for %(name)s looks like a phone or identity number; notifications never "
    "carry one."
)

#: Runs of 11 or more digits (a mobile number, an identity number) or the 17 digits + X form.
_SENSITIVE = re.compile(r"\d{11,}|\d{17}[Xx]")


OPEN_LINK = _("Open")
NO_DEADLINE = _("no deadline")


@dataclasses.dataclass(frozen=True)
class MessageTemplate:
    """A notification's texts. `sms_params` are the context keys, in order, that fill the
    pre-approved SMS template (SMS in China is template-only: an id plus ordered parameters);
    the id itself comes from the NOTIFICATIONS_SMS_TEMPLATES setting."""

    title: Promise
    body: Promise
    keys: frozenset[str]  # the context keys; "url", when present, is the message's link
    sms_params: tuple[str, ...] = ()
    datetime_keys: frozenset[str] = frozenset()  # shown as local date and time
    link_text: Promise = OPEN_LINK


TEMPLATES: dict[str, MessageTemplate] = {}


def register(key: str, template: MessageTemplate) -> None:
    """Add a message; the apps that send messages register theirs when they are ready."""
    if TEMPLATES.get(key, template) != template:
        raise ValueError(DUPLICATE_TEMPLATE % {"key": key})
    TEMPLATES[key] = template


@dataclasses.dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    path: str  # the link on this site, as the caller gave it ("/work/cases/15/")
    absolute_url: str  # the same link with SITE_URL in front, for e-mail and group robots
    sms_params: list[str]
    link_text: str


def get_template(key: str) -> MessageTemplate:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise ValueError(UNKNOWN_TEMPLATE % {"key": key}) from None


def clean_context(template_key: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as it is stored in the outbox: exactly the template's keys, JSON-safe
    (datetimes as ISO strings, lazy text in NOTIFICATIONS_LANGUAGE), no phone or ID numbers."""
    template = get_template(template_key)
    if set(context) != template.keys:
        raise ValueError(
            WRONG_KEYS
            % {"key": template_key, "expected": sorted(template.keys), "got": sorted(context)}
        )
    with translation.override(settings.NOTIFICATIONS_LANGUAGE):
        cleaned = {name: _json_safe(name, value) for name, value in context.items()}
    for name, value in cleaned.items():
        if isinstance(value, str) and _SENSITIVE.search(value):
            raise ValueError(SENSITIVE_NUMBER % {"name": name})
    return cleaned


def _json_safe(name: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(NOT_JSON % {"name": name, "type": type(value).__name__})


def absolute(path: str) -> str:
    """A site path as a full address (SITE_URL + path); anything else is returned as it is."""
    if path.startswith("/") and not path.startswith("//"):
        return settings.SITE_URL.rstrip("/") + path
    return path


def render(template_key: str, context: Mapping[str, Any]) -> Rendered:
    """Title, body, links and SMS parameters of a stored message, in NOTIFICATIONS_LANGUAGE."""
    template = get_template(template_key)
    with translation.override(settings.NOTIFICATIONS_LANGUAGE):
        values = {name: _display(template, name, context.get(name)) for name in template.keys}
        path = str(context.get("url") or "")
        return Rendered(
            title=str(template.title).format(**values),
            body=str(template.body).format(**values),
            path=path,
            absolute_url=absolute(path),
            sms_params=[values[name] for name in template.sms_params],
            link_text=str(template.link_text),
        )


def _display(template: MessageTemplate, name: str, value: Any) -> str:
    if name in template.datetime_keys:
        if not value:
            return str(NO_DEADLINE)
        moment = datetime.datetime.fromisoformat(value)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if name == "url":
        return absolute(str(value or ""))
    return "" if value is None else str(value)
