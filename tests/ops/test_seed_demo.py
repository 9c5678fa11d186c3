"""manage.py seed_demo: demo organisations and personas, dev only, idempotent."""

from __future__ import annotations

import base64
import json
import stat
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import Membership, Organisation, Role, TOTPDevice, User
from ops.management.commands.seed_demo import REFUSED

ORGANISATIONS = {"Get Lost", "InTransit", "Connection e.V.", "Waypoint Coordination"}


def seed(path) -> list[dict[str, str]]:
    call_command("seed_demo", "--credentials", str(path), stdout=StringIO())
    return json.loads(path.read_text(encoding="utf-8"))


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Organisation, User, Membership, TOTPDevice))


def test_it_writes_one_persona_per_role_per_organisation(db, tmp_path):
    people = seed(tmp_path / "demo.json")
    assert len(people) == 16
    assert all(
        set(person) == {"email", "password", "totp_secret", "organisation", "role"}
        for person in people
    )
    pairs = {(person["organisation"], person["role"]) for person in people}
    assert pairs == {(org, role) for org in ORGANISATIONS for role in Role.values}
    assert set(Organisation.objects.values_list("name", flat=True)) == ORGANISATIONS


def test_the_credentials_file_is_readable_by_its_owner_only(db, tmp_path):
    path = tmp_path / "var" / "demo.json"
    seed(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_it_tightens_an_existing_file_to_0600(db, tmp_path):
    path = tmp_path / "demo.json"
    path.write_text("[]", encoding="utf-8")
    path.chmod(0o644)
    seed(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_passwords_are_long_and_secrets_are_base32_for_an_authenticator_app(db, tmp_path):
    people = seed(tmp_path / "demo.json")
    assert len({person["password"] for person in people}) == 16
    for person in people:
        assert len(person["password"]) >= 15
        key = base64.b32decode(person["totp_secret"])
        assert len(key) == 20
        user = User.objects.get(email=person["email"])
        assert user.check_password(person["password"])
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        assert device.bin_key == key
        membership = Membership.objects.get(user=user)
        assert (membership.organisation.name, membership.role) == (
            person["organisation"],
            person["role"],
        )


def test_running_twice_creates_nothing_new_and_rewrites_the_same_file(db, tmp_path):
    path = tmp_path / "demo.json"
    seed(path)
    first_text, first_counts = path.read_text(encoding="utf-8"), counts()
    out = StringIO()
    call_command("seed_demo", "--credentials", str(path), stdout=out)
    assert counts() == first_counts == (4, 16, 16, 16)
    assert path.read_text(encoding="utf-8") == first_text
    assert "(0 new)" in out.getvalue()


def test_running_again_restores_a_frozen_demo_account(db, tmp_path):
    path = tmp_path / "demo.json"
    person = seed(path)[0]
    user = User.objects.get(email=person["email"])
    user.set_password("someone changed it in the demo")
    user.is_active = False
    user.save()
    seed(path)
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(person["password"])


def test_it_refuses_to_run_outside_dev(db, tmp_path, settings):
    settings.WAYPOINT_ENV = "production"
    path = tmp_path / "demo.json"
    with pytest.raises(CommandError) as caught:
        call_command("seed_demo", "--credentials", str(path), stdout=StringIO())
    assert str(caught.value) == REFUSED
    assert not path.exists()
    assert counts() == (0, 0, 0, 0)


def test_it_needs_a_credentials_file(db):
    with pytest.raises(CommandError, match="--credentials"):
        call_command("seed_demo", stdout=StringIO())


def test_a_listed_persona_signs_in_with_password_and_code(db, tmp_path, client):
    person = next(p for p in seed(tmp_path / "demo.json") if p["role"] == Role.CASEWORKER)
    response = client.post(
        reverse("accounts:login"),
        {"username": person["email"], "password": person["password"]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    code = totp(base64.b32decode(person["totp_secret"]))
    response = client.post(reverse("accounts:verify"), {"code": f"{code:06d}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user.email == person["email"]
    assert response.wsgi_request.user.is_verified()
