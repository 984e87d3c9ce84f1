"""Strings of the packages whose pages we show (viewflow, django-axes, a few of Django's admin)
that ship no Simplified Chinese: listed here so that `makemessages` keeps them in our
catalogue, which translates them.

Never imported; only read by makemessages. The translation check (bin/check_translations.py)
fails when one is left untranslated, like any string of ours.
"""

from django.utils.translation import gettext_noop as _

VIEWFLOW = [
    # The date and time fields' placeholders (viewflow.forms.renderers).
    _("YYYY"),
    _("MM"),
    _("DD"),
    _("HH"),
    _("SS"),
    _("AM/PM"),
    # The list pages and the page frame.
    _("Filter"),
    _("Logout"),
    _("Log out"),
    _("Profile"),
    _("Administration"),
    _("Please correct the error below."),
    _("Please correct the errors below."),
    _("Cancel"),
    _("Submit"),
    _("Back"),
    _("Home"),
    _("Log in"),
    _("Login"),
]

AXES = [
    # The admin's pages for sign-in attempts (axes.admin, axes.models).
    _("Form Data"),
    _("Meta Data"),
    _("User Agent"),
    _("IP Address"),
    _("Username"),
    _("HTTP Accept"),
    _("Path"),
    _("Attempt Time"),
    _("Access lock out"),
    _("access failure"),
    _("access failures"),
    _("GET Data"),
    _("POST Data"),
    _("Failed Logins"),
    _("access attempt"),
    _("access attempts"),
    _("Logout Time"),
    _("access log"),
    _("access logs"),
    _("Access Attempt"),
    _("Attempt Remaining"),
    _("Clean up expired attempts"),
    _("Expires At"),
    _("Locked Out"),
    _("Not set"),
    _("Session key hash (sha256)"),
    _("The time when access attempt expires and is no longer valid."),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("Account locked: too many login attempts. Please try again later."),
    _("Account locked: too many login attempts. Contact an admin to unlock your account."),
]

DJANGO_ADMIN = [
    # The admin index's table headers, read out by screen readers (admin/app_list.html).
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
]
