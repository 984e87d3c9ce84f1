"""The notice that the coming year's holidays are not confirmed yet (admin and supervisors)."""

from django import template

from cases import clock

from .. import workdays

register = template.Library()


@register.inclusion_tag("workflows/calendar_notice.html")
def calendar_notice() -> dict:
    """Shown while next year's State Council schedule is neither in the package nor entered
    as national calendar days: its deadlines count the statutory holidays but no 调休 days."""
    year = clock.today().year + 1
    return {"year": None if workdays.year_confirmed(year) else year}
