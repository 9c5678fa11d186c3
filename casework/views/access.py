"""Pages that change who may open a case: consent, referrals (both sides), lawyers' section
grants and break-glass. Each fetches through the selectors and calls one service."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation, Role
from accounts.selectors import active_membership
from casework import selectors, services
from casework.forms import (
    BreakGlassForm,
    ConsentConfirmForm,
    ConsentForm,
    LawyerGrantForm,
    ReferralAssignForm,
    ReferralForm,
)
from casework.models import Case, ReferralStatus
from casework.selectors import is_assigned_caseworker
from casework.web import case_view, forbidden

CONSENT_RECORDED = _("The consent has been recorded.")
CONSENT_CONFIRMED = _("The client's confirmation has been recorded.")
CONFIRM_INTRO = _(
    "A relative gave this consent ({purpose}, for {recipient}). It opens nothing until the "
    "client confirms it to you: say how and when they did."
)
CONSENT_WITHDRAWN = _("The consent was withdrawn; the referrals resting on it are revoked.")
REFERRAL_CREATED = _("The referral has been sent. It opens nothing until it is accepted.")
REFERRAL_ACCEPTED = _("The referral has been accepted.")
REFERRAL_DECLINED = _("The referral has been declined.")
REFERRAL_REVOKED = _("The referral has been revoked.")
REFERRAL_ASSIGNED = _("Who holds the referral has been saved; they have been told.")
NOT_ORG_ADMIN = _("Only your organisation's admins give a referral to members.")
LAWYER_SAVED = _("The lawyer's sections have been saved.")
BREAK_GLASS_STARTED = _(
    "You have opened this case for two hours. The assigned caseworkers have been told."
)
NOT_ASSIGNED_ACTION = _("Only caseworkers assigned to this case can do this.")
ADMINS_ONLY = _("Only admins of the case's organisation can break the glass.")


def _errors_to_form(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _partners(case: Case):
    return Organisation.objects.filter(is_active=True).exclude(pk=case.organisation_id)


@require_http_methods(["GET", "HEAD"])
def referral_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Referred to us, waiting for an answer, referred by us; for the admin, which of the
    organisation's members visited each case referred to it."""
    membership = active_membership(request)
    if membership is None:
        raise Http404
    org = membership.organisation
    user = request.user
    to_us = selectors.referrals_to(user=user, organisation=org)
    readers = selectors.referral_readers(user=user, organisation=org, referrals=to_us[:100])
    read = [uuid.UUID(case_id) for case_id in readers]
    references = dict(to_us.filter(case_id__in=read).values_list("case_id", "case__reference"))
    return render(
        request,
        "casework/referrals.html",
        {
            "waiting": selectors.referrals_waiting(user=user, organisation=org),
            "to_us": selectors.with_holders(
                selectors.referrals_to(user=user, organisation=org).exclude(
                    status=ReferralStatus.PENDING
                )[:100]
            ),
            "by_us": selectors.referrals_by(user=user, organisation=org)[:100],
            "can_answer": membership.role in {*selectors.REFERRAL_ROLES, Role.ORG_ADMIN},
            "can_assign": membership.role == Role.ORG_ADMIN,
            "members": selectors.referral_members(organisation=org),
            "readers": sorted(
                (references[uuid.UUID(case_id)], rows) for case_id, rows in readers.items()
            ),
        },
    )


def _answer(request: AuthenticatedHttpRequest, pk, call, success) -> HttpResponse:
    referral = selectors.referral_for_receiver(user=request.user, pk=pk)
    try:
        call(referral=referral, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("casework:referrals")


@require_POST
def referral_assign(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    """The receiving organisation's admin sets who of its members holds a referral."""
    membership = active_membership(request)
    if membership is None:
        raise Http404
    referral = selectors.referral_for_receiver(user=request.user, pk=pk)
    if (
        membership.role != Role.ORG_ADMIN
        or referral.to_organisation_id != membership.organisation_id
    ):
        return forbidden(request, NOT_ORG_ADMIN)
    form = ReferralAssignForm(
        request.POST, members=selectors.referral_members(organisation=membership.organisation)
    )
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for e in form.errors.values() for m in e))
        return redirect("casework:referrals")
    try:
        services.referral_assign(
            referral=referral, by=request.user, members=list(form.cleaned_data["members"])
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, REFERRAL_ASSIGNED)
    return redirect("casework:referrals")


