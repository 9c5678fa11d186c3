"""What every case page shares: the case fetched through the selector, data keys kept for
the request only, and calm pages for sealed data that fails to open or was shredded."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import active_membership
from casework.envelope import (
    KeyRefused,
    SealedDataUnreadable,
    SectionShredded,
    is_shredded,
    key_scope,
)
from casework.models import Case
from casework.selectors import CASE_LIST_ROLES, NOT_GRANTED, case_for, section_refusal
from casework.selectors.memo import request_memo

SAFE_METHODS = frozenset({"GET", "HEAD"})

# What a page returns: a rendered page, or a streamed download.
R = TypeVar("R", bound=HttpResponseBase)

UNREADABLE = _(
    "This part of the case file could not be opened. Nothing was shown and nothing was "
    "changed. The problem has been recorded; please tell your organisation's admin."
)
SHREDDED = _(
    "This section was erased: its content can no longer be read here, and nothing can be added "
    "to it."
)
NO_CASE_ROLE = _("Case files are open to caseworkers and organisation admins only.")


class SectionRefused(Exception):
    def __init__(self, message) -> None:
        self.message = message
        super().__init__("section refused")


def require_section(
    request: AuthenticatedHttpRequest, case: Case, section: str, *, write: bool = True
) -> None:
    """Raises SectionRefused (a 403 page with the reason) unless the user may change the
    section (``write=False``: read it), and SectionShredded (the 410 "erased" page) when it
    was erased: no form is offered for a section that can hold nothing any more."""
    refusal = section_refusal(user=request.user, case=case, section=section, write=write)
    if refusal is not None:
        raise SectionRefused(refusal)
    if is_shredded(case_id=case.pk, section=section):
        raise SectionShredded(section)


def save_form(request: HttpRequest, form, call: Callable[[], object], success, *, to):
    """Calls the service; on ValidationError puts its messages on the form (nothing was
    written) and returns None, else shows ``success`` and redirects to ``to``."""
    try:
        call()
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return None
    messages.success(request, success)
    return redirect(to)


def forbidden(request: HttpRequest, message) -> HttpResponse:
    return render(request, "casework/refused.html", {"message": message}, status=403)


def _guarded(request: AuthenticatedHttpRequest, call: Callable[[], R]) -> R | HttpResponse:
    if request.method in SAFE_METHODS:
        # A page that changes nothing asks each access question once (selectors.memo), with
        # the memberships the middleware loaded: one membership check per request.
        memberships = getattr(request, "memberships", None)
        with request_memo(user=request.user, memberships=memberships):
            return _in_key_scope(request, call)
    return _in_key_scope(request, call)


def _in_key_scope(request: AuthenticatedHttpRequest, call: Callable[[], R]) -> R | HttpResponse:
    with key_scope(user=request.user):
        try:
            return call()
        except SectionRefused as refused:
            return forbidden(request, refused.message)
        except KeyRefused:
            # A page asked for a section the user holds no grant for: the key stayed wrapped.
            return forbidden(request, NOT_GRANTED)
        except SectionShredded:
            return render(request, "casework/refused.html", {"message": SHREDDED}, status=410)
        except SealedDataUnreadable:
            # The security event was logged (ids only) where the opening failed.
            return render(request, "casework/refused.html", {"message": UNREADABLE}, status=500)


def case_view(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """Fetches the case by reference through cases_visible_to (404 outside reach) and runs
    the view inside a key scope, turning envelope errors into calm pages."""
    return _case_view(view, page=False)


def case_page_view(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """case_view() for the case page: the case's row also tells which of the page's boxes
    are empty, so those cost no query (selectors.case_for)."""
    return _case_view(view, page=True)


def _case_view(view: Callable[..., R], *, page: bool) -> Callable[..., R | HttpResponse]:
    @wraps(view)
    def wrapped(
        request: AuthenticatedHttpRequest, reference: str, *args, **kwargs
    ) -> R | HttpResponse:
        def call() -> R:
            case = case_for(user=request.user, reference=reference, page=page)
            return view(request, case, *args, **kwargs)

        return _guarded(request, call)

    return wrapped


def org_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages of the active organisation's case files: 404 without an organisation, 403 for a
    role that has no case list. The view receives ``membership``."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        membership = active_membership(request)
        if membership is None:
            raise Http404
        if membership.role not in CASE_LIST_ROLES:
            return forbidden(request, NO_CASE_ROLE)
        return _guarded(request, lambda: view(request, *args, membership=membership, **kwargs))

    return wrapped
