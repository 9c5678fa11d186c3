"""Shared fixtures: personas, signed-in clients, and strict handling of absent services.

Personas (each built on demand):
    caseworker_getlost   caseworker of Get Lost, with a confirmed authenticator app
    admin_getlost        org admin of Get Lost
    lawyer_intransit     lawyer of InTransit
    coordinator          coordinator of the coordinators' organisation
    outsider             caseworker of an unrelated organisation
"""

from __future__ import annotations

import os
import time

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from hypothesis import settings as hypothesis_settings

from accounts.models import Role
from accounts.security import SESSION_2FA_AT, SESSION_SEEN, SESSION_STARTED
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, totp_device

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# No wall-clock deadline: a busy CI machine must not turn a slow example into a failure.
hypothesis_settings.register_profile("waypoint", deadline=None)
hypothesis_settings.load_profile("waypoint")

IN_CI = bool(os.environ.get("CI"))


def require_service(name: str, available: bool, reason: str = "") -> None:
    """Skip outside CI when a service is absent; in CI an absent service is a failure."""
    if available:
        return
    message = f"{name} is not available{': ' + reason if reason else ''}"
    if IN_CI:
        pytest.fail(f"{message} (CI must provide it)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_log_flushable(request):
    """A transactional test ends with Django truncating every table, and on PostgreSQL the
    audit log's trigger refuses to truncate a log that holds events: empty it first (trigger
    off for that one statement). Set up after the database fixture, so torn down before it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from tests.audit.db import empty_audit_log

    empty_audit_log()


@pytest.fixture(autouse=True)
def _lock_order(request):
    """On PostgreSQL, fails a test whose services lock a row after appending to the audit
    chain in the same transaction (tests/lockorder.py). Watches the tests that run inside one
    outer transaction, which is most of them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    )
    if (
        "db" not in request.fixturenames
        or transactional
        or "transactional_db" in request.fixturenames
    ):
        yield
        return
    request.getfixturevalue("db")
    from django.db import connection

    from tests.lockorder import LockOrderWatch

    if connection.vendor != "postgresql":
        yield
        return
    watch = LockOrderWatch(base=len(connection.atomic_blocks))
    with connection.execute_wrapper(watch):
        yield
    assert watch.violations == [], "row locks taken after the audit chain's lock:\n" + "\n".join(
        watch.violations
    )


@pytest.fixture
def make_member(db):
    def make(org_slug: str, role: str = Role.CASEWORKER, *, email: str | None = None, totp=True):
        org = OrganisationFactory(slug=org_slug, name=org_slug.replace("-", " ").title())
        user = UserFactory(**({"email": email} if email else {}))
        MembershipFactory(user=user, organisation=org, role=role)
        if totp:
            totp_device(user)
        return user

    return make


@pytest.fixture
def caseworker_getlost(make_member):
    """May work on Get Lost's cases assigned to them."""
    return make_member("get-lost", Role.CASEWORKER)


@pytest.fixture
def admin_getlost(make_member):
    """Manages Get Lost's members; sees no case content."""
    return make_member("get-lost", Role.ORG_ADMIN)


@pytest.fixture
def lawyer_intransit(make_member):
    """Reviews what is referred or assigned to them."""
    return make_member("intransit", Role.LAWYER)


@pytest.fixture
def coordinator(make_member):
    """Sees anonymised statistics only."""
    return make_member("coordinators", Role.COORDINATOR)


@pytest.fixture
def outsider(make_member):
    """A caseworker of an unrelated organisation: must reach nothing of Get Lost's."""
    return make_member("elsewhere", Role.CASEWORKER)


def sign_in(client, user, *, verified: bool = True):
    """Signs ``client`` in as ``user``; with verified=False only the password step is done."""
    client.force_login(user)
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now
    if verified:
        device = user.totpdevice_set.filter(confirmed=True).first() or totp_device(user)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_2FA_AT] = now
    session.save()
    return client


@pytest.fixture
def signed_in(client):
    """``signed_in(user)`` returns the test client signed in with both factors."""

    def make(user, *, verified: bool = True):
        return sign_in(client, user, verified=verified)

    return make
