"""django-otp-webauthn's endpoints (same paths and names as ``django_otp_webauthn.urls``),
served by our subclasses that apply Waypoint's rules: see accounts/views/factors.py."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from accounts.views.factors import (
    PasskeyAuthenticationBeginView,
    PasskeyAuthenticationCompleteView,
    PasskeyRegistrationBeginView,
    PasskeyRegistrationCompleteView,
)

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        PasskeyRegistrationBeginView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        PasskeyRegistrationCompleteView.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        PasskeyAuthenticationBeginView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        PasskeyAuthenticationCompleteView.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
