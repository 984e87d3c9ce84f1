"""Refusals as the API answers them: a step's typed `CaseError` by its outcome (403, 404, 409,
422) and a form's errors (422), each with the message the pages show, in Chinese by default; a
body larger than the server takes (413), in JSON like the rest."""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..errors import CaseError

INVALID_INPUT = _("The input was refused: see the errors of each field.")
BODY_TOO_LARGE = _("The body is too large for the server: send the rows in smaller batches.")


class FormRefused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = INVALID_INPUT

    def __init__(self, form) -> None:
        super().__init__(INVALID_INPUT)
        self.errors = {
            field or "__all__": [str(message) for message in messages]
            for field, messages in form.errors.items()
        }


def answer(error, context):
    if isinstance(error, RequestDataTooBig):  # else Django's HTML page for a bad request
        return Response({"detail": str(BODY_TOO_LARGE)}, status=413)
    if isinstance(error, CaseError):
        return Response({"detail": str(error)}, status=int(error.outcome))
    if isinstance(error, FormRefused):
        return Response({"detail": str(error.detail), "errors": error.errors}, status=422)
    if isinstance(error, exceptions.ValidationError):
        return Response({"detail": str(INVALID_INPUT), "errors": error.detail}, status=422)
    return exception_handler(error, context)
