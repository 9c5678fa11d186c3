"""The predefined breakdowns: the only questions the statistics pages answer, and how they are
grouped for publication. The counting itself (SQL over the history, as of a cut-off) is in
stats.counting.

Every breakdown belongs to a **group**: the tables that count the same people in one period.

* Periodic groups describe a month or a quarter. A period is published once, in the first
  release whose cut-off reaches its last month, as of that cut-off, and is then frozen: later
  edits to old cases never reach it (only an audited re-publication does).
* The snapshot group ("now") describes the world at each release's cut-off (open cases,
  where people are); every release publishes one more snapshot, and stats.control keeps
  two snapshots from differing by fewer than k people in any figure.

Groups are chosen so that no equation links two of them: requests and the service mix (the
cases opened in a month) share their totals and are controlled together; the snapshot
counts verified people (outcome), open verified cases (countries, backlog) and open
unverified contacts (a line of its own), none of which is a sum of monthly requests.

Not yet possible, and why:
* days in transit and days per stage: evacuation steps, their kinds and dates included, are
  sealed in the location section, so no GROUP BY can reach them;
* visa outcomes by route and destination (VisaApplication keeps both and the decision in
  clear): possible, not built yet;
* time to first response: no first-response time is recorded, and status changes carry
  months only, so it is not derivable at a useful resolution;
* the caseload ratio (open cases per caseworker): an organisation's admin knows their own
  staff, so any exact ratio gives away the exact number of open cases; dropped (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.models import (
    CRISIS_STATUSES,
    Article,
    LegalCategory,
    ProceduralStage,
    ServiceCategory,
    Status,
    WantedLevel,
)

OTHER = "other"  # the row that folded small categories go into
NOT_RECORDED = ""  # the key of a value that was not recorded at the cut-off
MONTH, QUARTER, SNAPSHOT = "month", "quarter", "snapshot"


# Where a person stands at the cut-off, for the outcome funnel: decided by where the person
# is (the country of stay) first, and by the status only for the end states and crises.
class Stage:
    IN_RUSSIA = "in_russia"
    STAYED = "stayed"
    ABROAD = "abroad"
    VISA = "visa"
    PROTECTED = "protected"
    ENDED = "ended"
    CRISIS = "crisis"
    UNKNOWN = "unknown"


STAGE_LABELS: dict[str, Promise] = {
    Stage.IN_RUSSIA: _("Still in Russia"),
    Stage.STAYED: _("Stayed in Russia (an outcome)"),
    Stage.ABROAD: _("Abroad, on the way"),
    Stage.VISA: _("Abroad, in the visa process"),
    Stage.PROTECTED: _("Asylum lodged or protected"),
    Stage.ENDED: _("Closed or rejected"),
    Stage.CRISIS: _("Crisis"),
    Stage.UNKNOWN: _("Where the person is was not recorded"),
}
VISA_STATUSES = frozenset(
    {
        Status.DOSSIER_PREPARATION,
        Status.LAWYER_REVIEW,
        Status.VISA_SUBMITTED,
        Status.VISA_GRANTED,
        Status.VISA_REFUSED,
        Status.APPEAL,
    }
)
# Not open any more: out of the backlog, the countries table and the unverified line.
ENDED_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.PROTECTED, Status.DECEASED})
HOME_COUNTRY = "RU"


def stage_of(status: str, country: str) -> str:
    """The funnel stage of a person with ``status`` and ``country`` at the cut-off."""
    if status in CRISIS_STATUSES:
        return Stage.CRISIS
    if status in (Status.ASYLUM_LODGED, Status.PROTECTED):
        return Stage.PROTECTED
    if status in (Status.CLOSED, Status.REJECTED):
        return Stage.ENDED
    if status == Status.STAYED_IN_RUSSIA:
        return Stage.STAYED
    if not country:
        return Stage.UNKNOWN
    if country == HOME_COUNTRY:
        return Stage.IN_RUSSIA
    return Stage.VISA if status in VISA_STATUSES else Stage.ABROAD


BACKLOG_BUCKETS: tuple[tuple[str, int, Promise], ...] = (
    # (key, at least this many months old at the cut-off, label)
    ("0-2", 0, _("Under 3 months")),
    ("3-5", 3, _("3 to 5 months")),
    ("6-11", 6, _("6 to 11 months")),
    ("12+", 12, _("A year or more")),
)
MET, MISSED = "met", "missed"
DEADLINE_OUTCOMES: dict[str, Promise] = {MET: _("Met"), MISSED: _("Missed")}
CRISIS_TYPES = {status: label for status, label in Status.choices if status in CRISIS_STATUSES}
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Dimension:
    """The rows (or columns) of a table. ``labels`` gives the categories in display order
    (countries and deadline kinds come from the database, so it is a function). ``fold_small``:
    categories under k go into one OTHER row, decided per view on its counts, so that the mere
    presence of a row does not tell that someone is in that country."""

    title: Promise
    labels: Callable[[], dict[str, str | Promise]] = field(default=dict)
    fold_small: bool = False
    fixed: bool = True  # every label is a row even when empty (categories, not countries)


@dataclass(frozen=True)
class Breakdown:
    code: str
    group: str
    title: Promise
    description: Promise
    unit: Promise
    rows: Dimension
    cols: Dimension | None
    # True when each case (or incident) is in exactly one cell: totals are published and
    # suppression keeps them from revealing hidden cells. False when a case may count in
    # several cells: no totals at all.
    additive: bool
    # "periods": one line per period (the table's categories become the columns);
    # "blocks": one table per period (or per snapshot).
    layout: str = "blocks"
    chart: str = "bar"  # "bar", "line" (periods layout) or ""


@dataclass(frozen=True)
class Group:
    code: str
    period: str  # MONTH, QUARTER or SNAPSHOT
    # Pairs of tables whose totals count the same people (an equation the attacker knows).
    links: tuple[tuple[str, str], ...] = ()


def _choices(choices) -> Callable[[], dict[str, str | Promise]]:
    return lambda: dict(choices.choices)


def _countries() -> dict[str, str | Promise]:
    from casework.models import Country

    labels: dict[str, str | Promise] = {c.code: c.label for c in Country.objects.all()}
    labels[OTHER] = _("Other countries or not recorded")
    return labels


def _deadline_kinds() -> dict[str, str | Promise]:
    from deadlines.models import DeadlineKind

    labels: dict[str, str | Promise] = {
        kind.code[:32]: kind.label
        for kind in DeadlineKind.objects.all()
        if kind.code not in FOLDED_KINDS
    }
    labels[OTHER] = _("Other kinds, or kinds with few deadlines")
    return labels


# The kind "custom" (labelled "Other") always goes into the folded row, so that the table
# never shows two rows called "other".
FOLDED_KINDS = ("custom", OTHER)

GROUPS: dict[str, Group] = {
    group.code: group
    for group in (
        Group("opened", MONTH, links=(("requests", "service"),)),
        Group("crisis", QUARTER, links=(("crisis_quarter", "crisis_country"),)),
        Group("deadlines", QUARTER),
        Group("exposure", QUARTER),
        Group("now", SNAPSHOT, links=(("countries", "backlog"),)),
    )
}

BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown(
        "requests",
        "opened",
        _("Requests by month and case type"),
        _(
            "Cases opened each month, by legal category at the release's cut-off. Every "
            "contact counts here, verified or not."
        ),
        _("cases"),
        Dimension(_("Legal category"), _choices(LegalCategory)),
        None,
        additive=True,
        layout="periods",
        chart="line",
    ),
    Breakdown(
        "service",
        "opened",
        _("Service category mix"),
        _("Cases opened each month, by service category at the release's cut-off."),
        _("cases"),
        Dimension(_("Service category"), _choices(ServiceCategory)),
        None,
        additive=True,
        layout="periods",
        chart="",
    ),
    Breakdown(
        "outcome",
        "now",
        _("Outcome funnel"),
        _(
            "Verified people at the cut-off, by where they were: in Russia or abroad (from "
            "the country of stay), and for the end states and crises from the status."
        ),
        _("people"),
        Dimension(_("Stage"), lambda: dict(STAGE_LABELS)),
        None,
        additive=True,
    ),
    Breakdown(
        "unverified",
        "now",
        _("Unverified contacts"),
        _(
            "Open cases of people not verified by the cut-off. They are counted nowhere "
            "else in this snapshot: a provocateur may be among them."
        ),
        _("contacts"),
        Dimension(_("Contacts"), lambda: {UNVERIFIED: _("Unverified, case open")}),
        None,
        additive=False,
        chart="",
    ),
    Breakdown(
        "countries",
        "now",
        _("Countries where people are"),
        _("Country of stay at the cut-off of verified people with an open case."),
        _("people"),
        Dimension(_("Country"), _countries, fold_small=True, fixed=False),
        None,
        additive=True,
    ),
    Breakdown(
        "backlog",
        "now",
        _("Backlog age"),
        _("Open cases of verified people at the cut-off, by months since they were opened."),
        _("cases"),
        Dimension(_("Age"), lambda: {key: label for key, _m, label in BACKLOG_BUCKETS}),
        None,
        additive=True,
    ),
    Breakdown(
        "exposure",
        "exposure",
        _("Legal exposure by article and procedural stage"),
        _(
            "Cases opened in the quarter with each exposure at the cut-off. A case with "
            "several exposures counts in several cells, so no totals are shown."
        ),
        _("cases"),
        Dimension(_("Article"), _choices(Article)),
        Dimension(_("Procedural stage"), _choices(ProceduralStage)),
        additive=False,
        chart="",
    ),
    Breakdown(
        "wanted",
        "exposure",
        _("Wanted level"),
        _(
            "Cases opened in the quarter with an exposure at each wanted level at the "
            "cut-off. A case can count more than once."
        ),
        _("cases"),
        Dimension(_("Wanted level"), _choices(WantedLevel)),
        None,
        additive=False,
    ),
    Breakdown(
        "crisis_quarter",
        "crisis",
        _("Crisis incidents by type"),
        _("Changes of a case into a crisis state, by the quarter they were recorded in."),
        _("incidents"),
        Dimension(_("Crisis"), lambda: dict(CRISIS_TYPES)),
        None,
        additive=True,
    ),
    Breakdown(
        "crisis_country",
        "crisis",
        _("Crisis incidents by country"),
        _("Crisis incidents of the quarter, by the person's country of stay in that month."),
        _("incidents"),
        Dimension(_("Country"), _countries, fold_small=True, fixed=False),
        None,
        additive=True,
    ),
    Breakdown(
        "deadlines",
        "deadlines",
        _("Deadlines met vs missed"),
        _(
            "Deadlines due in the quarter, counted in months: met when marked done in the "
            "month of the due date or earlier; missed when marked done in a later month, or "
            "still open after that month ended. Cancelled deadlines do not count."
        ),
        _("deadlines"),
        Dimension(_("Kind of deadline"), _deadline_kinds, fold_small=True, fixed=False),
        Dimension(_("Outcome"), lambda: dict(DEADLINE_OUTCOMES)),
        additive=True,
        chart="",
    ),
)
BY_CODE = {b.code: b for b in BREAKDOWNS}


def tables_of(group: str) -> list[Breakdown]:
    return [b for b in BREAKDOWNS if b.group == group]
