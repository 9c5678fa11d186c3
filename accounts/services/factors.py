from __future__ import annotations

from django_otp import devices_for_user


def has_confirmed_factor(user) -> bool:
    """True when the user has at least one confirmed second factor. One query per device type."""
    return any(True for _ in devices_for_user(user, confirmed=True))
