"""The visa dossiers: the page the assigned caseworkers and the reviewing lawyer share, the
caseworkers' changes, the lawyer's review, and "my dossiers".

Only the two dossier roles (evacuation.selectors.dossier_role) reach a dossier; everyone else
inside the case's reach gets the 403 page with the reason. A failed action shows the dossier
page again with the service's messages; nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest as Request  # keeps the signatures short
from casework.models import Case, Document
from casework.sections import Section
from casework.selectors import is_assigned_caseworker, section_refusal
from casework.services import section_viewed
from casework.web import case_view, forbidden, save_form
from evacuation import services
from evacuation.export import EXPORTABLE_STATUSES
from evacuation.forms import (
    ERR_BAD_DOCUMENT,
    CommentForm,
    DossierContentsForm,
    DossierItemForm,
    MarkForm,
    ReviewerForm,
    ReviewForm,
    VetForm,
)
from evacuation.models import Dossier, DossierItem, DossierStatus, VisaApplication
from evacuation.selectors import (
    CASEWORKER,
    REVIEWER,
    case_document_choices,
    case_dossiers,
    dossier_contents_initial,
    dossier_page,
    dossier_role,
    dossiers_caseworked_by,
    dossiers_to_review,
    item_override_reason,
    reviewers_for,
)

NO_DOSSIER_ROLE = _(
    "Only the case's assigned caseworkers and the dossier's reviewing lawyer can open this dossier."
)
CASEWORKERS_ONLY = _("Only caseworkers assigned to this case can change the dossier.")
REVIEWER_ONLY = _("Only the dossier's reviewing lawyer can review it.")
DOSSIER_CREATED = _("The dossier has been created with the route's checklist.")
ITEM_SAVED = _("The documents of this checklist item have been saved.")
CONTENTS_SAVED = _("The testimony excerpt and the legal summary have been saved.")
VETTED = _("The vetting has been recorded.")
REVIEWER_SET = _("The reviewing lawyer has been chosen.")
SUBMITTED = _("The dossier has been sent to the lawyer for review.")
COMMENTED = _("Your comment has been added.")
REVIEWED = _("Your review has been recorded.")
MARKED = _("The dossier's status has been changed.")

NEXT_MARK: dict[str, DossierStatus] = {
    DossierStatus.APPROVED: DossierStatus.SUBMITTED,
    DossierStatus.SUBMITTED: DossierStatus.DECIDED,
}


def dossier_view(*roles: str) -> Callable:
    """Wraps a view of one dossier in case_view: the dossier of that case (else 404), and the
    403 page unless the user holds one of ``roles``. The view receives (case, dossier, role)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: Request, case: Case, pk, *args, **kwargs) -> HttpResponse:
            dossier = get_object_or_404(case_dossiers(case=case).select_related("vetted_by"), pk=pk)
            dossier.case = case  # already fetched through the selector
            role = dossier_role(user=request.user, dossier=dossier)
            if role not in roles:
                if role is None:
                    return forbidden(request, NO_DOSSIER_ROLE)
                return forbidden(request, REVIEWER_ONLY if role == CASEWORKER else CASEWORKERS_ONLY)
            return view(request, case, dossier, role, *args, **kwargs)

        return case_view(wrapped)

    return decorate


def _form_errors(form) -> list[str]:
    found: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        found.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return found


