"""Visa applications (location and legal sections) and the deadlines their dates give."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import deferred, record
from casework.guards import dates_changed, lock_case, seal
from casework.models import Case, Country, LegalCategory, this_month
from casework.sections import Section
from casework.services import case_status_event
from casework.workflow import Event
from deadlines.models import DeadlineSource
from deadlines.services import UNREADABLE, Due
from evacuation.models import Decision, Route, VisaApplication, VisaRoute
from evacuation.services.checks import ERR_UNKNOWN_COUNTRY, ERR_UNKNOWN_STATUS, require_sections

ERR_UNKNOWN_ROUTE = _("Choose a route from the list.")
ERR_NOT_UKRAINIAN = _(
    "Protection for Ukrainians is the route of residents of occupied Ukraine: change the "
    "case's legal category first if that is who the person is."
)
ERR_DECISION_DATE = _("Give the date of the decision.")
ERR_DECIDED_BEFORE_SUBMITTED = _("The decision cannot come before the application was submitted.")
ERR_DUE_BEFORE_SUBMITTED = _("The decision cannot be due before the application was submitted.")
ERR_APPEAL_BEFORE_DECISION = _("The appeal deadline cannot come before the decision date.")
ERR_APPEAL_NOT_REFUSED = _("An appeal deadline only applies to a refusal.")
ERR_VISA_DATES_NOT_GRANTED = _("Valid-until and enter-by dates only apply to a granted visa.")
ERR_ENTER_AFTER_VALID = _("The enter-by date cannot come after the visa's last valid day.")
ERR_ENTERED_NOT_GRANTED = _("An entry date only applies to a granted visa.")

VISA_LOCATION_FIELDS = ("consulate", "appointment_on")
VISA_LEGAL_FIELDS = (
    "submitted_on",
    "decision_due",
    "decided_on",
    "refusal_reasons",
    "appeal_deadline",
    "valid_until",
    "enter_by",
    "entered_on",
)

# France: a humanitarian visa holder must report to claim asylum within 8 days of entry.
ASYLUM_REPORTING_DAYS = 8
REPORTING_ROUTES = frozenset({VisaRoute.FR_HUMANITARIAN})


def routed_to_ukrainian_protection(case: Case) -> bool:
    """Residents of occupied Ukraine go to protection for Ukrainians (their own path)."""
    return case.legal_category == LegalCategory.OCCUPIED_UKRAINE


# A decision moves the case on (casework.workflow).
DECISION_EVENTS: dict[str, str] = {
    Decision.GRANTED: Event.VISA_GRANTED,
    Decision.REFUSED: Event.VISA_REFUSED,
}


def _check_route(case: Case, route: str, application: VisaApplication | None) -> None:
    routes = Route.objects.filter(code=route)
    if application is None or application.route != route:
        # A retired route stays on its applications but takes no new ones.
        routes = routes.filter(active=True)
    if not routes.exists():
        raise ValidationError(ERR_UNKNOWN_ROUTE)
    if route == VisaRoute.UKRAINIAN_PROTECTION and not routed_to_ukrainian_protection(case):
        raise ValidationError(ERR_NOT_UKRAINIAN)


def _check_visa_dates(values: dict[str, Any], decision: str) -> None:
    submitted, due, decided = values["submitted_on"], values["decision_due"], values["decided_on"]
    appeal = values["appeal_deadline"]
    if submitted and due and due < submitted:
        raise ValidationError(ERR_DUE_BEFORE_SUBMITTED)
    if decision in (Decision.GRANTED, Decision.REFUSED) and decided is None:
        raise ValidationError(ERR_DECISION_DATE)
    if submitted and decided and decided < submitted:
        raise ValidationError(ERR_DECIDED_BEFORE_SUBMITTED)
    if appeal and decision != Decision.REFUSED:
        raise ValidationError(ERR_APPEAL_NOT_REFUSED)
    if appeal and decided and appeal < decided:
        raise ValidationError(ERR_APPEAL_BEFORE_DECISION)
    if decision != Decision.GRANTED and (values["valid_until"] or values["enter_by"]):
        raise ValidationError(ERR_VISA_DATES_NOT_GRANTED)
    if decision != Decision.GRANTED and values["entered_on"]:
        raise ValidationError(ERR_ENTERED_NOT_GRANTED)
    if values["valid_until"] and values["enter_by"] and values["enter_by"] > values["valid_until"]:
        raise ValidationError(ERR_ENTER_AFTER_VALID)


# Longer than most: one keyword argument per field of the application form.
@transaction.atomic
def visa_save(
    *,
    case: Case,
    by: User,
    application: VisaApplication | None = None,
    route: str,
    destination: str,
    decision: str = Decision.PENDING,
    consulate: str = "",
    appointment_on: date | None = None,
    submitted_on: date | None = None,
    decision_due: date | None = None,
    decided_on: date | None = None,
    refusal_reasons: str = "",
    appeal_deadline: date | None = None,
    valid_until: date | None = None,
    enter_by: date | None = None,
    entered_on: date | None = None,
) -> VisaApplication:
    """Adds (``application`` None) or changes a visa application; its dates then create,
    move or cancel the case's visa deadlines."""
    require_sections(by=by, case=case, sections=(Section.LOCATION, Section.LEGAL))
    _check_route(case, route, application)
    if decision not in Decision.values:
        raise ValidationError(ERR_UNKNOWN_STATUS)
    country = Country.objects.filter(code=(destination or "").strip().upper()).first()
    if country is None:
        raise ValidationError(ERR_UNKNOWN_COUNTRY)
    legal = {
        "submitted_on": submitted_on,
        "decision_due": decision_due,
        "decided_on": decided_on,
        "refusal_reasons": refusal_reasons.strip() if decision == Decision.REFUSED else "",
        "appeal_deadline": appeal_deadline,
        "valid_until": valid_until,
        "enter_by": enter_by,
        "entered_on": entered_on,
    }
    _check_visa_dates(legal, decision)
    lock_case(case)
    if application is None:
        application = VisaApplication(case=case)
    elif application.case_id != case.pk:
        raise PermissionDenied
    application.route = route
    application.destination = country
    decided = decision != application.decision
    if decided:
        application.decided_month = this_month() if decision != Decision.PENDING else None
    application.decision = decision
    seal(
        case,
        application,
        {"consulate": consulate.strip(), "appointment_on": appointment_on, **legal},
    )
    application.save()
    # Both write and record: their events are appended after all their writes.
    with deferred():
        if decided and decision in DECISION_EVENTS:
            case_status_event(case=case, by=by, event=DECISION_EVENTS[decision])
        dates_changed(case=case, by=by)
    record(
        "evacuation.visa.saved",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=decision,
    )
    return application


