"""Our own middleware: the default language, and the Permissions-Policy header.

Simplified Chinese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language; a county office's shared
computer may be set to anything, so here only the user's own choice (the language cookie set by
the switch in the header) changes the language. Sits before LocaleMiddleware.
"""

from django.conf import settings


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
