"""The case itself: opening it, its status, its coarse details, who is assigned, and
verification of the person."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from audit.services import record
from casework import limits
from casework.envelope import create_case_keys, empty_values
from casework.guards import lock_case, require_assigned, seal
from casework.legal import service_category_for
from casework.models import (
    Case,
    CaseStatusChange,
    Country,
    Location,
    LocationOpening,
    Person,
    this_month,
)
from casework.selectors import caseworkers_of
from casework.services.history import track
from casework.services.indexes import identity_index, reindex
from casework.services.references import next_reference

ERR_PSEUDONYM = _("Give the person a pseudonym: it is what everyone sees in lists.")
ERR_NOT_CASEWORKER = _("Only caseworkers of this organisation can open a case.")
ERR_ALREADY_VERIFIED = _("This person has already been verified.")
ERR_FUTURE_DATE = _("This date lies in the future.")


@transaction.atomic
def case_create(
    *,
    organisation: Organisation,
    by: User,
    pseudonym: str,
    intake_channel: str,
    legal_category: str,
    service_category: str,
    risk_level: str,
    legal_name: str = "",
    date_of_birth: date | None = None,
    country: Country | None = None,
) -> Case:
    """Opens a case: the shell, one data key per section, the person (identity sealed, blind
    indexes), the first status, the creator assigned. Writes case.created."""
    pseudonym = limits.check_text(pseudonym.strip(), limits.PSEUDONYM)
    if not pseudonym:
        raise ValidationError(ERR_PSEUDONYM)
    service_category = service_category_for(
        legal_category=legal_category, service_category=service_category
    )
    if not caseworkers_of(organisation_id=organisation.pk).filter(pk=by.pk).exists():
        raise ValidationError(ERR_NOT_CASEWORKER)
    if date_of_birth and date_of_birth > timezone.now().date():
        raise ValidationError(ERR_FUTURE_DATE)
    year = timezone.now().year
    reference, number = next_reference(organisation=organisation, year=year)
    case = Case.objects.create(
        organisation=organisation,
        reference=reference,
        year=year,
        number=number,
        intake_channel=intake_channel,
        legal_category=legal_category,
        service_category=service_category,
        risk_level=risk_level,
    )
    create_case_keys(case_id=case.pk)
    person = Person(case=case, pseudonym=pseudonym)
    values = {"legal_name": legal_name.strip(), "date_of_birth": date_of_birth}
    seal(case, person, {**empty_values(Person), **values})
    person.save()
    reindex(person, organisation.pk, identity_index(legal_name, [], date_of_birth, []))
    case.assigned_caseworkers.add(by)
    LocationOpening.objects.create(case=case, user=by, opened_by=by)
    CaseStatusChange.objects.create(case=case, to_status=case.status, changed_by=by)
    if country is not None:
        location = Location(case=case, country=country)
        seal(case, location, empty_values(Location))
        location.save()
    track(
        case,
        legal_category=legal_category,
        service_category=service_category,
        country=country.pk if country is not None else None,
    )
    record("case.created", actor=by, obj=case, org=organisation, status=case.status)
    return case


@transaction.atomic
def case_update_shell(*, case: Case, by: User, risk_level: str, **categories: str) -> Case:
    """Changes the risk level and the categories (coarse, in clear)."""
    require_assigned(by=by, case=case)
    lock_case(case)
    case.risk_level = risk_level
    for name in ("intake_channel", "legal_category", "service_category"):
        if name in categories:
            setattr(case, name, categories[name])
    case.service_category = service_category_for(
        legal_category=case.legal_category, service_category=case.service_category
    )
    case.full_clean(exclude=["organisation", "reference", "year", "number", "verified_by"])
    case.save(update_fields=["risk_level", "intake_channel", "legal_category", "service_category"])
    track(case, legal_category=case.legal_category, service_category=case.service_category)
    record("case.updated", actor=by, obj=case, org=case.organisation_id)
    return case


@transaction.atomic
def case_verify(*, case: Case, by: User) -> Case:
    """Records that ``by`` (an assigned caseworker) verified the person: the location and
    route section opens."""
    require_assigned(by=by, case=case)
    lock_case(case)
    locked = Case.objects.get(pk=case.pk)
    if locked.verified_by_id is not None:
        raise ValidationError(ERR_ALREADY_VERIFIED)
    case.verified_by = by
    case.verified_month = this_month()
    case.save(update_fields=["verified_by", "verified_month"])
    record("case.verified", actor=by, obj=case, org=case.organisation_id)
    return case
