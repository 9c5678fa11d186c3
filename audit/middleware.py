from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit import context


class RequestIdMiddleware:
    """Gives every request an id that its audit events share; clears the context afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = context.new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]  # ours; HttpRequest declares none
        rid_token = context.request_id.set(rid)
        org_token = context.organisation_id.set("")
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(rid_token)
            context.organisation_id.reset(org_token)
        response["X-Request-ID"] = rid
        return response
