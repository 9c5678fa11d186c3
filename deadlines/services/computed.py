"""Deadlines computed from a case's dates: art. 337 absence thresholds, transit stay limits,
and whatever sources other apps register (evacuation: the visa dates)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import record
from casework import envelope
from casework.guards import lock_case
from casework.legal import ABSENCE_ARTICLES, esummons_deemed_served
from casework.models import Case, LegalExposure, Location, Status
from casework.sections import Section
from deadlines.dates import open_due, seal_due
from deadlines.models import Deadline, DeadlineKind, DeadlineSource, DeadlineStatus, ReminderClaim
from deadlines.rules import art337_thresholds, last_allowed_day, stay_rule, stays_in

# A source date that cannot be opened: shredded, or closed to the user in this key scope.
UNREADABLE = (envelope.SectionShredded, envelope.KeyRefused)

KIND_ART_337 = "art337_threshold"
KIND_TRANSIT_STAY = "transit_stay_limit"
KIND_ESUMMONS = "esummons_served"
# Kinds that record when a legal effect begins (seeded so; kept if an admin re-creates them).
INFORMATION_KINDS = frozenset({KIND_ART_337, KIND_ESUMMONS})


class Due(NamedTuple):
    """A computed deadline: its kind's code, its day, and the section of the date it derives
    from (the day is sealed there: it gives that date away)."""

    kind: str
    day: date
    section: str


# (source, source_key) -> Due
Wanted = dict[tuple[str, str], Due]
# Apps built on casework add their own computed deadlines (evacuation: the visa dates): a
# provider fills ``wanted`` for the case and adds to ``unknown`` the sources it could not read.
ComputedSource = Callable[[Case, Wanted, set[str]], None]
_sources: list[ComputedSource] = []


def register_computed_source(provider: ComputedSource) -> None:
    """Called from an AppConfig.ready(); registering the same provider twice is harmless."""
    if provider not in _sources:
        _sources.append(provider)


# Apps built on casework tell the border crossings they record (evacuation: the border-crossing
# steps done): (day of entry, ISO code of the country entered). The stay limit counts the
# earlier stays they give. A provider raises UNREADABLE when it cannot open its dates.
CrossingSource = Callable[[Case], list[tuple[date, str]]]
_crossings: list[CrossingSource] = []


def register_crossing_source(provider: CrossingSource) -> None:
    """Called from an AppConfig.ready(); registering the same provider twice is harmless."""
    if provider not in _crossings:
        _crossings.append(provider)


def _kind(code: str) -> DeadlineKind:
    kind = DeadlineKind.objects.filter(code=code).first()
    if kind is None:
        # The data migration seeds it; an admin who deleted it gets it back.
        kind = DeadlineKind.objects.create(
            code=code,
            name=code.replace("_", " ").capitalize(),
            information=code in INFORMATION_KINDS,
        )
    return kind


def _art337_deadlines(case: Case, wanted: Wanted, unknown: set[str]) -> None:
    """The art. 337 thresholds of each absence the case's legal exposures record."""
    opener = case.envelope
    for exposure in LegalExposure.objects.filter(case=case, article__in=ABSENCE_ARTICLES):
        try:
            start = opener.open(exposure, "absence_start")
        except UNREADABLE:
            unknown.add(DeadlineSource.ART_337)
            continue
        if start is None:
            continue
        thresholds = art337_thresholds(
            absence_start=start, mobilisation=exposure.during_mobilisation
        )
        for index, (_part, due) in enumerate(thresholds):
            wanted[(DeadlineSource.ART_337, f"{exposure.pk}:{index}")] = Due(
                KIND_ART_337, due, Section.LEGAL
            )


def _current_entry(location: Location, entered_on: date | None, crossings: list) -> date:
    """The day the person entered the country they are in now: the location's entry date,
    else the last recorded crossing into that country, else the first of the month of entry
    (the earliest the person can have entered: a limit computed from it is never too late)."""
    if entered_on is not None:
        return entered_on
    into = [day for day, code in crossings if code == location.country_id]
    return max(into) if into else location.since_month


def _esummons_deadlines(case: Case, wanted: Wanted, unknown: set[str]) -> None:
    """The day each recorded e-summons counts as served: a date with legal effect (the exit
    ban), not a task."""
    opener = case.envelope
    for exposure in LegalExposure.objects.filter(case=case):
        try:
            served = esummons_deemed_served(opener.open(exposure, "esummons_placed_on"))
        except UNREADABLE:
            unknown.add(DeadlineSource.ESUMMONS)
            continue
        if served is not None:
            wanted[(DeadlineSource.ESUMMONS, str(exposure.pk))] = Due(
                KIND_ESUMMONS, served, Section.LEGAL
            )


