"""Template filters of the case pages."""

from django import template

from cases.staff import name_of

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, else the username, else a dash (a closed case has no owner)."""
    return name_of(user)
