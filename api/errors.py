"""API errors as JSON ``{"detail": …}``: the services' ValidationError is a 400 with its
messages (nothing was written), and the envelope's errors get the statuses the pages use:
a section not granted 403, an erased one 410, sealed data that fails to open 500 (recorded
where it failed, ids only)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from casework.envelope import KeyRefused, SealedDataUnreadable, SectionShredded
from casework.selectors import NOT_GRANTED
from casework.web import SHREDDED, UNREADABLE

BAD_INPUT = _("The request was not accepted; nothing was changed.")
NOT_FOUND = _("Not found.")


def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/: a JSON 404, never the HTML page."""
    return JsonResponse({"detail": str(NOT_FOUND)}, status=404)


def _validation(error: ValidationError) -> Response:
    if hasattr(error, "error_dict"):
        fields = {key: [str(m) for m in msgs] for key, msgs in error.message_dict.items()}
        detail = {"detail": str(BAD_INPUT), "errors": fields}
    else:
        detail = {"detail": " ".join(str(m) for m in error.messages)}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        return _validation(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(
            {"detail": str(BAD_INPUT), "errors": errors}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, KeyRefused):
        return Response({"detail": str(NOT_GRANTED)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, SectionShredded):
        return Response({"detail": str(SHREDDED)}, status=status.HTTP_410_GONE)
    if isinstance(exc, SealedDataUnreadable):
        return Response({"detail": str(UNREADABLE)}, status=500)
    return drf_handler(exc, context)