def _detail(
    request: Request,
    case: Case,
    dossier: Dossier,
    role: str,
    *,
    errors=(),
    draft_item: str = "",
    draft: str = "",
) -> HttpResponse:
    """The dossier page. Shows what the user may read of the documents, testimony and legal
    sections (evacuation.selectors.dossier_page) and records one case.section.viewed per
    section opened. ``draft``: a comment that failed, shown again under ``draft_item``."""
    page = dossier_page(user=request.user, case=case, dossier=dossier, role=role)
    section_viewed(case=case, by=request.user, sections=page.opened)
    for entry in page.items:
        entry["draft"] = draft if draft_item == str(entry["row"].pk) else ""
    caseworker = role == CASEWORKER
    editable = caseworker and dossier.is_editable
    context = {
        "case": case,
        "dossier": dossier,
        "application": dossier.visa_application,
        "role": role,
        "caseworker": caseworker,
        "readable": page.readable,
        # The destination belongs to location and route (clear only for the statistics).
        "sees_location": section_refusal(
            user=request.user, case=case, section=Section.LOCATION, assigned=caseworker
        )
        is None,
        "items": page.items,
        "overall_comments": page.overall_comments,
        "overall_draft": draft if not draft_item else "",
        "sealed": page.sealed,
        "errors": errors,
        "missing": services.dossier_missing(dossier=dossier) if dossier.is_editable else [],
        "reviews": dossier.reviews.select_related("reviewer"),
        "editable": editable,
        "reviewer_form": ReviewerForm(lawyers=reviewers_for(case=case)) if editable else None,
        "review_form": ReviewForm()
        if role == REVIEWER and dossier.status == DossierStatus.IN_REVIEW
        else None,
        "next_mark": NEXT_MARK.get(dossier.status) if caseworker else None,
        "exportable": dossier.status in EXPORTABLE_STATUSES,
    }
    return render(request, "evacuation/dossier_detail.html", context)


def _act(
    request: Request,
    case: Case,
    dossier: Dossier,
    role: str,
    call,
    success,
    *,
    form=None,
    **page,
) -> HttpResponse:
    """Validates ``form`` (if given), then calls the service. The form's errors or the
    service's ValidationError show the dossier page again with the messages (nothing
    written); success goes back to the dossier."""
    if form is not None and not form.is_valid():
        return _detail(request, case, dossier, role, errors=_form_errors(form), **page)
    try:
        call()
    except ValidationError as error:
        return _detail(request, case, dossier, role, errors=error.messages, **page)
    messages.success(request, success)
    return redirect(_detail_url(case, dossier))


def _detail_url(case: Case, dossier: Dossier) -> str:
    return reverse("evacuation:dossier_detail", args=[case.reference, dossier.pk])


