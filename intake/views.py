"""The triage queue (intakes from every channel, one list), its actions, and the reply box of
the case page. A view fetches through a selector, calls one service, answers.

These views open no user key scope: the pages show no sealed content, and the services
decide what they may open (a merge moves an intake no reader holds)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Role
from accounts.selectors import active_membership
from casework.models import Case
from casework.selectors import CASE_LIST_ROLES, is_assigned_caseworker
from casework.web import NO_CASE_ROLE, forbidden
from intake import selectors, services
from intake.forms import DiscardForm, MergeForm, ReplyForm, TakeOnForm

TAKEN_ON = _("You have taken on this intake. It is now in triage and assigned to you.")
MERGED = _("The intake was merged into this case and erased.")
DISCARDED = _("The intake was discarded: everything it held is erased.")
REPLIED = _("Your reply was saved.")
CASEWORKERS_ONLY = _("Only caseworkers take on intakes or merge them.")
NOT_ASSIGNED_REPLY = _("Only caseworkers assigned to this case can reply.")


def queue_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The active organisation's triage: 404 without an organisation, 403 for a role with no
    case files. Passes ``membership`` (and the intake ``case`` for a reference)."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        membership = active_membership(request)
        if membership is None:
            raise Http404
        if membership.role not in CASE_LIST_ROLES:
            return forbidden(request, NO_CASE_ROLE)
        reference = kwargs.pop("reference", None)
        if reference is not None:
            kwargs["case"] = selectors.intake_for(
                user=request.user, organisation=membership.organisation, reference=reference
            )
        try:
            return view(request, *args, membership=membership, **kwargs)
        except PermissionDenied as refused:
            return forbidden(request, str(refused) or CASEWORKERS_ONLY)

    return wrapped


@require_http_methods(["GET", "HEAD"])
@queue_view
def queue(request: AuthenticatedHttpRequest, *, membership: Membership) -> HttpResponse:
    conversations = selectors.triage_queue(user=request.user, organisation=membership.organisation)
    page = Paginator(conversations, selectors.QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "intake/queue.html",
        {
            "page": page,
            "is_caseworker": membership.role == Role.CASEWORKER,
        },
    )


def _form_page(request, case: Case, form, *, title, intro, button, status: int = 200):
    return render(
        request,
        "intake/action.html",
        {"case": case, "form": form, "title": title, "intro": intro, "button": button},
        status=status,
    )


def _errors_on(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@require_http_methods(["GET", "HEAD", "POST"])
@queue_view
def take_on(
    request: AuthenticatedHttpRequest, *, membership: Membership, case: Case
) -> HttpResponse:
    if membership.role != Role.CASEWORKER:
        return forbidden(request, CASEWORKERS_ONLY)
    form = TakeOnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_take_on(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_on(form, error)
        else:
            messages.success(request, TAKEN_ON)
            return redirect(case)
    return _form_page(
        request,
        case,
        form,
        title=_("Take on this intake"),
        intro=_(
            "You will be assigned to the case and can read what the person wrote. Set what "
            "you know now; everything can be changed later."
        ),
        button=_("Take it on"),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@queue_view
def merge(request: AuthenticatedHttpRequest, *, membership: Membership, case: Case) -> HttpResponse:
    if membership.role != Role.CASEWORKER:
        return forbidden(request, CASEWORKERS_ONLY)
    targets = selectors.merge_targets(user=request.user, organisation=membership.organisation)
    form = MergeForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        into = form.cleaned_data["into"]
        try:
            services.intake_merge(case=case, into=into, by=request.user)
        except ValidationError as error:
            _errors_on(form, error)
        else:
            messages.success(request, MERGED)
            return redirect(into)
    return _form_page(
        request,
        case,
        form,
        title=_("Merge into an existing case"),
        intro=_(
            "For a person who already has a case: the messages, statements, contact details "
            "and documents of this intake move to that case, and the intake is erased."
        ),
        button=_("Merge"),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@queue_view
def discard(
    request: AuthenticatedHttpRequest, *, membership: Membership, case: Case
) -> HttpResponse:
    form = DiscardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_discard(case=case, by=request.user)
        except ValidationError as error:
            _errors_on(form, error)
        else:
            messages.success(request, DISCARDED)
            return redirect("intake:queue")
    return _form_page(
        request,
        case,
        form,
        title=_("Discard this intake"),
        intro=_(
            "For spam, abuse or a message sent by mistake. Everything the intake holds is "
            "erased for good (its keys are destroyed); this is recorded in the audit log."
        ),
        button=_("Discard"),
    )


@require_POST
def reply(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    """The case page's reply box: an assigned caseworker answers the person."""
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    case = conversation.case
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_REPLY)
    form = ReplyForm(request.POST)
    back = reverse("casework:case_detail", args=[case.reference]) + "#conversation"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    try:
        services.conversation_reply(
            conversation=conversation, by=request.user, text=form.cleaned_data["text"]
        )
    except PermissionDenied:
        return forbidden(request, NOT_ASSIGNED_REPLY)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, REPLIED)
    return redirect(back)
