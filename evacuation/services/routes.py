"""Routes and their dossier requirements, edited by platform admins. A requirement added or
changed reaches the dossiers of the route still in draft; dossiers under way beyond the draft
keep the checklist they went to review with."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework import limits
from casework.guards import lock_case
from casework.models import Case, DocumentType
from casework.translations import other_languages
from evacuation.models import (
    Dossier,
    DossierItem,
    DossierRequirement,
    DossierStatus,
    Route,
)
from evacuation.selectors import may_edit_routes

ERR_NOT_PLATFORM_ADMIN = _("Only a platform admin can edit routes and their requirements.")
ERR_ROUTE_CODE = _(
    "A code is 2 to 24 lower-case letters, digits and underscores, starting with a letter."
)
ERR_ROUTE_EXISTS = _("A route with this code exists already.")
ERR_ROUTE_NAME = _("Give the route a name.")
ERR_REQUIREMENT_EXISTS = _("This route requires this document type already.")
ERR_REQUIREMENT_OTHER_ROUTE = _("This requirement belongs to another route.")

CODE_RE = re.compile(r"[a-z][a-z0-9_]{1,23}")


def _require_platform_admin(by: User) -> None:
    if not may_edit_routes(user=by):
        raise PermissionDenied(ERR_NOT_PLATFORM_ADMIN)


@transaction.atomic
def route_save(
    *,
    by: User,
    route: Route | None = None,
    code: str = "",
    name: str,
    name_translations: dict[str, str] | None = None,
    active: bool,
    position: int,
) -> Route:
    """Adds a route (``route`` None, with its ``code``) or renames, retires or moves one. The
    code of an existing route never changes: applications and statistics keep it.
    ``name_translations`` ({language: name}) replaces the name's translations (languages the
    site does not offer dropped); None keeps them, unless the name changes."""
    _require_platform_admin(by)
    name = limits.check_text(name.strip(), limits.NAME)
    if not name:
        raise ValidationError(ERR_ROUTE_NAME)
    if route is None:
        code = code.strip()
        if not CODE_RE.fullmatch(code):
            raise ValidationError(ERR_ROUTE_CODE)
        if Route.objects.filter(code=code).exists():
            raise ValidationError(ERR_ROUTE_EXISTS)
        route = Route(code=code)
    if name_translations is None and route.name != name:
        name_translations = {}  # the old translations name something else
    route.name, route.active, route.position = name, active, position
    if name_translations is not None:
        route.name_i18n = {
            language: limits.check_text(text.strip(), limits.NAME)
            for language, text in name_translations.items()
            if language in other_languages() and text.strip()
        }
    route.save()
    record("evacuation.route.saved", actor=by, obj=route, status="active" if active else "retired")
    return route


def _drafts_of(route: Route) -> list[Dossier]:
    """The route's draft dossiers, their cases locked first in one order (lock order: case
    first; a consistent order, so two edits at once queue instead of deadlocking)."""
    drafts = list(
        Dossier.objects.filter(status=DossierStatus.DRAFT, visa_application__route=route.code)
        .select_related("case")
        .order_by("case_id", "id")
    )
    for case_id in sorted({d.case_id for d in drafts}):
        lock_case(Case(pk=case_id))
    # Re-read under the locks: one may have left the draft meanwhile.
    return list(Dossier.objects.filter(pk__in=[d.pk for d in drafts], status=DossierStatus.DRAFT))


@transaction.atomic
def requirement_save(
    *,
    by: User,
    route: Route,
    document_type: DocumentType,
    required: bool,
    position: int,
    also_accepts: Iterable[DocumentType] = (),
    requirement: DossierRequirement | None = None,
) -> DossierRequirement:
    """Adds a requirement to the route (``requirement`` None) or changes whether it is
    required, its place and the other types that satisfy it; the route's draft dossiers get
    the item, or its new terms."""
    _require_platform_admin(by)
    if requirement is not None and requirement.route_id != route.pk:
        raise ValidationError(ERR_REQUIREMENT_OTHER_ROUTE)
    drafts = _drafts_of(route)
    taken = DossierRequirement.objects.filter(route=route, document_type=document_type)
    if requirement is not None:
        taken = taken.exclude(pk=requirement.pk)
    if taken.exists():
        raise ValidationError(ERR_REQUIREMENT_EXISTS)
    requirement = requirement or DossierRequirement(route=route)
    requirement.document_type = document_type
    requirement.required, requirement.position = required, position
    requirement.save()
    requirement.also_accepts.set([t for t in also_accepts if t.pk != document_type.pk])
    for dossier in drafts:
        DossierItem.objects.update_or_create(
            dossier=dossier,
            document_type=document_type,
            defaults={"case_id": dossier.case_id, "required": required, "position": position},
        )
    record("evacuation.requirement.saved", actor=by, obj=requirement, count=len(drafts))
    return requirement


@transaction.atomic
def requirement_remove(*, by: User, requirement: DossierRequirement) -> None:
    """Removes a requirement from its route. In the draft dossiers its item goes if nothing
    was included under it, else it stays as optional (the documents are not dropped)."""
    _require_platform_admin(by)
    drafts = _drafts_of(requirement.route)
    items = DossierItem.objects.filter(
        dossier__in=drafts, document_type_id=requirement.document_type_id
    )
    items.filter(links__isnull=True).delete()
    items.update(required=False)
    gone = DossierRequirement(pk=requirement.pk)
    requirement.delete()
    record("evacuation.requirement.removed", actor=by, obj=gone, count=len(drafts))