def _section(kind: str) -> str:
    """The section of the date a visa deadline derives from, where its day is sealed: the
    appointment is a location field (VISA_LOCATION_FIELDS), every other date a legal one."""
    return Section.LOCATION if kind == "consulate_appointment" else Section.LEGAL


def visa_deadlines(case: Case, wanted: dict, unknown: set[str]) -> None:
    """The computed-deadline provider of the visa dates (registered with the deadlines app):
    appointment and decision due while pending; appeal after a refusal; enter-by, visa expiry
    and (French humanitarian route) asylum reporting after a grant."""
    envelope = case.envelope
    for app in VisaApplication.objects.filter(case=case):
        try:
            values = envelope.open_many(app, VISA_LOCATION_FIELDS + VISA_LEGAL_FIELDS)
        except UNREADABLE:
            unknown.add(DeadlineSource.VISA)
            continue
        due: dict[str, date | None] = {}
        if app.decision == Decision.PENDING:
            due["consulate_appointment"] = values["appointment_on"]
            due["decision_due"] = values["decision_due"]
        elif app.decision == Decision.REFUSED:
            due["appeal"] = values["appeal_deadline"]
        elif app.decision == Decision.GRANTED:
            due["visa_expiry"] = values["valid_until"]
            if values["entered_on"] is None:
                due["enter_by"] = values["enter_by"]
            if app.route in REPORTING_ROUTES:
                # The latest possible entry until the entry date is known.
                entry = values["entered_on"] or values["enter_by"] or values["valid_until"]
                if entry is not None:
                    due["asylum_reporting"] = entry + timedelta(days=ASYLUM_REPORTING_DAYS)
        for kind, day in due.items():
            if day is not None:
                wanted[(DeadlineSource.VISA, f"{app.pk}:{kind}")] = Due(kind, day, _section(kind))
