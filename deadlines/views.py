"""Deadline pages: my deadlines, a case's deadlines, notifications, preferences."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from casework import services as casework_services
from casework.models import Status
from casework.selectors import caseworkers_of, is_assigned_caseworker, notice_inbox
from casework.web import case_view, forbidden
from deadlines import selectors, services
from deadlines.forms import CheckInScheduleForm, DeadlineChangeForm, DeadlineForm, PreferencesForm
from deadlines.models import CheckInSchedule, DeadlineStatus, NotificationPreference

NOT_ASSIGNED = _("Only caseworkers assigned to this case can see and change its deadlines.")
DEADLINE_ADDED = _("Deadline added.")
DEADLINE_CLOSED = _("Deadline updated.")
DEADLINE_CHANGED = _("Deadline changed; the change is kept in its history.")
PREFERENCES_SAVED = _("Preferences saved.")
SCHEDULE_SAVED = _("Check-in schedule saved.")
CHECKIN_RECORDED = _("Check-in recorded.")
HOLD_SET = _("Legal hold set: nothing of this case will be erased while it holds.")
HOLD_LIFTED = _("Legal hold lifted.")
CASE_CLOSED = _("The case is closed; its open deadlines are cancelled and its check-ins stopped.")


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


@require_http_methods(["GET", "HEAD"])
def my_deadlines(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's deadlines in groups, one page of each (``?overdue=2&later=3``...)."""
    params = selectors.GROUP_PARAMS
    pages = {group: _page_number(request.GET.get(param)) for group, param in params.items()}
    groups = selectors.my_deadlines(user=request.user, pages=pages)
    for group, param in params.items():
        # Each group's links change its own page and keep the others'.
        query = request.GET.copy()
        query.pop(param, None)
        shown = getattr(groups, group)
        shown.param, shown.query = param, query.urlencode()
    return render(request, "deadlines/my_deadlines.html", {"groups": groups})


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def deadline_add(request: AuthenticatedHttpRequest, case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED)
    form = DeadlineForm(
        request.POST or None, caseworkers=caseworkers_of(organisation_id=case.organisation_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_create(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, DEADLINE_ADDED)
            return redirect(f"{case.get_absolute_url()}#deadlines")
    return render(
        request,
        "casework/section_form.html",
        {"case": case, "form": form, "title": _("Add a deadline")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def deadline_edit(request: AuthenticatedHttpRequest, case, pk) -> HttpResponse:
    """Changes (extends) a deadline entered by hand, with a reason kept in its history."""
    deadline = selectors.deadline_for(user=request.user, pk=pk)
    if deadline is None or deadline.case_id != case.pk:
        raise Http404
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED)
    initial = selectors.deadline_values(deadline=deadline)
    form = DeadlineChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_change(deadline=deadline, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, DEADLINE_CHANGED)
            return redirect(f"{case.get_absolute_url()}#deadlines")
    return render(
        request,
        "casework/section_form.html",
        {"case": case, "form": form, "title": _("Change a deadline")},
    )


@require_POST
def deadline_close(request: AuthenticatedHttpRequest, pk, status: str) -> HttpResponse:
    deadline = selectors.deadline_for(user=request.user, pk=pk)
    if deadline is None:
        raise Http404
    if not is_assigned_caseworker(user=request.user, case=deadline.case):
        return forbidden(request, NOT_ASSIGNED)
    try:
        services.deadline_set_status(deadline=deadline, by=request.user, status=status)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, DEADLINE_CLOSED)
    return redirect(f"{deadline.case.get_absolute_url()}#deadlines")


def deadline_done(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    return deadline_close(request, pk, DeadlineStatus.DONE)


def deadline_cancel(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    return deadline_close(request, pk, DeadlineStatus.CANCELLED)


@require_POST
@case_view
def checkin_schedule(request: AuthenticatedHttpRequest, case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED)
    form = CheckInScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.checkin_schedule_set(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, SCHEDULE_SAVED)
    else:
        messages.error(request, services.ERR_INTERVAL)
    return redirect(f"{case.get_absolute_url()}#deadlines")


@require_POST
@case_view
def checkin_record(request: AuthenticatedHttpRequest, case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED)
    try:
        services.checkin_record(case=case, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, CHECKIN_RECORDED)
    return redirect(f"{case.get_absolute_url()}#deadlines")


@require_POST
@case_view
def legal_hold(request: AuthenticatedHttpRequest, case) -> HttpResponse:
    hold = request.POST.get("hold") == "on"
    try:
        services.retention_hold_set(case=case, by=request.user, hold=hold)
    except PermissionDenied:
        return forbidden(request, services.ERR_HOLD_FORBIDDEN)
    messages.success(request, HOLD_SET if hold else HOLD_LIFTED)
    return redirect(f"{case.get_absolute_url()}#deadlines")


@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The one inbox: notices about access to the user's cases (break-glass, assignments,
    referrals, dossiers) and deadline notifications. POST marks everything read."""
    if request.method == "POST":
        services.inbox_mark_read(user=request.user)
        return redirect("deadlines:notifications")
    return render(
        request,
        "deadlines/notifications.html",
        {
            "notices": notice_inbox(user=request.user),
            "notifications": selectors.notifications_of(user=request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    pref = NotificationPreference.objects.filter(user=request.user).first()
    initial = {
        "email_enabled": pref.email_enabled if pref else True,
        "quiet_start": pref.quiet_start if pref else None,
        "quiet_end": pref.quiet_end if pref else None,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, PREFERENCES_SAVED)
            return redirect("deadlines:preferences")
    return render(request, "deadlines/preferences.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def case_close(request: AuthenticatedHttpRequest, case) -> HttpResponse:
    """Closing a case: lists the open deadlines and the check-in schedule that close with it,
    then closes it (casework's status service; its case_closed signal cancels them)."""
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED)
    errors: list[str] = []
    if request.method == "POST":
        try:
            casework_services.case_change_status(case=case, by=request.user, status=Status.CLOSED)
        except ValidationError as error:
            errors = list(error.messages)
        else:
            messages.success(request, CASE_CLOSED)
            return redirect(case)
    deadlines = [d for d in selectors.case_deadlines(user=request.user, case=case) if d.is_open]
    return render(
        request,
        "deadlines/case_close.html",
        {
            "case": case,
            "deadlines": deadlines,
            "schedule": CheckInSchedule.objects.filter(case=case, active=True).first(),
            "errors": errors,
        },
    )
