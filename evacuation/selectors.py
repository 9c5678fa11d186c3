"""Who may review a dossier, the dossiers a user takes part in, and the evacuation data the
pages show, opened and assembled here so that views and template tags only render it.

A lawyer may review a case's dossier when either
* they are a lawyer of the owning organisation holding a live grant of the documents section
  (given by an assigned caseworker, casework.services.lawyer_grant), or
* they hold a live referral of the case to their organisation (named in it, given it by the
  organisation's admin, or the one who accepted it) that carries the "review the dossier"
  action and shares the documents section.
Everything else about reading sections stays with casework.selectors.

The page readers (``dossier_page``, ``case_plan``, ``case_visas`` …) open sealed fields, so
they run inside the caller's key scope and only for sections the caller has checked; they
record nothing: the caller records which sections were viewed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Role, User
from casework.envelope import shredded_sections
from casework.fields import sealed_field_names
from casework.models import Case, Country, ReferralAction
from casework.sections import Section
from casework.selectors import (
    cases_visible_to,
    granted_sections,
    is_active_user,
    is_assigned_caseworker,
    live_referrals,
    section_refusals,
)
from evacuation.models import (
    Dossier,
    DossierDocument,
    DossierItem,
    EvacuationPlan,
    EvacuationStep,
    ReviewComment,
    StepKind,
    VisaApplication,
)

CASEWORKER = "caseworker"
REVIEWER = "reviewer"
OTHER_TYPE = _("%(document)s (another type)")


def _review_referrals(*, case: Case, user: User | None = None):
    """Live referrals of the case that carry the review and share the documents; with
    ``user``, only those the user holds (grant rows tied to the referral)."""
    referrals = live_referrals().filter(case=case).select_related("to_organisation")
    if user is not None:
        referrals = referrals.filter(grants__user=user).distinct()
    return [
        r
        for r in referrals
        if ReferralAction.REVIEW_DOSSIER in r.actions and Section.DOCUMENTS in r.sections
    ]


def may_edit_routes(*, user: User) -> bool:
    """Whether the user is a platform admin, who edits the routes and their dossier
    requirements (no organisation's member role gives it)."""
    return is_active_user(user) and (user.is_staff or user.is_superuser)


def may_review(*, user: User, case: Case) -> bool:
    """Whether the user may review dossiers of the case now (see the module docstring)."""
    if not is_active_user(user):
        return False
    lawyer_of = set(
        Membership.objects.filter(
            user=user, role=Role.LAWYER, organisation__is_active=True
        ).values_list("organisation_id", flat=True)
    )
    if not lawyer_of:
        return False
    if case.organisation_id in lawyer_of:
        return Section.DOCUMENTS in granted_sections(user=user, case=case)
    return any(r.to_organisation_id in lawyer_of for r in _review_referrals(case=case, user=user))


def reviewers_for(*, case: Case) -> list[User]:
    """The lawyers who may review the case's dossiers now, by name."""
    referrals = _review_referrals(case=case)
    orgs = {case.organisation_id} | {r.to_organisation_id for r in referrals}
    candidates = User.objects.filter(
        memberships__organisation_id__in=orgs,
        memberships__role=Role.LAWYER,
        memberships__organisation__is_active=True,
        is_active=True,
        frozen_at__isnull=True,
    ).distinct()
    return sorted(
        (u for u in candidates if may_review(user=u, case=case)),
        key=lambda u: (u.display_name or u.email).casefold(),
    )


def dossier_role(*, user: User, dossier: Dossier, assigned: bool | None = None) -> str | None:
    """CASEWORKER (an assigned caseworker of the case), REVIEWER (the dossier's lawyer, while
    they may still review) or None: nobody else sees the dossier's comments."""
    case = dossier.case
    if assigned is None:
        assigned = is_assigned_caseworker(user=user, case=case)
    if assigned:
        return CASEWORKER
    if dossier.reviewer_id == user.pk and may_review(user=user, case=case):
        return REVIEWER
    return None


def dossiers_to_review(*, user: User) -> list[Dossier]:
    """Dossiers the user is the reviewing lawyer of and may still review, newest first."""
    dossiers = (
        Dossier.objects.filter(reviewer=user)
        .select_related("case__person", "visa_application__destination")
        .order_by("-updated_at")
    )
    return [d for d in dossiers if may_review(user=user, case=d.case)]


def dossiers_caseworked_by(*, user: User) -> QuerySet[Dossier]:
    """Dossiers of the cases the user is an assigned caseworker of (and may see), last changed
    first. Lazy; one query."""
    assigned = cases_visible_to(user=user).filter(
        assigned_caseworkers=user,
        organisation__memberships__user=user,
        organisation__memberships__role=Role.CASEWORKER,
    )
    return (
        Dossier.objects.filter(case__in=assigned)
        .select_related("case__person", "visa_application__destination", "reviewer")
        .order_by("-updated_at")
    )


def case_dossiers(*, case: Case) -> QuerySet[Dossier]:
    return Dossier.objects.filter(case=case).select_related(
        "visa_application__destination", "reviewer"
    )


# --- The dossier page -------------------------------------------------------------------------

# What the dossier page opens: comments and document names, the excerpt, the legal summary
# and the vetting note.
DOSSIER_SECTIONS = (Section.DOCUMENTS, Section.TESTIMONY, Section.LEGAL)


@dataclass
class DossierPage:
    """What the dossier page shows of the sealed sections, opened for one user."""

    # The dossier sections the user may read now (shredded ones left out).
    readable: set[str]
    # The sections opened to build the page: the caller records them as viewed.
    opened: list[str]
    # One per checklist item: {"row", "documents": [{"row", "name"}], "comments": [...]}.
    items: list[dict[str, Any]]
    # Comments on the whole dossier: {"row", "author", "text"}.
    overall_comments: list[dict[str, Any]]
    # The dossier's sealed fields of the readable sections, by field name.
    sealed: dict[str, Any]


def _dossier_readable(*, user: User, case: Case, role: str) -> set[str]:
    gone = shredded_sections(case_id=case.pk)
    refusals = section_refusals(
        user=user,
        case=case,
        sections=[s for s in DOSSIER_SECTIONS if s not in gone],
        assigned=role == CASEWORKER,
    )
    return {section for section, refusal in refusals.items() if refusal is None}


def _author(comment: ReviewComment, dossier: Dossier, role: str) -> str:
    # A partner's lawyer sees no names of the owning organisation (as on the case page).
    author = comment.author
    if author is None:
        return ""
    if role == CASEWORKER or author.pk == dossier.reviewer_id:
        return author.display_name or author.email
    return str(_("Assigned caseworker"))


def _dossier_comments(
    *, case: Case, dossier: Dossier, role: str
) -> dict[uuid.UUID | None, list[dict[str, Any]]]:
    """Item id (None: the whole dossier) -> its comments, oldest first. Opens documents."""
    envelope = case.envelope
    fields = sealed_field_names(ReviewComment, Section.DOCUMENTS)
    comments: dict[uuid.UUID | None, list[dict[str, Any]]] = {}
    for comment in dossier.comments.select_related("author"):
        comments.setdefault(comment.item_id, []).append(
            {
                "row": comment,
                "author": _author(comment, dossier, role),
                **envelope.open_many(comment, fields),
            }
        )
    return comments


def dossier_page(*, user: User, case: Case, dossier: Dossier, role: str) -> DossierPage:
    """The sealed part of the dossier page for ``user`` in ``role`` (a dossier role): the
    checklist with each item's documents (names only where the documents section is
    readable) and comments, and the dossier's sealed fields of the readable sections.
    Queries: the section checks, the checklist with its documents, the comments."""
    envelope = case.envelope
    readable = _dossier_readable(user=user, case=case, role=role)
    opened: set[str] = set()
    links = DossierDocument.objects.select_related("document__document_type")
    items = list(
        dossier.items.select_related("document_type").prefetch_related(
            Prefetch("links", queryset=links)
        )
    )
    comments: dict[uuid.UUID | None, list[dict[str, Any]]] = {}
    if Section.DOCUMENTS in readable:
        opened.add(Section.DOCUMENTS)
        comments = _dossier_comments(case=case, dossier=dossier, role=role)
    rows = []
    for item in items:
        documents = []
        for link in item.links.all():
            name = ""
            if Section.DOCUMENTS in readable:
                name = envelope.open(link.document, "original_name")
            documents.append({"row": link.document, "name": name})
        override = ""
        if Section.DOCUMENTS in readable:
            override = envelope.open(item, "override_reason") or ""
        rows.append(
            {
                "row": item,
                "documents": documents,
                "comments": comments.get(item.pk, []),
                "override_reason": override,
            }
        )
    sealed: dict[str, Any] = {}
    for section in (Section.TESTIMONY, Section.LEGAL):
        if section in readable:
            sealed.update(envelope.open_many(dossier, sealed_field_names(Dossier, section)))
            opened.add(section)
    return DossierPage(
        readable=readable,
        opened=sorted(opened),
        items=rows,
        overall_comments=comments.get(None, []),
        sealed=sealed,
    )


def case_document_choices(*, case: Case, accepted: set[int] | None = None) -> list[tuple[str, str]]:
    """(id, "type: file name") for each of the case's documents; with ``accepted`` (the
    types a checklist item takes), those first, the others marked as another type. Opens
    documents."""
    choices = []
    for d in case.documents.select_related("document_type"):
        label = f"{d.document_type.label}: {case.envelope.open(d, 'original_name')}"
        other = accepted is not None and d.document_type_id not in accepted
        if other:
            label = str(OTHER_TYPE) % {"document": label}
        choices.append((other, str(d.pk), label))
    choices.sort(key=lambda choice: choice[0])
    return [(pk, label) for _other, pk, label in choices]


def item_override_reason(*, case: Case, item: DossierItem) -> str:
    """Why documents of another type stand under the item ("" if none). Opens documents."""
    return case.envelope.open(item, "override_reason") or ""


def dossier_contents_initial(*, case: Case, dossier: Dossier) -> dict[str, Any]:
    """The excerpt, the legal summary and the statement they come from, for the form that
    changes them. Opens testimony and legal."""
    initial = case.envelope.open_many(dossier, ("testimony_excerpt", "exposure_summary"))
    initial["testimony"] = dossier.testimony_id
    return initial


# --- The case page's evacuation panel ----------------------------------------------------------


def case_plan(*, case: Case) -> dict[str, Any] | None:
    """The case's plan with its steps and their countries, or None. Opens location."""
    plan = EvacuationPlan.objects.filter(case=case).first()
    if plan is None:
        return None
    envelope = case.envelope
    values = envelope.open_many(plan, sealed_field_names(EvacuationPlan, Section.LOCATION))
    step_fields = sealed_field_names(EvacuationStep, Section.LOCATION)
    steps = [{"row": s, **envelope.open_many(s, step_fields)} for s in plan.steps.all()]
    codes = [*values["transit_countries"], values["destination"]]
    codes += [s["country"] for s in steps]
    countries = {c.code: c for c in Country.objects.filter(code__in=[c for c in codes if c])}
    for step in steps:
        step["country"] = countries.get(step["country"])
        step["kind_label"] = StepKind(step["kind"]).label if step["kind"] in StepKind.values else ""
    transit = [countries[c] for c in values["transit_countries"] if c in countries]
    return {
        "row": plan,
        "origin_region": values["origin_region"],
        "transit": transit,
        "destination": countries.get(values["destination"]),
        "fallback_notes": values["fallback_notes"],
        "steps": steps,
        "advisories": [c for c in dict.fromkeys(transit) if c.needs_advisory],
    }


def case_visas(
    *, user: User, case: Case, readable: set[str], assigned: bool
) -> list[dict[str, Any]]:
    """The case's visa applications, each with its dossier and the user's role in it, and
    the sealed fields of the ``readable`` sections (location, legal)."""
    envelope = case.envelope
    dossiers = {d.visa_application_id: d for d in case_dossiers(case=case)}
    visas = []
    for application in VisaApplication.objects.filter(case=case).select_related("destination"):
        entry: dict[str, Any] = {"row": application, "dossier": dossiers.get(application.pk)}
        for section in (Section.LOCATION, Section.LEGAL):
            if section in readable:
                fields = sealed_field_names(VisaApplication, section)
                entry.update(envelope.open_many(application, fields))
        dossier = entry["dossier"]
        if dossier is not None:
            dossier.case = case
            entry["dossier_role"] = dossier_role(user=user, dossier=dossier, assigned=assigned)
        visas.append(entry)
    return visas
