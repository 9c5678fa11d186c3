"""Partner access: guardian's safe use, the global-permission check, keys refused without a
grant, break-glass, consent, referrals (revocation, withdrawal, expiry, freeze on the very next
request), lawyers' section grants, the verification gate, "who has seen this case", deletion."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.checks import run_checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from audit.models import AuditEvent
from casework import services
from casework.envelope import KeyRefused, key_scope
from casework.models import (
    BreakGlassReason,
    Case,
    CaseNotice,
    CaseUserPermission,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    NoticeKind,
    Referral,
    ReferralReason,
    ReferralStatus,
)
from casework.sections import SECTIONS, Section
from casework.selectors import NOT_GRANTED, cases_visible_to, readable_sections
from tests.casework.conftest import MARKER
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]


def source_packages() -> list[Path]:
    """Every top-level Python package of the project except the tests (new apps included)."""
    return [
        d
        for d in sorted(ROOT.iterdir())
        if (d / "__init__.py").exists() and d.name != "tests" and not d.name.startswith(".")
    ]


@pytest.fixture
def intransit_lawyer(lawyer_intransit):
    return lawyer_intransit


@pytest.fixture
def intransit(lawyer_intransit):
    return lawyer_intransit.memberships.get().organisation


@pytest.fixture
def consent(case_getlost, caseworker_getlost, intransit):
    return services.consent_record(
        case=case_getlost,
        by=caseworker_getlost,
        purpose=ConsentPurpose.LEGAL_ADVICE,
        recipient=intransit,
        sections=[Section.TESTIMONY, Section.LEGAL],
        given_by=ConsentGiver.CLIENT,
        confirmed_via=ConsentConfirmation.IN_PERSON,
        confirmed_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=60),
    )


def refer(case, by, to, *, sections=(Section.TESTIMONY, Section.LEGAL), days=30, **kw):
    return services.referral_create(
        case=case,
        by=by,
        to_organisation=to,
        sections=list(sections),
        actions=["view"],
        reason=ReferralReason.LEGAL_REVIEW,
        expires_at=timezone.now() + timedelta(days=days),
        **kw,
    )


@pytest.fixture
def accepted(case_getlost, caseworker_getlost, intransit, consent, lawyer_intransit):
    """case_getlost referred to InTransit (testimony and legal), accepted by its lawyer, with a
    marker statement in the testimony section."""
    services.testimony_add(
        case=case_getlost, by=caseworker_getlost, language="ru", text=MARKER, consent_dossier=True
    )
    referral = refer(case_getlost, caseworker_getlost, intransit)
    services.referral_accept(referral=referral, by=lawyer_intransit)
    return referral


def _page(client, case):
    return client.get(reverse("casework:case_detail", args=[case.reference]))


# --- guardian used safely ---------------------------------------------


def test_get_objects_for_user_is_called_only_in_the_selectors_with_safe_flags():
    calls = []
    assert {"casework", "accounts"} <= {d.name for d in source_packages()}
    for folder in source_packages():
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"get_objects_for_user\(", text):
                calls.append((path.relative_to(ROOT).as_posix(), text, match.start()))
    assert calls, "the selectors use guardian"
    for where, text, start in calls:
        assert where == "casework/selectors/access.py", f"get_objects_for_user called in {where}"
        call = text[start : text.index("\n    )", start)]
        assert "with_superuser=False" in call and "accept_global_perms=False" in call
        assert "use_groups=False" in call


def test_anonymous_user_name_is_unset(settings):
    assert settings.ANONYMOUS_USER_NAME is None
    assert "guardian.backends.ObjectPermissionBackend" in settings.AUTHENTICATION_BACKENDS


def test_a_global_case_permission_on_a_user_fails_the_system_check(db, caseworker_getlost):
    assert not [
        e for e in run_checks(databases=["default"]) if e.id in ("casework.E010", "casework.E011")
    ]
    perm = Permission.objects.get(content_type__app_label="casework", codename="open_identity")
    caseworker_getlost.user_permissions.add(perm)
    assert [e.id for e in run_checks(databases=["default"]) if e.id.startswith("casework.E01")] == [
        "casework.E010"
    ]


def test_a_global_case_permission_on_a_group_fails_the_system_check(db):
    group = Group.objects.create(name="everyone")
    group.permissions.add(Permission.objects.get(codename="view_case"))
    assert "casework.E011" in [e.id for e in run_checks(databases=["default"])]


def test_a_global_permission_and_superuser_open_no_case(case_getlost, outsider):
    outsider.is_superuser = True
    outsider.save()
    outsider.user_permissions.add(*Permission.objects.filter(content_type__model="case"))
    outsider = type(outsider).objects.get(pk=outsider.pk)  # drop the permission cache
    assert not cases_visible_to(user=outsider).filter(pk=case_getlost.pk).exists()


# --- keys refused without a grant ---------------------------------------------


def test_the_key_stays_wrapped_for_a_user_without_the_section(case_getlost, colleague_getlost):
    person = case_getlost.person
    with key_scope(user=colleague_getlost), pytest.raises(KeyRefused):
        case_getlost.envelope.open(person, "legal_name")


def test_a_view_asking_for_a_section_it_was_not_granted_cannot_decrypt(
    case_getlost, colleague_getlost
):
    from casework.views.cases import open_sections

    request = RequestFactory().get("/")
    request.user = colleague_getlost
    with key_scope(user=colleague_getlost), pytest.raises(KeyRefused):
        # Lie to the view that the user is assigned: the key layer still says no.
        open_sections(request, case_getlost, [Section.IDENTITY], assigned=True)


def test_the_key_is_handed_to_the_assigned_caseworker(case_getlost, caseworker_getlost):
    with key_scope(user=caseworker_getlost):
        assert case_getlost.envelope.open(case_getlost.person, "legal_name").startswith("Иванов")


def test_a_lawyer_gets_only_the_keys_of_referred_sections(case_getlost, accepted, lawyer_intransit):
    testimony = case_getlost.testimonies.get()
    with key_scope(user=lawyer_intransit):
        assert case_getlost.envelope.open(testimony, "text") == MARKER
        with pytest.raises(KeyRefused):
            case_getlost.envelope.open(case_getlost.person, "legal_name")


# --- break-glass --------------------------------------------------------------------------------


def test_break_glass_opens_the_case_for_two_hours_audited_and_notified(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    services.note_add(case=case_getlost, by=caseworker_getlost, text=MARKER)
    sign_in(client, admin_getlost)
    assert MARKER not in _page(client, case_getlost).content.decode()
    response = client.post(
        reverse("casework:break_glass", args=[case_getlost.reference]),
        {"reason": BreakGlassReason.SAFETY, "explanation": "Mother called: he is detained."},
    )
    assert response.status_code == 302
    assert MARKER in _page(client, case_getlost).content.decode()
    event = AuditEvent.objects.get(action="case.break_glass")
    assert event.data == {"reason": "safety"}
    assert "detained" not in str(AuditEvent.objects.values_list("data", flat=True))
    notice = CaseNotice.objects.get(kind=NoticeKind.BREAK_GLASS)
    assert notice.user == caseworker_getlost and notice.case == case_getlost
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        sign_in(client, admin_getlost)
        body = _page(client, case_getlost).content.decode()
    assert MARKER not in body


def test_break_glass_needs_an_explanation_and_writes_nothing(case_getlost, admin_getlost):
    with pytest.raises(ValidationError) as error:
        services.break_glass(
            case=case_getlost, by=admin_getlost, reason=BreakGlassReason.SAFETY, explanation=" "
        )
    assert error.value.messages == [str(services.ERR_EXPLANATION_REQUIRED)]
    assert not case_getlost.break_glass.exists()


def test_only_an_admin_of_the_owning_organisation_may_break_the_glass(
    case_getlost, colleague_getlost
):
    with pytest.raises(PermissionDenied):
        services.break_glass(
            case=case_getlost, by=colleague_getlost, reason="safety", explanation="curious"
        )


def test_break_glass_does_not_open_an_unverified_route(case_getlost, admin_getlost):
    services.break_glass(case=case_getlost, by=admin_getlost, reason="safety", explanation="why")
    assert readable_sections(user=admin_getlost, case=case_getlost) == set(SECTIONS) - {
        Section.LOCATION
    }


# --- consent and referrals ---------------------------------------------


def test_a_referral_needs_a_matching_valid_consent(
    case_getlost, caseworker_getlost, intransit, consent
):
    with pytest.raises(ValidationError) as error:
        refer(case_getlost, caseworker_getlost, intransit, sections=[Section.IDENTITY])
    assert error.value.messages == [str(services.ERR_NO_CONSENT)]
    assert not Referral.objects.exists()


def test_a_relatives_consent_opens_nothing_until_the_client_confirms(
    case_getlost, caseworker_getlost, intransit
):
    pending = services.consent_record(
        case=case_getlost,
        by=caseworker_getlost,
        purpose=ConsentPurpose.LEGAL_ADVICE,
        recipient=intransit,
        sections=[Section.LEGAL],
        given_by=ConsentGiver.RELATIVE,
        expires_at=timezone.now() + timedelta(days=10),
    )
    with pytest.raises(ValidationError):
        refer(case_getlost, caseworker_getlost, intransit, sections=[Section.LEGAL])
    services.consent_confirm(
        consent=pending,
        by=caseworker_getlost,
        confirmed_via=ConsentConfirmation.VIDEO_CALL,
        confirmed_at=timezone.now(),
    )
    assert refer(case_getlost, caseworker_getlost, intransit, sections=[Section.LEGAL], days=5).pk


def test_location_cannot_be_referred_before_verification(
    case_getlost, caseworker_getlost, intransit
):
    services.consent_record(
        case=case_getlost,
        by=caseworker_getlost,
        purpose=ConsentPurpose.EVACUATION,
        recipient=intransit,
        sections=[Section.LOCATION],
        given_by=ConsentGiver.CLIENT,
        confirmed_via=ConsentConfirmation.IN_PERSON,
        confirmed_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=10),
    )
    with pytest.raises(ValidationError) as error:
        refer(case_getlost, caseworker_getlost, intransit, sections=[Section.LOCATION])
    assert error.value.messages == [str(services.ERR_LOCATION_UNVERIFIED)]


def test_a_pending_referral_opens_nothing(case_getlost, caseworker_getlost, intransit, consent):
    refer(case_getlost, caseworker_getlost, intransit)
    lawyer = intransit.memberships.get().user
    assert not cases_visible_to(user=lawyer).exists()


def test_the_lawyer_sees_the_referred_sections_and_not_the_others(
    client, case_getlost, accepted, lawyer_intransit
):
    sign_in(client, lawyer_intransit)
    body = _page(client, case_getlost).content.decode()
    assert MARKER in body
    assert "Иванов" not in body
    assert escape(str(NOT_GRANTED)) in body
    assert readable_sections(user=lawyer_intransit, case=case_getlost) == {
        Section.TESTIMONY,
        Section.LEGAL,
    }


def test_a_partners_sections_are_decided_in_four_queries_whatever_their_number(
    case_getlost, accepted, lawyer_intransit, django_assert_max_num_queries
):
    # Assignment, break-glass, grants and membership are each read once, not per section.
    with django_assert_max_num_queries(4):
        readable = readable_sections(user=lawyer_intransit, case=case_getlost)
    assert readable == {Section.TESTIMONY, Section.LEGAL}


def test_revocation_takes_effect_on_the_next_request(
    client, case_getlost, caseworker_getlost, accepted, lawyer_intransit
):
    sign_in(client, lawyer_intransit)
    assert _page(client, case_getlost).status_code == 200
    services.referral_revoke(referral=accepted, by=caseworker_getlost)
    assert _page(client, case_getlost).status_code == 404
    assert not CaseUserPermission.objects.filter(referral=accepted).exists()


def test_withdrawing_consent_revokes_its_referrals_at_once(
    client, case_getlost, caseworker_getlost, consent, accepted, lawyer_intransit
):
    sign_in(client, lawyer_intransit)
    assert _page(client, case_getlost).status_code == 200
    services.consent_withdraw(consent=consent, by=caseworker_getlost)
    accepted.refresh_from_db()
    assert accepted.status == ReferralStatus.REVOKED
    assert _page(client, case_getlost).status_code == 404


def test_an_expired_referral_opens_nothing_on_the_next_request(
    client, case_getlost, accepted, lawyer_intransit
):
    sign_in(client, lawyer_intransit)
    assert _page(client, case_getlost).status_code == 200
    with time_machine.travel(accepted.expires_at + timedelta(seconds=1)):
        sign_in(client, lawyer_intransit)
        assert _page(client, case_getlost).status_code == 404


def test_a_frozen_lawyer_is_sent_to_sign_in_on_the_next_request(
    client, case_getlost, accepted, lawyer_intransit
):
    sign_in(client, lawyer_intransit)
    assert _page(client, case_getlost).status_code == 200
    lawyer_intransit.frozen_at = timezone.now()
    lawyer_intransit.save()
    assert _page(client, case_getlost).status_code == 302
    assert not cases_visible_to(user=lawyer_intransit).exists()


def test_an_inactive_receiving_organisation_opens_nothing(accepted, intransit, lawyer_intransit):
    intransit.is_active = False
    intransit.save()
    assert not cases_visible_to(user=lawyer_intransit).exists()


def test_the_receiver_accepts_from_the_referrals_page(
    client, case_getlost, caseworker_getlost, intransit, consent, lawyer_intransit
):
    referral = refer(case_getlost, caseworker_getlost, intransit)
    sign_in(client, lawyer_intransit)
    page = client.get(reverse("casework:referrals")).content.decode()
    assert case_getlost.reference in page
    response = client.post(reverse("casework:referral_accept", args=[referral.pk]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert _page(client, case_getlost).status_code == 200


def test_the_referrals_page_shows_what_we_referred(
    client, case_getlost, caseworker_getlost, intransit, consent
):
    refer(case_getlost, caseworker_getlost, intransit)
    sign_in(client, caseworker_getlost)
    body = client.get(reverse("casework:referrals")).content.decode()
    assert intransit.name in body and case_getlost.reference in body


def test_an_outsider_cannot_answer_a_referral(
    client, case_getlost, caseworker_getlost, intransit, consent, outsider
):
    referral = refer(case_getlost, caseworker_getlost, intransit)
    sign_in(client, outsider)
    assert client.post(reverse("casework:referral_accept", args=[referral.pk])).status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


# --- lawyers of the owning organisation ---------------------------------------------


def test_an_own_lawyer_sees_only_the_granted_sections(
    make_member, case_getlost, caseworker_getlost
):
    lawyer = make_member("get-lost", Role.LAWYER)
    assert not cases_visible_to(user=lawyer).exists()
    services.lawyer_grant(
        case=case_getlost, by=caseworker_getlost, lawyer=lawyer, sections=["legal"]
    )
    assert list(cases_visible_to(user=lawyer)) == [case_getlost]
    assert readable_sections(user=lawyer, case=case_getlost) == {Section.LEGAL}
    services.lawyer_grant(case=case_getlost, by=caseworker_getlost, lawyer=lawyer, sections=[])
    assert not cases_visible_to(user=lawyer).exists()


# --- who has seen this case ---------------------------------------------


def test_both_sides_views_appear_in_who_has_seen_this_case(
    client, case_getlost, caseworker_getlost, accepted, lawyer_intransit
):
    lawyer_intransit.display_name = "Advocate Orlova"
    lawyer_intransit.save()
    sign_in(client, lawyer_intransit)
    _page(client, case_getlost)
    sign_in(client, caseworker_getlost)
    body = _page(client, case_getlost).content.decode()
    assert "Advocate Orlova" in body
    assert 'id="viewers-heading"' in body


def test_the_receiver_does_not_see_who_has_seen_the_case(
    client, case_getlost, accepted, lawyer_intransit
):
    sign_in(client, lawyer_intransit)
    assert 'id="viewers-heading"' not in _page(client, case_getlost).content.decode()


# --- lifecycle ---------------------------------------------


def test_deleting_a_case_leaves_no_permission_rows(case_getlost, accepted):
    assert CaseUserPermission.objects.filter(content_object=case_getlost).exists()
    Case.objects.filter(pk=case_getlost.pk).delete()
    assert not CaseUserPermission.objects.exists()
    assert not Referral.objects.exists()


def test_a_new_case_gives_nobody_access_it_should_not_have(
    open_case, caseworker_getlost, accepted, lawyer_intransit, outsider, colleague_getlost
):
    fresh = open_case(by=caseworker_getlost, pseudonym="Wren")
    assert not CaseUserPermission.objects.filter(content_object=fresh).exists()
    assert fresh not in cases_visible_to(user=lawyer_intransit)
    assert fresh not in cases_visible_to(user=outsider)
    assert readable_sections(user=colleague_getlost, case=fresh) == set()


def test_the_dashboard_counts_referrals_waiting_for_an_answer(
    client, case_getlost, caseworker_getlost, intransit, consent, lawyer_intransit
):
    refer(case_getlost, caseworker_getlost, intransit)
    sign_in(client, lawyer_intransit)
    body = client.get(reverse("dashboard")).content.decode()
    assert "1 referral to your organisation is waiting for an answer." in body
    assert reverse("casework:referrals") in body


def test_an_inactive_owning_organisation_opens_nothing_to_partners(
    case_getlost, accepted, lawyer_intransit
):
    owner = case_getlost.organisation
    owner.is_active = False
    owner.save()
    assert not cases_visible_to(user=lawyer_intransit).exists()


def test_partners_see_no_names_of_the_owning_organisation(
    client, case_getlost, caseworker_getlost, accepted, lawyer_intransit
):
    caseworker_getlost.display_name = "Caseworker Petrova"
    caseworker_getlost.save()
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    sign_in(client, lawyer_intransit)
    body = _page(client, case_getlost).content.decode()
    assert "Petrova" not in body and caseworker_getlost.email not in body


def test_notices_are_marked_read_from_the_one_inbox(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    services.break_glass(case=case_getlost, by=admin_getlost, reason="safety", explanation="why")
    sign_in(client, caseworker_getlost)
    page = client.get(reverse("deadlines:notifications")).content.decode()
    assert case_getlost.reference in page
    assert client.post(reverse("deadlines:notifications")).status_code == 302
    assert not CaseNotice.objects.filter(user=caseworker_getlost, read_at__isnull=True).exists()
