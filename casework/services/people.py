"""The person's identity and contact, and where they are now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework import limits
from casework.envelope import IndexKind
from casework.guards import dates_changed, lock_case, require_section, seal
from casework.models import Case, Country, Location, Person, Region, this_month
from casework.sections import Section
from casework.services.cases import ERR_FUTURE_DATE, ERR_PSEUDONYM
from casework.services.history import track
from casework.services.indexes import identity_index, reindex

ERR_REGION_COUNTRY = _("The region chosen lies in another country.")


def clean_lines(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


@transaction.atomic
def person_update_identity(
    *,
    case: Case,
    by: User,
    pseudonym: str,
    legal_name: str,
    aliases: list[str],
    date_of_birth: date | None,
    citizenships: list[str],
    passport_numbers: list[str],
    relatives_at_risk: str,
) -> Person:
    require_section(by=by, case=case, section=Section.IDENTITY)
    pseudonym = limits.check_text(pseudonym.strip(), limits.PSEUDONYM)
    if not pseudonym:
        raise ValidationError(ERR_PSEUDONYM)
    if date_of_birth and date_of_birth > timezone.now().date():
        raise ValidationError(ERR_FUTURE_DATE)
    lock_case(case)
    person = Person.objects.get(case=case)
    person.pseudonym = pseudonym
    aliases, passports = clean_lines(aliases), clean_lines(passport_numbers)
    seal(
        case,
        person,
        {
            "legal_name": legal_name.strip(),
            "aliases": aliases,
            "date_of_birth": date_of_birth,
            "citizenships": [c.upper() for c in clean_lines(citizenships)],
            "passport_numbers": passports,
            "relatives_at_risk": relatives_at_risk.strip(),
        },
    )
    person.save()
    reindex(
        person,
        case.organisation_id,
        identity_index(legal_name, aliases, date_of_birth, passports),
    )
    record(
        "case.section.updated",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.IDENTITY,
    )
    return person


@transaction.atomic
def person_update_contact(
    *, case: Case, by: User, phones: list[str], contact_handles: list[str]
) -> Person:
    require_section(by=by, case=case, section=Section.CONTACT)
    lock_case(case)
    person = Person.objects.get(case=case)
    phones = clean_lines(phones)
    seal(case, person, {"phones": phones, "contact_handles": clean_lines(contact_handles)})
    person.save()
    reindex(person, case.organisation_id, {IndexKind.PHONE: phones})
    record(
        "case.section.updated",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.CONTACT,
    )
    return person


@transaction.atomic
def location_update(
    *,
    case: Case,
    by: User,
    country: Country,
    legal_basis: str,
    region: str,
    stay_expires: date | None,
    route_notes: str,
    entered_on: date | None = None,
    risk_region: Region | None = None,
) -> Location:
    """Where the person is now. ``entered_on``, the day they entered ``country``, is sealed
    (the stay limit counts from it); only its month is kept in clear. Without it, a new
    country counts from this month."""
    require_section(by=by, case=case, section=Section.LOCATION)
    if entered_on is not None and entered_on > timezone.now().date():
        raise ValidationError(ERR_FUTURE_DATE)
    if risk_region is not None and risk_region.country_id != country.pk:
        raise ValidationError(ERR_REGION_COUNTRY)
    lock_case(case)
    location = Location.objects.filter(case=case).first()
    if location is None:
        location = Location(case=case, country=country)
    if entered_on is not None:
        location.since_month = entered_on.replace(day=1)
    elif location.country_id != country.pk:
        location.since_month = this_month()
    location.country = country
    location.legal_basis = legal_basis
    seal(
        case,
        location,
        {
            "region": region.strip(),
            "risk_region": risk_region.code if risk_region is not None else "",
            "stay_expires": stay_expires,
            "entered_on": entered_on,
            "route_notes": route_notes.strip(),
        },
    )
    location.save()
    track(case, country=country.pk)
    dates_changed(case=case, by=by)
    record(
        "case.section.updated",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.LOCATION,
    )
    return location
