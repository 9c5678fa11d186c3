"""Demo organisations and one persona per role per organisation, for `make run` (dev only).

Passwords and TOTP secrets are derived from this installation's SECRET_KEY: they stay the
same across runs (so seeding is idempotent and rewrites an identical credentials file) but
differ from one installation to the next, so no published password opens any demo.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation

import vault
from accounts.models import Membership, Organisation, Role, TOTPDevice, User

DEVICE_NAME = "Demo authenticator"
TOTP_KEY_BYTES = 20  # 160 bits, as RFC 4226 recommends; 32 base32 characters


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    slug: str
    domain: str


ORGANISATIONS = (
    DemoOrganisation("Get Lost", "get-lost", "get-lost.example"),
    DemoOrganisation("InTransit", "intransit", "intransit.example"),
    DemoOrganisation("Connection e.V.", "connection-ev", "connection.example"),
    DemoOrganisation("Waypoint Coordination", "coordination", "coordination.example"),
)
# The organisations that keep case files (the coordinators' has none).
PARTNERS = tuple(o.slug for o in ORGANISATIONS if o.slug != "coordination")
# Role, and the local part of the persona's e-mail address.
PERSONAS = (
    (Role.CASEWORKER, "caseworker"),
    (Role.LAWYER, "lawyer"),
    (Role.COORDINATOR, "coordinator"),
    (Role.ORG_ADMIN, "admin"),
)


def _derive(purpose: str, size: int) -> bytes:
    """Installation-specific, stable bytes for one demo secret."""
    # The "seed_demo:" label predates this module: changing it would change every demo login.
    digest = hmac.new(
        settings.SECRET_KEY.encode("utf-8"), f"seed_demo:{purpose}".encode(), hashlib.sha256
    ).digest()
    return digest[:size]


def demo_password(email: str) -> str:
    """Four groups of five base32 characters, e.g. ``demo-k3jq7-…``: 100 bits, 26 characters."""
    letters = base64.b32encode(_derive(f"password:{email}", 15)).decode("ascii").lower()
    return "demo-" + "-".join(letters[i : i + 5] for i in range(0, 20, 5))


def demo_totp_key(email: str) -> bytes:
    return _derive(f"totp:{email}", TOTP_KEY_BYTES)


def seed_personas() -> tuple[list[dict[str, str]], int]:
    """Creates or restores the demo organisations and personas. Returns the logins
    (``[{"email", "password", "totp_secret", "organisation", "role"}]``) and how many users
    are new. Call inside a transaction; about 10 queries per persona."""
    people: list[dict[str, str]] = []
    created = 0
    for demo in ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            slug=demo.slug, defaults={"name": demo.name, "is_active": True}
        )
        for role, local in PERSONAS:
            email = f"{local}@{demo.domain}"
            password = demo_password(email)
            key = demo_totp_key(email)
            user, is_new = _user(email, password, display_name=f"{role.label} ({demo.name})")
            created += is_new
            Membership.objects.update_or_create(
                user=user, organisation=org, defaults={"role": role}
            )
            _totp(user, key)
            people.append(
                {
                    "email": email,
                    "password": password,
                    "totp_secret": base64.b32encode(key).decode("ascii"),
                    "organisation": demo.name,
                    "role": role.value,
                }
            )
    return people, created


def _user(email: str, password: str, *, display_name: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    is_new = user is None
    if user is None:
        user = User(email=email)
    # Demo accounts always come back usable: active, not frozen, the listed password.
    user.display_name = display_name
    user.is_active = True
    user.frozen_at = None
    user.frozen_by = None
    if is_new or not user.check_password(password):
        password_validation.validate_password(password, user)
        user.set_password(password)
    user.save()
    return user, is_new


def _totp(user: User, key: bytes) -> None:
    device = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=True)
        device.set_key(key)
        device.save()
        return
    try:
        current = device.bin_key
    except vault.DecryptionError:
        current = b""  # sealed under a keyring this installation no longer has
    if current != key or not device.confirmed or device.throttling_failure_count:
        device.set_key(key)
        device.confirmed = True
        device.throttling_failure_count = 0
        device.throttling_failure_timestamp = None
        device.save()
