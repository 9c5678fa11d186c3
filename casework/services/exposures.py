"""Legal exposure: the article and part a person faces, with the dates they follow."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import record
from casework.envelope import SectionShredded, key_scope
from casework.guards import dates_changed, lock_case, require_section, seal
from casework.legal import ABSENCE_ARTICLES, absence_part
from casework.models import Case, LegalExposure
from casework.sections import Section
from casework.services.cases import ERR_FUTURE_DATE
from casework.services.history import track_exposure


def _exposure_values(
    exposure: LegalExposure,
    *,
    article: str,
    during_mobilisation: bool,
    procedural_stage: str,
    wanted_level: str,
    exit_ban: bool,
    passport_confiscated: bool,
    absence_start: date | None,
    esummons_placed_on: date | None = None,
) -> None:
    today = timezone.now().date()
    if (absence_start and absence_start > today) or (
        esummons_placed_on and esummons_placed_on > today
    ):
        raise ValidationError(ERR_FUTURE_DATE)
    exposure.article = article
    exposure.during_mobilisation = during_mobilisation
    exposure.procedural_stage = procedural_stage
    exposure.wanted_level = wanted_level
    exposure.exit_ban = exit_ban
    exposure.passport_confiscated = passport_confiscated
    exposure.computed_part = (
        absence_part(
            absence_start=absence_start,
            today=timezone.now().date(),
            mobilisation=during_mobilisation,
        )
        if article in ABSENCE_ARTICLES
        else ""
    )
    exposure.full_clean(exclude=["case", "absence_start", "esummons_placed_on", "details"])


@transaction.atomic
def exposure_add(
    *,
    case: Case,
    by: User,
    absence_start: date | None,
    details: str,
    esummons_placed_on: date | None = None,
    **values: Any,
) -> LegalExposure:
    require_section(by=by, case=case, section=Section.LEGAL)
    lock_case(case)
    exposure = LegalExposure(case=case)
    dates: dict[str, Any] = {
        "absence_start": absence_start,
        "esummons_placed_on": esummons_placed_on,
    }
    _exposure_values(exposure, **dates, **values)
    seal(case, exposure, {**dates, "details": details.strip()})
    exposure.save()
    track_exposure(exposure)
    dates_changed(case=case, by=by)
    record(
        "case.section.updated", actor=by, obj=case, org=case.organisation_id, section=Section.LEGAL
    )
    return exposure


@transaction.atomic
def exposure_update(
    *,
    exposure: LegalExposure,
    by: User,
    absence_start: date | None,
    details: str,
    esummons_placed_on: date | None = None,
    **values: Any,
) -> LegalExposure:
    case = exposure.case
    require_section(by=by, case=case, section=Section.LEGAL)
    lock_case(case)
    exposure = LegalExposure.objects.get(pk=exposure.pk)
    dates: dict[str, Any] = {
        "absence_start": absence_start,
        "esummons_placed_on": esummons_placed_on,
    }
    _exposure_values(exposure, **dates, **values)
    seal(case, exposure, {**dates, "details": details.strip()})
    exposure.save()
    track_exposure(exposure)
    dates_changed(case=case, by=by)
    record(
        "case.section.updated", actor=by, obj=case, org=case.organisation_id, section=Section.LEGAL
    )
    return exposure


def refresh_absence_parts(*, today: date | None = None) -> int:
    """Recomputes the clear ``computed_part`` of absence exposures (for reminders and
    statistics as days pass: daily, casework.tasks) and adds the new part to the exposure's
    history. Opens each exposure's absence start; returns how many changed."""
    today = today or timezone.now().date()
    changed = 0
    with key_scope():
        for exposure in LegalExposure.objects.filter(article__in=ABSENCE_ARTICLES):
            try:
                start = exposure.case.envelope.open(exposure, "absence_start")
            except SectionShredded:
                continue
            part = absence_part(
                absence_start=start, today=today, mobilisation=exposure.during_mobilisation
            )
            if part != exposure.computed_part:
                LegalExposure.objects.filter(pk=exposure.pk).update(computed_part=part)
                exposure.computed_part = part
                # The statistics' history follows the part as it advances.
                track_exposure(exposure)
                changed += 1
    return changed
