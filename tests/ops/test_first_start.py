"""manage.py first_start: the first organisation, its admin's one-time link, refusal to run
twice, and that the link leads to an admin account through the ordinary invitation pages."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Invitation, Membership, Organisation, Role, User
from accounts.services.first_start import ADMIN_EXISTS, ALREADY_STARTED, SLUG_INVALID
from accounts.services.invitations import token_hash
from audit.models import AuditEvent
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"^https?://\S+/invite/(?P<token>[A-Za-z0-9_-]+)/$", re.MULTILINE)
ADMIN = "first.admin@example.org"
PASSWORD = "a long river of quiet evenings 7"


def run(*args: str) -> str:
    out = StringIO()
    call_command("first_start", *args, stdout=out)
    return out.getvalue()


def first(*extra: str, slug: str = "getlost", email: str = ADMIN) -> str:
    return run("--organisation", "Get Lost", "--slug", slug, "--admin-email", email, *extra)


def test_creates_the_organisation_and_prints_a_link_stored_only_as_a_hash():
    output = first()
    match = LINK.search(output)
    assert match is not None, output
    organisation = Organisation.objects.get(slug="getlost")
    assert organisation.name == "Get Lost"
    invitation = Invitation.objects.get(organisation=organisation)
    assert invitation.email == ADMIN
    assert invitation.role == Role.ORG_ADMIN
    assert invitation.token_hash == token_hash(match["token"])
    assert match["token"] not in invitation.token_hash
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["organisation.created", "invitation.sent"]


def test_the_link_makes_an_org_admin_who_must_enrol_a_second_factor(client):
    token = LINK.search(first())["token"]
    response = client.get(reverse("accounts:invitation_open", kwargs={"token": token}))
    assert response.status_code == 302
    response = client.post(
        reverse("accounts:invitation_accept"),
        {"display_name": "Admin", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:enrol")
    user = User.objects.get(email=ADMIN)
    assert Membership.objects.get(user=user).role == Role.ORG_ADMIN
    # Without a second factor the dashboard is out of reach.
    assert client.get("/")["Location"].startswith(reverse("accounts:enrol"))


def test_refuses_to_run_twice_and_changes_nothing():
    first()
    with pytest.raises(CommandError) as refused:
        first(slug="other", email="second@example.org")
    assert str(ALREADY_STARTED) in str(refused.value)
    assert Organisation.objects.count() == 1
    assert Invitation.objects.count() == 1


def test_refuses_when_any_organisation_exists():
    OrganisationFactory()
    with pytest.raises(CommandError):
        first()
    assert not Organisation.objects.filter(slug="getlost").exists()


def test_again_reissues_the_link_and_withdraws_the_old_one():
    old = LINK.search(first())["token"]
    output = first("--again")
    new = LINK.search(output)["token"]
    assert new != old
    assert "Reused organisation getlost" in output
    assert Organisation.objects.count() == 1
    assert Invitation.objects.get(token_hash=token_hash(old)).revoked_at is not None
    assert Invitation.objects.get(token_hash=token_hash(new)).revoked_at is None


@pytest.mark.parametrize("slug", ["Get Lost", "UPPER", "x" * 41, ""])
def test_bad_short_name_is_refused_with_a_clear_message(slug):
    with pytest.raises(CommandError) as refused:
        first(slug=slug)
    assert str(SLUG_INVALID) in str(refused.value)
    assert not Organisation.objects.exists()


def test_an_existing_account_is_refused():
    UserFactory(email=ADMIN)
    with pytest.raises(CommandError) as refused:
        first()
    assert str(ADMIN_EXISTS) in str(refused.value)
    assert not Organisation.objects.exists()


def test_bad_email_is_refused():
    with pytest.raises(CommandError):
        first(email="not-an-address")
    assert not Organisation.objects.exists()