@require_POST
def referral_accept(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    if active_membership(request) is None:
        raise Http404
    return _answer(request, pk, services.referral_accept, REFERRAL_ACCEPTED)


@require_POST
def referral_decline(request: AuthenticatedHttpRequest, pk) -> HttpResponse:
    if active_membership(request) is None:
        raise Http404
    return _answer(request, pk, services.referral_decline, REFERRAL_DECLINED)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def referral_create(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    form = ReferralForm(
        request.POST or None,
        organisations=_partners(case),
        people=selectors.partner_people(exclude_organisation_id=case.organisation_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_create(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, REFERRAL_CREATED)
            return redirect(case)
    return render(
        request,
        "casework/simple_form.html",
        {"case": case, "form": form, "title": _("Refer this case")},
    )


@require_POST
@case_view
def referral_revoke(request: AuthenticatedHttpRequest, case: Case, pk) -> HttpResponse:
    referral = get_object_or_404(selectors.case_referrals(case=case), pk=pk)
    if not selectors.may_see_viewers(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    try:
        services.referral_revoke(referral=referral, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, REFERRAL_REVOKED)
    return redirect(case)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def consent_create(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    form = ConsentForm(
        request.POST or None, organisations=_partners(case), intake_channel=case.intake_channel
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, CONSENT_RECORDED)
            return redirect(case)
    return render(
        request,
        "casework/simple_form.html",
        {"case": case, "form": form, "title": _("Record consent")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def consent_confirm(request: AuthenticatedHttpRequest, case: Case, pk) -> HttpResponse:
    """Asks how and when the client confirmed a relative's consent, and records it."""
    consent = get_object_or_404(selectors.case_consents(case=case), pk=pk)
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    form = ConsentConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_confirm(consent=consent, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, CONSENT_CONFIRMED)
            return redirect(case)
    return render(
        request,
        "casework/simple_form.html",
        {
            "case": case,
            "form": form,
            "title": _("The client confirmed the consent"),
            "intro": CONFIRM_INTRO.format(
                purpose=consent.get_purpose_display(), recipient=consent.recipient.name
            ),
        },
    )


@require_POST
@case_view
def consent_withdraw(request: AuthenticatedHttpRequest, case: Case, pk) -> HttpResponse:
    consent = get_object_or_404(selectors.case_consents(case=case), pk=pk)
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    try:
        services.consent_withdraw(consent=consent, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, CONSENT_WITHDRAWN)
    return redirect(case)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def lawyer_grant(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, NOT_ASSIGNED_ACTION)
    lawyers = selectors.lawyers_of(organisation_id=case.organisation_id)
    form = LawyerGrantForm(request.POST or None, lawyers=lawyers)
    if request.method == "POST" and form.is_valid():
        try:
            services.lawyer_grant(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, LAWYER_SAVED)
            return redirect(case)
    return render(
        request,
        "casework/simple_form.html",
        {"case": case, "form": form, "title": _("Lawyer's sections")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def break_glass(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    if not selectors.is_owner_admin(user=request.user, case=case):
        return forbidden(request, ADMINS_ONLY)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, BREAK_GLASS_STARTED)
            return redirect(case)
    return render(
        request,
        "casework/simple_form.html",
        {
            "case": case,
            "form": form,
            "title": _("Break the glass"),
            "intro": _(
                "Opening a case you are not assigned to is recorded with your reason, lasts two "
                "hours and is shown to the assigned caseworkers."
            ),
        },
    )
