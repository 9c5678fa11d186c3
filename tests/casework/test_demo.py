"""Demo cases for seed_demo: realistic, sealed, readable by their caseworker, topped up."""

from __future__ import annotations

from accounts.models import Role
from casework.demo import top_up_cases
from casework.envelope import key_scope
from casework.models import Case, Document
from casework.models import Testimony as Statement


def test_demo_cases_are_varied_sealed_and_topped_up_only_to_n(make_member, reference_data):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    make_member("coordination", Role.CASEWORKER)
    assert len(top_up_cases(slugs=["get-lost"], per_organisation=8)) == 8
    assert top_up_cases(slugs=["get-lost"], per_organisation=8) == []
    assert len(top_up_cases(slugs=["get-lost"], per_organisation=10)) == 2
    cases = list(Case.objects.filter(organisation__slug="get-lost"))
    assert len(cases) == 10
    assert len({c.status for c in cases}) >= 5
    assert Statement.objects.filter(case__in=cases).count() == 10
    assert Document.objects.filter(case__in=cases).exists()
    assert not Case.objects.filter(organisation__slug="coordination").exists()
    with key_scope():
        names = {c.envelope.open(c.person, "legal_name") for c in cases}
    assert all(len(name.split()) == 3 for name in names)  # surname, name, patronymic
    assert all(caseworker in c.assigned_caseworkers.all() for c in cases)


def test_the_demo_refers_one_case_to_the_intransit_lawyer(make_member, reference_data):
    from casework.models import Referral, ReferralStatus
    from casework.selectors import cases_visible_to, readable_sections

    make_member("get-lost", Role.CASEWORKER)
    lawyer = make_member("intransit", Role.LAWYER)
    top_up_cases(slugs=["get-lost"], per_organisation=2)
    top_up_cases(slugs=["get-lost"], per_organisation=2)  # idempotent: still one referral
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.ACCEPTED
    assert list(cases_visible_to(user=lawyer)) == [referral.case]
    assert readable_sections(user=lawyer, case=referral.case) == {"testimony", "legal", "documents"}
