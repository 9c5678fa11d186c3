"""The predefined breakdowns: the only questions the statistics pages answer.

Each breakdown names its rows and columns (coarse categories, months, quarters) and how its
counts are aggregated in SQL into ``SummaryCount`` rows of (organisation, month, key, key2,
count). Nothing here loads a case into Python or opens a sealed field: every query is a
GROUP BY over clear-text categorical columns.

Adding a breakdown is one entry in BREAKDOWNS with its own ``aggregate`` query; the pages,
CSV and disclosure control pick it up.

Not yet possible, and why:
* days in transit and days per stage: evacuation steps, their kinds and dates included, are
  sealed in the location section, so no GROUP BY can reach them;
* visa outcomes by route and destination (VisaApplication keeps both and the decision in
  clear): possible, not built yet;
* time to first response: no first-response time is recorded, and status changes carry
  months only, so it is not derivable at a useful resolution.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case as When_
from django.db.models import CharField, Count, F, Min, Q, Value, When
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.models import (
    CRISIS_STATUSES,
    Article,
    Case,
    CaseStatusChange,
    LegalCategory,
    LegalExposure,
    Location,
    ProceduralStage,
    ServiceCategory,
    Status,
    WantedLevel,
    this_month,
)
from deadlines.models import Deadline, DeadlineKind, DeadlineStatus

Row = tuple[uuid.UUID, date, str, str, int]  # organisation id, month, key, key2, count
OTHER = "other"  # the row that folded small categories go into


# Where a case stands now, the steps of the outcome funnel coordinators ask for (abroad
# versus hiding in Russia): still in Russia, abroad on the way, in the visa process,
# protected, ended, in crisis.
class Stage:
    IN_RUSSIA = "in_russia"
    ABROAD = "abroad"
    VISA = "visa"
    PROTECTED = "protected"
    ENDED = "ended"
    CRISIS = "crisis"


STAGE_OF_STATUS: dict[str, str] = {
    Status.INTAKE: Stage.IN_RUSSIA,
    Status.TRIAGE: Stage.IN_RUSSIA,
    Status.VERIFICATION_PENDING: Stage.IN_RUSSIA,
    Status.CONSULTATION: Stage.IN_RUSSIA,
    Status.EXIT_PLANNING: Stage.IN_RUSSIA,
    Status.LEAVING_UNIT: Stage.IN_RUSSIA,
    Status.HIDING_IN_RUSSIA: Stage.IN_RUSSIA,
    Status.BORDER_CROSSING: Stage.ABROAD,
    Status.IN_TRANSIT: Stage.ABROAD,
    Status.DOSSIER_PREPARATION: Stage.VISA,
    Status.LAWYER_REVIEW: Stage.VISA,
    Status.VISA_SUBMITTED: Stage.VISA,
    Status.VISA_GRANTED: Stage.VISA,
    Status.VISA_REFUSED: Stage.VISA,
    Status.APPEAL: Stage.VISA,
    Status.TRAVEL: Stage.ABROAD,
    Status.ASYLUM_LODGED: Stage.PROTECTED,
    Status.PROTECTED: Stage.PROTECTED,
    Status.REJECTED: Stage.ENDED,
    Status.CLOSED: Stage.ENDED,
    **{status: Stage.CRISIS for status in CRISIS_STATUSES},
}
STAGE_LABELS: dict[str, Promise] = {
    Stage.IN_RUSSIA: _("Still in Russia"),
    Stage.ABROAD: _("Abroad, on the way"),
    Stage.VISA: _("Visa process"),
    Stage.PROTECTED: _("Asylum lodged or protected"),
    Stage.ENDED: _("Closed or rejected"),
    Stage.CRISIS: _("Crisis"),
}
# Open for the backlog: everything that is not an end state.
ENDED_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.PROTECTED, Status.DECEASED})
QUARTER_LABELS: dict[str, Promise] = {
    "1": _("Q1"),
    "2": _("Q2"),
    "3": _("Q3"),
    "4": _("Q4"),
}
BACKLOG_BUCKETS: tuple[tuple[str, int, Promise], ...] = (
    # (key, at least this many months old, label)
    ("0-2", 0, _("Under 3 months")),
    ("3-5", 3, _("3 to 5 months")),
    ("6-11", 6, _("6 to 11 months")),
    ("12+", 12, _("A year or more")),
)


@dataclass(frozen=True)
class Dimension:
    """Rows or columns of a table. ``source``: "key", "key2", "month" (the months of the
    chosen year), "quarter" (of the month), "backlog" (age bucket of the month). ``labels``:
    the categories in display order (for key dimensions, filled lazily for countries)."""

    source: str
    title: Promise
    labels: Callable[[], dict[str, str | Promise]] = field(default=dict)
    # Fold categories under k into one "other" row (countries): otherwise the mere presence
    # of a row would tell that someone is in that country. Decided on the published counts
    # (noisy in differential-privacy mode), so it is post-processing.
    fold_small: bool = False


@dataclass(frozen=True)
class Breakdown:
    code: str
    title: Promise
    description: Promise
    unit: Promise
    rows: Dimension
    cols: Dimension | None
    # True when each case (or incident) is in exactly one cell: then totals are published and
    # complementary suppression keeps them from revealing hidden cells. False when a case may
    # count in several cells: no totals are published at all.
    additive: bool
    aggregate: Callable[[], Iterable[Row]]
    chart: str = "bar"  # "bar" (row totals or the single column), "line" (by month), ""
    # Snapshot breakdowns describe open cases now; they have no year.
    periodic: bool = True


def _choices(choices) -> Callable[[], dict[str, str | Promise]]:
    return lambda: dict(choices.choices)


def _countries() -> dict[str, str | Promise]:
    from casework.models import Country

    labels: dict[str, str | Promise] = dict(Country.objects.values_list("code", "name"))
    labels[OTHER] = _("Other countries or not recorded")
    return labels


def _stage_expression():
    return When_(
        *[
            When(
                status__in=[s for s, stage in STAGE_OF_STATUS.items() if stage == code],
                then=Value(code),
            )
            for code in STAGE_LABELS
        ],
        default=Value(Stage.IN_RUSSIA),
        output_field=CharField(),
    )


def _rows(
    queryset, org: str, month: str, key: str | None, key2: str | None, count
) -> Iterable[Row]:
    """One GROUP BY query; yields aggregate rows only (a few hundred, never cases)."""
    fields = [org, month] + [f for f in (key, key2) if f]
    for row in queryset.values(*fields).annotate(n=count).order_by().values_list(*fields, "n"):
        values = list(row)
        org_id, when, count_value = values[0], values[1], values[-1]
        first = values[2] if key else ""
        second = values[3] if key and key2 else ""
        yield org_id, when, first or "", second or "", count_value


def requests_by_month() -> Iterable[Row]:
    return _rows(
        Case.objects.all(), "organisation_id", "opened_month", "legal_category", None, Count("id")
    )


def service_mix() -> Iterable[Row]:
    return _rows(
        Case.objects.all(), "organisation_id", "opened_month", "service_category", None, Count("id")
    )


def outcome_funnel() -> Iterable[Row]:
    qs = Case.objects.annotate(stage=_stage_expression())
    return _rows(qs, "organisation_id", "opened_month", "stage", None, Count("id"))


def countries() -> Iterable[Row]:
    return _rows(
        Location.objects.all(),
        "case__organisation_id",
        "case__opened_month",
        "country_id",
        None,
        Count("id"),
    )


def exposure_article_stage() -> Iterable[Row]:
    return _rows(
        LegalExposure.objects.all(),
        "case__organisation_id",
        "case__opened_month",
        "article",
        "procedural_stage",
        Count("case_id", distinct=True),
    )


def exposure_wanted() -> Iterable[Row]:
    return _rows(
        LegalExposure.objects.all(),
        "case__organisation_id",
        "case__opened_month",
        "wanted_level",
        None,
        Count("case_id", distinct=True),
    )


def _crisis_changes():
    return CaseStatusChange.objects.filter(to_status__in=CRISIS_STATUSES)


def crisis_by_quarter() -> Iterable[Row]:
    return _rows(
        _crisis_changes(), "case__organisation_id", "changed_month", "to_status", None, Count("id")
    )


def crisis_by_country() -> Iterable[Row]:
    return _rows(
        _crisis_changes(),
        "case__organisation_id",
        "changed_month",
        "case__location__country_id",
        None,
        Count("id"),
    )


def _open_cases():
    return Case.objects.exclude(status__in=ENDED_STATUSES).filter(closed_month__isnull=True)


def backlog() -> Iterable[Row]:
    return _rows(_open_cases(), "organisation_id", "opened_month", None, None, Count("id"))


def caseload() -> Iterable[Row]:
    """Open cases (key "cases") and caseworkers holding at least one (key "caseworkers"); the
    page shows only the ratio. A caseworker counts once per organisation, in the opening month
    of their earliest open case there: summed over the published months, that counts exactly
    those holding a published open case. Two queries; one row per (organisation, caseworker)
    is read, never a case."""
    first_months = (
        Case.assigned_caseworkers.through.objects.filter(case__in=_open_cases())
        .values("case__organisation_id", "user_id")
        .annotate(first=Min("case__opened_month"))
        .order_by()
        # django-stubs does not see an annotation made after values().
        .values_list("case__organisation_id", "first")  # type: ignore[misc]
    )
    for (org_id, month), n in Counter(first_months).items():
        yield org_id, month, "caseworkers", "", n
    for org_id, month, _k, _k2, n in backlog():
        yield org_id, month, "cases", "", n


# Deadlines met vs missed, all at month resolution (Deadline.completed_month keeps only the
# month): met = done in the due date's month or earlier; missed = done in a later month, or
# still open after the due date's month has ended. Cancelled deadlines, open ones whose month
# is not over, and ones marked done before the completion month was recorded do not count.
# A deadline counts once, in the month it was due: a published "missed" never turns "met".
MET, MISSED = "met", "missed"
DEADLINE_OUTCOMES: dict[str, Promise] = {MET: _("Met"), MISSED: _("Missed")}
# The kind "custom" (labelled "Other") always goes into the folded row, so that the table
# never shows two rows called "other".
FOLDED_KINDS = ("custom", OTHER)
KEY_LENGTH = 32  # SummaryCount.key: a longer kind code is cut to fit, here and in the labels


def _deadline_kinds() -> dict[str, str | Promise]:
    labels: dict[str, str | Promise] = {
        kind.code[:KEY_LENGTH]: kind.label
        for kind in DeadlineKind.objects.all()
        if kind.code not in FOLDED_KINDS
    }
    labels[OTHER] = _("Other kinds, or kinds with few deadlines")
    return labels


def deadlines_met() -> Iterable[Row]:
    counted = Q(status=DeadlineStatus.DONE, completed_month__isnull=False) | Q(
        status=DeadlineStatus.OPEN, due_month__lt=this_month()
    )
    qs = Deadline.objects.filter(counted).annotate(
        kind_key=When_(
            When(kind__code__in=FOLDED_KINDS, then=Value(OTHER)),
            default=Substr("kind__code", 1, KEY_LENGTH),
            output_field=CharField(),
        ),
        # Both are firsts of months: met when done in the due month or earlier.
        outcome=When_(
            When(
                status=DeadlineStatus.DONE,
                completed_month__lte=F("due_month"),
                then=Value(MET),
            ),
            default=Value(MISSED),
            output_field=CharField(),
        ),
    )
    return _rows(qs, "case__organisation_id", "due_month", "kind_key", "outcome", Count("id"))


CRISIS_TYPES = {status: label for status, label in Status.choices if status in CRISIS_STATUSES}

BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown(
        "requests",
        _("Requests by month and case type"),
        _("Cases opened each month, by legal category."),
        _("cases"),
        Dimension("month", _("Month")),
        Dimension("key", _("Legal category"), _choices(LegalCategory)),
        additive=True,
        aggregate=requests_by_month,
        chart="line",
    ),
    Breakdown(
        "service",
        _("Service category mix"),
        _("Cases opened in the year, by service category."),
        _("cases"),
        Dimension("key", _("Service category"), _choices(ServiceCategory)),
        None,
        additive=True,
        aggregate=service_mix,
    ),
    Breakdown(
        "outcome",
        _("Outcome funnel"),
        _("Where the cases opened in the year stand now: still in Russia or abroad."),
        _("cases"),
        Dimension("key", _("Stage"), lambda: dict(STAGE_LABELS)),
        None,
        additive=True,
        aggregate=outcome_funnel,
    ),
    Breakdown(
        "countries",
        _("Countries where people are now"),
        _("Current country of the cases opened in the year, where recorded."),
        _("cases"),
        Dimension("key", _("Country"), _countries, fold_small=True),
        None,
        additive=True,
        aggregate=countries,
    ),
    Breakdown(
        "exposure",
        _("Legal exposure by article and procedural stage"),
        _(
            "Cases with each exposure. A case with several exposures counts in several "
            "cells, so no totals are shown."
        ),
        _("cases"),
        Dimension("key", _("Article"), _choices(Article)),
        Dimension("key2", _("Procedural stage"), _choices(ProceduralStage)),
        additive=False,
        aggregate=exposure_article_stage,
        chart="",
    ),
    Breakdown(
        "wanted",
        _("Wanted level"),
        _("Cases with an exposure at each wanted level. A case can count more than once."),
        _("cases"),
        Dimension("key", _("Wanted level"), _choices(WantedLevel)),
        None,
        additive=False,
        aggregate=exposure_wanted,
    ),
    Breakdown(
        "crisis_quarter",
        _("Crisis incidents by type and quarter"),
        _("Changes of a case into a crisis state, by the quarter they were recorded in."),
        _("incidents"),
        Dimension("key", _("Crisis"), lambda: dict(CRISIS_TYPES)),
        Dimension("quarter", _("Quarter"), lambda: dict(QUARTER_LABELS)),
        additive=True,
        aggregate=crisis_by_quarter,
    ),
    Breakdown(
        "crisis_country",
        _("Crisis incidents by country"),
        _("Crisis incidents in the year, by the person's current country."),
        _("incidents"),
        Dimension("key", _("Country"), _countries, fold_small=True),
        None,
        additive=True,
        aggregate=crisis_by_country,
    ),
    Breakdown(
        "deadlines",
        _("Deadlines met vs missed"),
        _(
            "Deadlines by the month they were due, counted in months: met when marked done "
            "in the month of the due date or earlier; missed when marked done in a later "
            "month, or still open after that month ended. Cancelled deadlines do not count."
        ),
        _("deadlines"),
        Dimension("key", _("Kind of deadline"), _deadline_kinds, fold_small=True),
        Dimension("key2", _("Outcome"), lambda: dict(DEADLINE_OUTCOMES)),
        additive=True,
        aggregate=deadlines_met,
    ),
    Breakdown(
        "backlog",
        _("Backlog age"),
        _("Open cases now, by months since they were opened."),
        _("cases"),
        Dimension("backlog", _("Age"), lambda: {key: label for key, _m, label in BACKLOG_BUCKETS}),
        None,
        additive=True,
        aggregate=backlog,
        periodic=False,
    ),
)
BY_CODE = {b.code: b for b in BREAKDOWNS}
# Refreshed but not a table: the caseload ratio (capacity).
EXTRA_AGGREGATES: dict[str, Callable[[], Iterable[Row]]] = {"caseload": caseload}