def _transit_stay_deadline(case: Case, wanted: Wanted, unknown: set[str]) -> None:
    """The last day the person may stay in the country they are in now: the stay's expiry if
    one is given, else the country's rolling stay limit (e.g. 90 days in 180) counted from the
    day of entry, the earlier stays the border crossings record included."""
    location = Location.objects.filter(case=case).select_related("country").first()
    if location is None:
        return
    try:
        values = case.envelope.open_many(location, ("stay_expires", "entered_on"))
        crossings = [c for provider in _crossings for c in provider(case)]
    except UNREADABLE:
        unknown.add(DeadlineSource.TRANSIT_STAY)
        return
    due = values["stay_expires"]
    rule = stay_rule(location.country)
    if due is None and rule is not None:
        current = _current_entry(location, values["entered_on"], crossings)
        stays = stays_in(country=location.country_id, entries=crossings, current=current)
        due = last_allowed_day(stays=stays, rule=rule)
    if due is not None:
        wanted[(DeadlineSource.TRANSIT_STAY, str(location.pk))] = Due(
            KIND_TRANSIT_STAY, due, Section.LOCATION
        )


def _computed_dates(case: Case) -> tuple[Wanted, set[str]]:
    """(source, source_key) -> Due for every computed deadline the case's
    current source dates give, and the sources that could not be read (shredded, or closed to
    the scope's user: their deadlines are left as they are)."""
    wanted: Wanted = {}
    unknown: set[str] = set()
    for provider in (*_sources, _art337_deadlines, _esummons_deadlines, _transit_stay_deadline):
        provider(case, wanted, unknown)
    return wanted, unknown


def _current_due(deadline: Deadline) -> tuple[date | None, str]:
    """The deadline's sealed day (None when it cannot be opened: an erased section, or a
    value that fails to open, logged by the envelope; a new date is then sealed over it)."""
    try:
        return open_due(deadline), deadline.due_section
    except envelope.SealedDataError:
        return None, deadline.due_section


def _create_or_move(case: Case, by: User | None, wanted: Wanted, existing: dict) -> int:
    """Creates the wanted deadlines that do not exist yet and moves those whose date changed.
    Returns how many rows changed."""
    today = timezone.now().date()
    changed = 0
    for key, due in wanted.items():
        current = existing.get(key)
        if current is None:
            kind = _kind(due.kind)
            deadline = Deadline(
                case=case,
                kind=kind,
                information=kind.information,
                source=key[0],
                source_key=key[1],
                created_by=by,
            )
            seal_due(deadline, due=due.day, section=due.section)
            # No note: the row says only "threshold N of that exposure" (ids, in clear).
            deadline.save()
            changed += 1
        elif _current_due(current) != (due.day, due.section):
            # Only a new date reopens a deadline: one a caseworker cancelled or marked done
            # stays so while its source date stays put.
            sealed = seal_due(current, due=due.day, section=due.section)
            Deadline.objects.filter(pk=current.pk).update(
                **sealed, status=DeadlineStatus.OPEN, created_on=today, completed_month=None
            )
            # A moved deadline is a new date: its reminders start over.
            ReminderClaim.objects.filter(deadline=current).delete()
            changed += 1
    return changed


def _cancel_gone(wanted: Wanted, unknown: set[str], existing: dict) -> int:
    """Cancels the open deadlines whose source is gone (not those of unreadable sources)."""
    changed = 0
    for key, current in existing.items():
        if key in wanted or key[0] in unknown:
            continue
        if current.status == DeadlineStatus.OPEN:
            Deadline.objects.filter(pk=current.pk).update(status=DeadlineStatus.CANCELLED)
            changed += 1
    return changed


@transaction.atomic
def computed_deadlines_refresh(*, case: Case, by: User | None = None) -> int:
    """Brings the case's computed deadlines in line with their source dates: new ones are
    created, moved ones get the new date (and their reminders may go out again), ones whose
    source is gone are cancelled. Runs on casework.signals.case_dates_changed (an absence
    start, a stay or a visa date changed; see DeadlinesConfig.ready). Returns how many rows
    changed. A closed case gets none: its deadlines were cancelled with it."""
    lock_case(case)
    if Case.objects.filter(pk=case.pk, status=Status.CLOSED).exists():
        return 0
    existing = {
        (d.source, d.source_key): d
        for d in Deadline.objects.filter(case=case).exclude(source=DeadlineSource.MANUAL)
    }
    with envelope.key_scope():
        wanted, unknown = _computed_dates(case)
        changed = _create_or_move(case, by, wanted, existing)
    changed += _cancel_gone(wanted, unknown, existing)
    if changed:
        record("deadline.recomputed", actor=by, obj=case, org=case.organisation_id, count=changed)
    return changed
