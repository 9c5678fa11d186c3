"""The org admin's audit log page (accounts:org_audit, /org/audit/)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP

from accounts.models import Role
from accounts.views.audit_log import (
    ANONYMOUS,
    ERR_ACTION,
    ERR_CURSOR,
    ERR_DATE_ORDER,
    ERR_PERSON,
    PAGE_SIZE,
)
from audit.models import AuditEvent
from audit.services import record
from tests.conftest import sign_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, totp_device

pytestmark = pytest.mark.django_db

URL = "/org/audit/"
TOTP_KEY = b"0123456789abcdef0123"  # the key tests.factories.totp_device gives every device


@pytest.fixture(autouse=True)
def _fresh_lockout_counters():
    # django-axes keeps failure counts in a cache that outlives one test.
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def org(admin_getlost):
    return admin_getlost.memberships.get().organisation


# Recorded by the test helpers themselves (sign_in logs in; earlier page views are logged).
NOISE = frozenset({"auth.password.succeeded", "audit.log.viewed"})


def rows_of(response) -> list:
    return [row for row in response.context["rows"] if row.event.action not in NOISE]


def actions_of(response) -> list[str]:
    return [row.event.action for row in rows_of(response)]


def member_of(org, *, role=Role.CASEWORKER, **fields):
    user = UserFactory(**fields)
    MembershipFactory(user=user, organisation=org, role=role)
    totp_device(user)
    return user


# --- Who may see it ------------------------------------------------------------------------


def test_the_url_is_the_named_one():
    assert reverse("accounts:org_audit") == URL


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_password_alone_reaches_only_the_second_factor(client, admin_getlost):
    sign_in(client, admin_getlost, verified=False)

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


@pytest.mark.parametrize(
    "persona", ["caseworker_getlost", "lawyer_intransit", "coordinator", "outsider"]
)
def test_members_without_the_org_admin_role_are_forbidden(client, request, persona):
    sign_in(client, request.getfixturevalue(persona))

    assert client.get(URL).status_code == 403


def test_an_account_without_any_organisation_gets_not_found(client):
    user = UserFactory(is_superuser=True, is_staff=True)  # a platform admin sees no org's log
    sign_in(client, user)

    assert client.get(URL).status_code == 404


def test_the_log_shows_only_the_active_organisations_events(client, admin_getlost, org, outsider):
    outsider_org = outsider.memberships.get().organisation_id
    record("auth.2fa.succeeded", actor=admin_getlost, org=org)
    record("auth.2fa.succeeded", actor=outsider, org=outsider_org)
    record("auth.login.failed", actor=None)
    sign_in(client, admin_getlost)

    response = client.get(URL)

    assert response.status_code == 200
    assert [(row.event.action, row.event.organisation_id) for row in rows_of(response)] == [
        ("auth.2fa.succeeded", org.pk)
    ]
    assert {row.event.organisation_id for row in response.context["rows"]} == {org.pk}


def test_the_admin_of_another_organisation_sees_none_of_its_events(client, admin_getlost, org):
    other_admin = UserFactory()
    MembershipFactory(user=other_admin, role=Role.ORG_ADMIN)
    totp_device(other_admin)
    record("member.frozen", actor=admin_getlost, org=org)
    sign_in(client, other_admin)

    response = client.get(URL, {"action": "member"})

    assert response.status_code == 200
    assert response.context["rows"] == []


def test_an_admin_of_two_organisations_sees_the_log_of_the_active_one(client, admin_getlost, org):
    second = MembershipFactory(user=admin_getlost, role=Role.ORG_ADMIN).organisation
    record("member.frozen", actor=admin_getlost, org=org)
    record("member.unfrozen", actor=admin_getlost, org=second)
    sign_in(client, admin_getlost)
    session = client.session
    session["wp_org"] = str(second.pk)
    session.save()

    assert actions_of(client.get(URL)) == ["member.unfrozen"]


def test_the_log_cannot_be_changed_by_post(client, admin_getlost):
    sign_in(client, admin_getlost)

    assert client.post(URL).status_code == 405


# --- What it shows --------------------------------------------------------------------------


def test_it_shows_people_by_name_and_actions_by_label(client, admin_getlost, org):
    alice = member_of(org, display_name="Alice Caseworker")
    nameless = member_of(org, email="boris@example.org")
    record("auth.2fa.succeeded", actor=alice, org=org, factor="totp", method="sign_in")
    record(
        "member.role_changed",
        actor=admin_getlost,
        obj=nameless,
        org=org,
        target_user=nameless.pk,
        old_role="caseworker",
        new_role="lawyer",
    )
    record("auth.login.failed", actor=None, org=org, target_user=alice.pk)
    record("something.new", actor=alice, org=org)
    sign_in(client, admin_getlost)

    response = client.get(URL)
    html = response.content.decode()

    people = [row.person for row in rows_of(response)]
    assert people[:3] == ["Alice Caseworker", str(ANONYMOUS), admin_getlost.email]
    assert "Signed in" in html
    assert "Authenticator app" in html
    assert "Role changed" in html
    assert "Caseworker" in html and "Lawyer" in html
    assert "boris@example.org" in html  # the target person's label, resolved in accounts
    assert "Sign-in failed" in html
    assert "something.new" in html  # an unknown code is shown as it is


def test_people_who_left_or_were_deleted_are_labelled_as_such(client, admin_getlost, org):
    record("auth.logout", actor=uuid.uuid4(), org=org)
    sign_in(client, admin_getlost)

    assert rows_of(client.get(URL))[0].person == "Deleted account"


def test_reading_the_log_is_itself_recorded_with_the_person_looked_at(client, admin_getlost, org):
    alice = member_of(org)
    sign_in(client, admin_getlost)

    client.get(URL)
    client.get(URL, {"person": str(alice.pk)})

    viewed = list(
        AuditEvent.objects.filter(action="audit.log.viewed").values_list(
            "actor_id", "organisation_id", "data"
        )
    )
    assert viewed == [
        (admin_getlost.pk, org.pk, {}),
        (admin_getlost.pk, org.pk, {"target_user": str(alice.pk)}),
    ]


# --- Filters --------------------------------------------------------------------------------


def test_it_filters_by_person(client, admin_getlost, org):
    alice, boris = member_of(org), member_of(org)
    record("auth.2fa.succeeded", actor=alice, org=org)
    record("auth.2fa.succeeded", actor=boris, org=org)
    sign_in(client, admin_getlost)

    response = client.get(URL, {"person": str(alice.pk)})

    assert [row.event.actor_id for row in rows_of(response)] == [alice.pk]


def test_the_person_select_lists_the_members_by_name(client, admin_getlost, org):
    member_of(org, display_name="Zoya")
    member_of(org, display_name="Anna")
    sign_in(client, admin_getlost)

    choices = client.get(URL).context["form"].fields["person"].choices

    labels = [label for _value, label in choices]
    assert labels == ["Everyone", "Anna", admin_getlost.email, "Zoya"]


def test_it_filters_by_action_group_and_by_single_action(client, admin_getlost, org):
    record("auth.2fa.succeeded", actor=admin_getlost, org=org)
    record("auth.2fa.failed", actor=admin_getlost, org=org)
    record("member.frozen", actor=admin_getlost, org=org)
    sign_in(client, admin_getlost)

    group = client.get(URL, {"action": "auth"})
    single = client.get(URL, {"action": "auth.2fa.failed"})

    assert actions_of(group) == ["auth.2fa.failed", "auth.2fa.succeeded"]
    assert actions_of(single) == ["auth.2fa.failed"]


def test_it_filters_by_dates(client, admin_getlost, org):
    for day in (1, 2, 3):
        with time_machine.travel(datetime(2026, 11, day, 12, tzinfo=UTC), tick=False):
            record("member.frozen", actor=admin_getlost, org=org, count=day)
    sign_in(client, admin_getlost)

    response = client.get(URL, {"date_from": "2026-11-02", "date_to": "2026-11-02"})
    open_ended = client.get(URL, {"date_from": "2026-11-02", "action": "member"})

    assert [row.event.data["count"] for row in rows_of(response)] == [2]
    assert [row.event.data["count"] for row in rows_of(open_ended)] == [3, 2]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2026-11-03", "date_to": "2026-11-02"}, "date_to", ERR_DATE_ORDER),
        ({"person": "not-a-member"}, "person", ERR_PERSON),
        ({"action": "case.deleted.secretly"}, "action", ERR_ACTION),
        ({"before": "0"}, "before", ERR_CURSOR),
        ({"before": "x"}, "before", ERR_CURSOR),
    ],
)
def test_bad_filters_show_a_clear_message_and_no_events(
    client, admin_getlost, params, field, message
):
    record("auth.2fa.succeeded", actor=admin_getlost)
    sign_in(client, admin_getlost)

    response = client.get(URL, params)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [str(message)]
    assert response.context["rows"] is None
    assert str(message) in response.content.decode()


def test_a_member_of_another_organisation_cannot_be_chosen(client, admin_getlost, outsider):
    record("auth.2fa.succeeded", actor=outsider, org=outsider.memberships.get().organisation)
    sign_in(client, admin_getlost)

    response = client.get(URL, {"person": str(outsider.pk)})

    assert response.status_code == 400
    assert response.context["form"].errors["person"] == [str(ERR_PERSON)]


# --- Pages and queries ----------------------------------------------------------------------


def _fill(org, count: int, actors: list) -> None:
    for index in range(count):
        record("case.section.viewed", actor=actors[index % len(actors)], org=org, count=index)


def test_it_shows_50_events_a_page_with_links_both_ways(client, admin_getlost, org):
    _fill(org, 120, [admin_getlost])
    sign_in(client, admin_getlost)

    first = client.get(URL, {"action": "case"})
    second = client.get(first.context["older_url"])
    third = client.get(second.context["older_url"])
    back = client.get(third.context["newer_url"])

    counts = lambda response: [row.event.data["count"] for row in rows_of(response)]  # noqa: E731
    assert counts(first) == list(range(119, 69, -1))
    assert counts(second) == list(range(69, 19, -1))
    assert counts(third) == list(range(19, -1, -1))
    assert counts(back) == counts(second)
    assert first.context["newer_url"] == ""
    assert third.context["older_url"] == ""
    # The links keep the filter.
    assert first.context["older_url"].startswith(f"{URL}?action=case&before=")
    assert 'rel="next"' in first.content.decode()


def _queries_for(client, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries), len(rows_of(response))


def test_the_number_of_queries_does_not_grow_with_the_events_or_the_people(
    client, admin_getlost, org, django_assert_max_num_queries
):
    people = [member_of(org) for _ in range(6)]
    sign_in(client, admin_getlost)
    client.get(URL)  # warm up: session, caches

    _fill(org, 3, people[:1])
    small, small_rows = _queries_for(client, {"action": "case"})
    _fill(org, 3 * PAGE_SIZE, people)
    full, full_rows = _queries_for(client, {"action": "case"})
    older_url = client.get(URL, {"action": "case"}).context["older_url"]
    with CaptureQueriesContext(connection) as queries:
        client.get(older_url)
    later_page = len(queries)

    assert (small_rows, full_rows) == (3, PAGE_SIZE)
    assert small == full == later_page
    with django_assert_max_num_queries(small):
        client.get(URL, {"action": "case", "person": str(people[2].pk)})


# --- End to end: a real sign-in shows up -------------------------------------------------


def test_a_members_sign_in_through_the_login_pages_appears_in_the_admins_log(admin_getlost, org):
    member = member_of(org, display_name="Maria Caseworker")
    browser = Client()

    password_step = browser.post(
        reverse("accounts:login"), {"username": member.email, "password": PASSWORD}
    )
    assert password_step["Location"] == reverse("accounts:verify")
    code_step = browser.post(reverse("accounts:verify"), {"code": f"{TOTP(TOTP_KEY).token():06d}"})
    assert code_step.status_code == 302
    assert browser.get("/").status_code == 200

    admin = Client()
    sign_in(admin, admin_getlost)
    response = admin.get(URL, {"person": str(member.pk)})

    html = response.content.decode()
    actions = [row.event.action for row in response.context["rows"]]
    assert "auth.password.succeeded" in actions
    assert "auth.2fa.succeeded" in actions
    assert "Maria Caseworker" in html
    assert "Signed in" in html


MARKER = "Zq7PlantedMarker"


def test_a_planted_marker_typed_into_the_login_form_never_reaches_the_audit_log(org):
    member = member_of(org, email=f"{MARKER.lower()}@example.org", display_name=MARKER)
    browser = Client()

    # An unknown address, a known address with a marked wrong password, a marked code,
    # then a real sign-in of the person whose name and address carry the marker.
    browser.post(
        reverse("accounts:login"), {"username": f"x{MARKER}@example.org", "password": MARKER}
    )
    browser.post(reverse("accounts:login"), {"username": member.email, "password": MARKER * 2})
    browser.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD})
    browser.post(reverse("accounts:verify"), {"code": MARKER})
    browser.post(reverse("accounts:verify"), {"code": f"{TOTP(TOTP_KEY).token():06d}"})

    assert AuditEvent.objects.filter(action="auth.login.failed").count() == 2
    assert AuditEvent.objects.filter(action="auth.2fa.failed").count() == 1
    assert AuditEvent.objects.filter(action="auth.2fa.succeeded", actor_id=member.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        dump = repr(cursor.fetchall()).lower()
    assert MARKER.lower() not in dump
    assert member.email not in dump
