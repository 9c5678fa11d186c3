"""Request types for views: what ``request.user`` is after our middleware (annotations only).

django_otp's OTPMiddleware gives every ``request.user``, anonymous or not, ``otp_device`` and
``is_verified()``. LoginRequiredMiddleware lets only signed-in users reach a view that is not
marked ``login_not_required``. These types say so to mypy; the middleware, not the
annotation, is what keeps anonymous users out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_otp.models import Device

    from accounts.models import User

    class OTPUser(User):
        """A signed-in ``request.user``. A type for mypy, never a model."""

        otp_device: Device | None

        def is_verified(self) -> bool: ...

    class OTPAnonymousUser(AnonymousUser):
        """An anonymous ``request.user``. A type for mypy only."""

        otp_device: None

        def is_verified(self) -> bool: ...


class OTPHttpRequest(HttpRequest):
    """A request to a view marked ``login_not_required``: the user may be anonymous."""

    user: OTPUser | OTPAnonymousUser


class AuthenticatedHttpRequest(HttpRequest):
    """A request to any other view: ``request.user`` is a signed-in ``User``."""

    user: OTPUser