@require_POST
@case_view
def dossier_create(request: Request, case: Case, pk) -> HttpResponse:
    if not is_assigned_caseworker(user=request.user, case=case):
        return forbidden(request, CASEWORKERS_ONLY)
    application = get_object_or_404(VisaApplication, pk=pk, case=case)
    try:
        dossier = services.dossier_create(application=application, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(case.get_absolute_url() + "#evacuation")
    messages.success(request, DOSSIER_CREATED)
    return redirect("evacuation:dossier_detail", case.reference, dossier.pk)


@require_http_methods(["GET", "HEAD"])
@dossier_view(CASEWORKER, REVIEWER)
def dossier_detail(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    return _detail(request, case, dossier, role)


def _form_page(request, case: Case, dossier: Dossier, form, title, intro="") -> HttpResponse:
    return render(
        request,
        "evacuation/form.html",
        {"case": case, "dossier": dossier, "form": form, "title": title, "intro": intro},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@dossier_view(CASEWORKER)
def dossier_item(request: Request, case: Case, dossier: Dossier, role: str, item) -> HttpResponse:
    item = get_object_or_404(
        DossierItem.objects.select_related("document_type"), pk=item, dossier=dossier
    )
    accepted = services.accepted_types(item=item, route=dossier.visa_application.route)
    choices = case_document_choices(case=case, accepted=accepted)
    section_viewed(case=case, by=request.user, sections=[Section.DOCUMENTS])
    if request.method == "POST":
        form = DossierItemForm(request.POST, documents=choices)
        if form.is_valid():
            ids = form.cleaned_data["documents"]
            # Not narrowed to the case: the service names the refusal (ERR_DOCUMENT_OTHER_CASE).
            found = {d.pk: d for d in Document.objects.filter(pk__in=ids)}
            if len(found) != len(ids):
                form.add_error("documents", ERR_BAD_DOCUMENT)
            else:
                documents = [found[pk] for pk in ids]
                done = save_form(
                    request,
                    form,
                    lambda: services.dossier_link(
                        dossier=dossier,
                        by=request.user,
                        item=item,
                        documents=documents,
                        override_reason=form.cleaned_data["override_reason"],
                    ),
                    ITEM_SAVED,
                    to=_detail_url(case, dossier),
                )
                if done:
                    return done
    else:
        linked = [str(pk) for pk in item.links.values_list("document_id", flat=True)]
        reason = item_override_reason(case=case, item=item)
        form = DossierItemForm(
            initial={"documents": linked, "override_reason": reason}, documents=choices
        )
    intro = "" if choices else _("This case has no documents yet. Add them on the case page.")
    return _form_page(request, case, dossier, form, item.document_type.label, intro)


@require_http_methods(["GET", "HEAD", "POST"])
@dossier_view(CASEWORKER)
def dossier_contents(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    statements = case.testimonies.filter(consent_dossier=True)
    if request.method == "POST":
        form = DossierContentsForm(request.POST, statements=statements)
        if form.is_valid():
            done = save_form(
                request,
                form,
                lambda: services.dossier_contents(
                    dossier=dossier, by=request.user, **form.cleaned_data
                ),
                CONTENTS_SAVED,
                to=_detail_url(case, dossier),
            )
            if done:
                return done
    else:
        initial = dossier_contents_initial(case=case, dossier=dossier)
        section_viewed(case=case, by=request.user, sections=[Section.TESTIMONY, Section.LEGAL])
        form = DossierContentsForm(initial=initial, statements=statements)
    return _form_page(request, case, dossier, form, _("Testimony excerpt and legal summary"))


@require_POST
@dossier_view(CASEWORKER)
def dossier_vet(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    form = VetForm(request.POST)
    return _act(
        request,
        case,
        dossier,
        role,
        lambda: services.dossier_vet(
            dossier=dossier, by=request.user, note=form.cleaned_data["note"]
        ),
        VETTED,
        form=form,
    )


@require_POST
@dossier_view(CASEWORKER)
def dossier_reviewer(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    form = ReviewerForm(request.POST, lawyers=reviewers_for(case=case))
    return _act(
        request,
        case,
        dossier,
        role,
        lambda: services.dossier_assign_reviewer(
            dossier=dossier, by=request.user, lawyer=form.cleaned_data["lawyer"]
        ),
        REVIEWER_SET,
        form=form,
    )


@require_POST
@dossier_view(CASEWORKER)
def dossier_submit(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    return _act(
        request,
        case,
        dossier,
        role,
        lambda: services.dossier_submit_for_review(dossier=dossier, by=request.user),
        SUBMITTED,
    )


@require_POST
@dossier_view(CASEWORKER, REVIEWER)
def dossier_comment(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, dossier, role, errors=_form_errors(form))
    item_id = form.cleaned_data["item"]
    text = form.cleaned_data["text"]
    draft = {"draft_item": str(item_id or ""), "draft": text}
    item = None
    if item_id is not None:
        item = dossier.items.filter(pk=item_id).first()
        if item is None:
            errors = [services.ERR_ITEM_OTHER_DOSSIER]
            return _detail(request, case, dossier, role, errors=errors, **draft)
    return _act(
        request,
        case,
        dossier,
        role,
        lambda: services.dossier_comment(dossier=dossier, by=request.user, text=text, item=item),
        COMMENTED,
        **draft,
    )


@require_POST
@dossier_view(REVIEWER)
def dossier_review(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    form = ReviewForm(request.POST)
    return _act(
        request,
        case,
        dossier,
        role,
        lambda: services.dossier_review(dossier=dossier, by=request.user, **form.cleaned_data),
        REVIEWED,
        form=form,
    )


@require_POST
@dossier_view(CASEWORKER)
def dossier_mark(request: Request, case: Case, dossier: Dossier, role: str) -> HttpResponse:
    form = MarkForm(request.POST)
    return _act(
        request,
        case,
        dossier,
        role,
        lambda: services.dossier_mark(
            dossier=dossier, by=request.user, status=form.cleaned_data["status"]
        ),
        MARKED,
        form=form,
    )


@require_http_methods(["GET", "HEAD"])
def my_dossiers(request: Request) -> HttpResponse:
    """The dossiers the user reviews and those of the cases assigned to them. Lists ids,
    pseudonyms and statuses only: nothing sealed is opened."""
    user = request.user
    return render(
        request,
        "evacuation/my_dossiers.html",
        {
            "reviewing": dossiers_to_review(user=user),
            "caseworking": list(dossiers_caseworked_by(user=user)),
        },
    )
