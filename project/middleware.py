"""Our own middleware: the default language, the Permissions-Policy header, and the error
pages under DEBUG.

Simplified Chinese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language; a county office's shared
computer may be set to anything, so here only the user's own choice (the language cookie set by
the switch in the header) changes the language. Sits before LocaleMiddleware.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.defaults import page_not_found, server_error

logger = logging.getLogger("django.request")


class DefaultLanguageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META["HTTP_ACCEPT_LANGUAGE"] = settings.LANGUAGE_CODE
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY with every answer: the browser features no page uses are off."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ErrorPagesMiddleware:
    """Under DEBUG, answers a missing page and a server error with the pages a user sees in
    production (404.html, 500.html), not Django's technical pages: the demo is shown to people
    who read Chinese, not tracebacks. Off without DEBUG, where Django's own handlers render the
    same templates, and off when ERROR_PAGES_UNDER_DEBUG is False (a developer's traceback).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An address no URL matches never reaches process_exception: its technical page is
        # already made, and replaced here.
        if (
            self._active()
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request, Http404())
        return response

    @staticmethod
    def _active() -> bool:
        return settings.DEBUG and settings.ERROR_PAGES_UNDER_DEBUG

    def process_exception(self, request, exception):
        if not self._active() or isinstance(exception, (Http404, PermissionDenied)):
            return None  # a 404 is replaced on the way out; Django renders 403.html itself
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return server_error(request)
