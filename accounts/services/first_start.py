"""First start of a production installation: the first organisation and its admin invitation.

Production has no demo data and no sign-up page. The operator runs ``manage.py first_start``
once; it creates the organisation and an invitation for its admin, and hands back the
one-time link (printed, not e-mailed: mail may not be set up yet). The admin then opens it,
chooses a password and enrols a second factor like everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, Organisation, Role, User
from accounts.services.invitations import invitation_link, new_invitation
from audit.services import record

ALREADY_STARTED = _(
    "Waypoint already has an organisation, so first start has already run. To issue a new "
    "admin invitation or add another organisation, run it again with --again."
)
NAME_REQUIRED = _("Give the organisation a name.")
NAME_TOO_LONG = _("The organisation's name can be at most 120 characters long.")
SLUG_INVALID = _(
    "The short name may only hold lowercase letters, digits, hyphens and underscores (at most 40)."
)
EMAIL_INVALID = _("Enter a valid e-mail address for the admin.")
ADMIN_EXISTS = _("An account with this e-mail address already exists.")


@dataclass(frozen=True)
class FirstStart:
    organisation: Organisation
    invitation: Invitation
    created: bool
    link: str


def _clean(*, name: str, slug: str, admin_email: str) -> tuple[str, str, str]:
    name = name.strip()
    slug = slug.strip()
    email = User.objects.normalize_email(admin_email).strip().lower()
    if not name:
        raise ValidationError(NAME_REQUIRED, code="name_required")
    if len(name) > 120:
        raise ValidationError(NAME_TOO_LONG, code="name_too_long")
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValidationError(SLUG_INVALID, code="slug_invalid") from None
    if len(slug) > 40 or slug != slug.lower():
        raise ValidationError(SLUG_INVALID, code="slug_invalid")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(EMAIL_INVALID, code="email_invalid") from None
    return name, slug, email


@transaction.atomic
def first_start(*, name: str, slug: str, admin_email: str, again: bool = False) -> FirstStart:
    """Creates the organisation ``slug`` (or, with ``again``, reuses it if it exists) and a
    fresh admin invitation for ``admin_email``; returns it with its one-time link.

    Refuses (ValidationError) when any organisation exists and ``again`` is false, so a
    second run cannot quietly hand out another admin link. Earlier pending invitations of the
    same address to the organisation are withdrawn: only the newest link works.
    """
    name, slug, email = _clean(name=name, slug=slug, admin_email=admin_email)
    if not again and Organisation.objects.exists():
        raise ValidationError(ALREADY_STARTED, code="already_started")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(ADMIN_EXISTS, code="admin_exists")
    organisation = Organisation.objects.filter(slug=slug).first()
    created = organisation is None
    if organisation is None:
        organisation = Organisation.objects.create(name=name, slug=slug)
    invitation, token, superseded = new_invitation(
        organisation=organisation, email=email, role=Role.ORG_ADMIN, by=None
    )
    if created:
        record("organisation.created", actor=None, obj=organisation, org=organisation)
    for old in superseded:
        record("invitation.revoked", actor=None, obj=old, org=organisation, reason="superseded")
    record("invitation.sent", actor=None, obj=invitation, org=organisation, role=Role.ORG_ADMIN)
    return FirstStart(
        organisation=organisation,
        invitation=invitation,
        created=created,
        link=invitation_link(token),
    )
