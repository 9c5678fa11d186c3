"""Services and selectors: references, validation that writes nothing, audit events, the
absence thresholds of art. 337, versions, assignment, blind-index search across orgs."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import Role
from audit.models import AuditEvent
from casework import services
from casework.envelope import IndexKind
from casework.legal import absence_part
from casework.models import Case, CaseKey, Person, PersonIndex
from casework.models import Testimony as Statement
from casework.selectors import case_search, cases_visible_to


def test_references_count_up_per_organisation_and_year(open_case, caseworker_getlost, outsider):
    with time_machine.travel("2026-12-31 12:00Z"):
        first = open_case(by=caseworker_getlost)
        second = open_case(by=caseworker_getlost)
        theirs = open_case(by=outsider)
    with time_machine.travel("2027-01-01 12:00Z"):
        next_year = open_case(by=caseworker_getlost)
    assert [first.reference, second.reference] == ["GL-2026-0001", "GL-2026-0002"]
    assert next_year.reference == "GL-2027-0001"
    assert theirs.reference == "EL-2026-0001"  # "elsewhere": a prefix of its own


def test_a_taken_prefix_is_not_shared(open_case, caseworker_getlost, make_member):
    lucky = make_member("get-lucky", Role.CASEWORKER)
    assert open_case(by=caseworker_getlost).reference.startswith("GL-")
    assert open_case(by=lucky).reference.startswith("GLU-")


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_get_distinct_numbers(open_case, caseworker_getlost):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the race needs PostgreSQL")
    open_case(by=caseworker_getlost)  # numbering row exists
    references, errors = [], []
    start = threading.Barrier(6)

    def work():
        try:
            start.wait()
            references.append(open_case(by=caseworker_getlost).reference)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(references)) == 6
    assert sorted(int(r.rsplit("-", 1)[1]) for r in references) == list(range(2, 8))


def test_opening_a_case_writes_one_audit_event_without_personal_data(case_getlost):
    event = AuditEvent.objects.get(action="case.created")
    assert event.object_type == "casework.case" and event.object_id == str(case_getlost.pk)
    assert event.data == {"status": "intake"}
    assert case_getlost.reference not in str(event.data)


def test_a_case_without_pseudonym_writes_nothing(open_case, caseworker_getlost):
    with pytest.raises(ValidationError) as refused:
        open_case(by=caseworker_getlost, pseudonym="  ")
    assert refused.value.messages == [str(services.ERR_PSEUDONYM)]
    assert not Case.objects.exists() and not CaseKey.objects.exists()
    assert not AuditEvent.objects.filter(action="case.created").exists()


def test_only_caseworkers_open_cases(open_case, admin_getlost):
    with pytest.raises(ValidationError) as refused:
        open_case(by=admin_getlost)
    assert refused.value.messages == [str(services.ERR_NOT_CASEWORKER)]


def test_services_refuse_an_unassigned_caseworker(case_getlost, colleague_getlost):
    with pytest.raises(PermissionDenied):
        services.note_add(case=case_getlost, by=colleague_getlost, text="x")
    with pytest.raises(PermissionDenied):
        services.case_change_status(case=case_getlost, by=colleague_getlost, status="triage")


@pytest.mark.parametrize(
    ("days", "mobilisation", "part"),
    [
        (2, True, ""),
        (3, True, "337.2.1"),
        (10, True, "337.2.1"),
        (11, True, "337.3.1"),
        (30, True, "337.3.1"),  # 1 March + 30 days = 31 March: one month not yet exceeded
        (31, True, "337.3.1"),  # 1 April: exactly one month, not over it
        (32, True, "337.5"),
        (3, False, "337.1"),
        (11, False, "337.3"),
        (40, False, "337.4"),
    ],
)
def test_the_part_of_article_337_follows_the_days_absent(days, mobilisation, part):
    start = date(2026, 3, 1)
    today = start + timedelta(days=days)
    assert absence_part(absence_start=start, today=today, mobilisation=mobilisation) == part


def test_the_computed_part_is_kept_in_clear_and_refreshed(case_getlost, caseworker_getlost):
    with time_machine.travel("2026-03-05 12:00Z"):
        exposure = services.exposure_add(
            case=case_getlost,
            by=caseworker_getlost,
            article="337.2.1",
            during_mobilisation=True,
            absence_start=date(2026, 3, 1),
            procedural_stage="none",
            wanted_level="none",
            exit_ban=False,
            passport_confiscated=False,
            details="",
        )
    assert exposure.computed_part == "337.2.1"
    assert services.refresh_absence_parts(today=date(2026, 4, 15)) == 1
    exposure.refresh_from_db()
    assert exposure.computed_part == "337.5"


def test_each_revision_is_a_new_version_and_needs_screening_again(case_getlost, caseworker_getlost):
    first = services.testimony_add(
        case=case_getlost, by=caseworker_getlost, language="ru", text="one", consent_dossier=False
    )
    services.testimony_screen(testimony=first, by=caseworker_getlost, screening="no_indication")
    second = services.testimony_revise(
        testimony=first, by=caseworker_getlost, language="ru", text="two", consent_dossier=True
    )
    assert (second.number, second.version, second.screening) == (1, 2, "not_screened")
    first.refresh_from_db()
    assert first.screened_by == caseworker_getlost and first.screening == "no_indication"
    assert Statement.objects.filter(case=case_getlost).count() == 2
    actions = list(
        AuditEvent.objects.filter(action__startswith="testimony.").values_list("action", "data")
    )
    assert actions == [
        ("testimony.added", {"count": 1, "version": 1}),
        ("testimony.screened", {"status": "no_indication", "version": 1}),
        ("testimony.revised", {"count": 1, "version": 2}),
    ]


def test_assignment_takes_only_caseworkers_of_the_organisation(
    case_getlost, caseworker_getlost, colleague_getlost, outsider, admin_getlost
):
    with pytest.raises(ValidationError):
        services.case_assign(case=case_getlost, by=caseworker_getlost, caseworkers=[outsider])
    with pytest.raises(ValidationError):
        services.case_assign(case=case_getlost, by=caseworker_getlost, caseworkers=[admin_getlost])
    services.case_assign(
        case=case_getlost,
        by=admin_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
        reason="workload",
        explanation="Caseworker on leave next week.",
    )
    assert set(case_getlost.assigned_caseworkers.all()) == {caseworker_getlost, colleague_getlost}


def test_blind_index_search_finds_exact_matches_and_nothing_in_another_org(
    open_case, caseworker_getlost, outsider
):
    ours = open_case(
        by=caseworker_getlost, legal_name="Иванов Иван", date_of_birth=date(1990, 5, 1)
    )
    theirs = open_case(by=outsider, legal_name="Иванов Иван", date_of_birth=date(1990, 5, 1))
    services.person_update_contact(
        case=ours, by=caseworker_getlost, phones=["+7 916 123 45 67"], contact_handles=[]
    )
    org = ours.organisation

    def found(kind, value, user=caseworker_getlost, organisation=org):
        return list(case_search(user=user, organisation=organisation, kind=kind, value=value))

    assert found(IndexKind.NAME, "иванов  иван") == [ours]
    assert found(IndexKind.NAME, "Иванов") == []
    assert found(IndexKind.BIRTH_DATE, "1990-05-01") == [ours]
    assert found(IndexKind.PHONE, "8 (916) 123-45-67") == [ours]
    # The other organisation's index rows are not even comparable: another key.
    their_digests = set(
        PersonIndex.objects.filter(person__case=theirs, kind=IndexKind.NAME).values_list(
            "digest", flat=True
        )
    )
    our_digests = set(
        PersonIndex.objects.filter(person__case=ours, kind=IndexKind.NAME).values_list(
            "digest", flat=True
        )
    )
    assert not {bytes(d) for d in their_digests} & {bytes(d) for d in our_digests}
    # Searching our organisation as an outsider finds nothing.
    assert found(IndexKind.NAME, "Иванов Иван", user=outsider) == []


def test_aliases_and_passports_are_searchable_and_shredding_identity_drops_them(
    case_getlost, caseworker_getlost
):
    services.person_update_identity(
        case=case_getlost,
        by=caseworker_getlost,
        pseudonym="Heron",
        legal_name="Иванов Иван Иванович",
        aliases=["Ivanov Ivan"],
        date_of_birth=None,
        citizenships=["RU", "KZ"],
        passport_numbers=["75 1234567"],
        relatives_at_risk="",
    )
    org = case_getlost.organisation
    assert list(
        case_search(user=caseworker_getlost, organisation=org, kind="name", value="ivanov ivan")
    ) == [case_getlost]
    assert list(
        case_search(user=caseworker_getlost, organisation=org, kind="passport", value="751234567")
    ) == [case_getlost]
    services.case_shred(case=case_getlost, by=None, sections=["identity"])
    assert (
        list(
            case_search(user=caseworker_getlost, organisation=org, kind="name", value="ivanov ivan")
        )
        == []
    )
    assert Person.objects.get(case=case_getlost).pseudonym == "Heron"


def test_frozen_or_removed_members_see_no_cases(case_getlost, caseworker_getlost):
    from django.utils import timezone

    assert list(cases_visible_to(user=caseworker_getlost)) == [case_getlost]
    caseworker_getlost.frozen_at = timezone.now()
    caseworker_getlost.save()
    assert list(cases_visible_to(user=caseworker_getlost)) == []
    caseworker_getlost.frozen_at = None
    caseworker_getlost.save()
    caseworker_getlost.memberships.update(role=Role.LAWYER)
    assert list(cases_visible_to(user=caseworker_getlost)) == []
