from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import dashboard, language

admin.site.site_header = "Waypoint administration"
admin.site.site_title = "Waypoint"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("", include("accounts.urls")),
    path("", include("casework.urls")),
    path("", include("deadlines.urls")),
    path("", include("evacuation.urls")),
    path("", include("stats.urls")),
    path("", include("intake.urls")),
    path("", include("ops.urls")),
    # The public contact page (no sign-in, no cookie): intake/contact/.
    path("", include("intake.contact.urls")),
    path("", include("api.urls")),
    # The admin has no login page of its own: everyone signs in with a second factor.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="accounts:login")),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    # Choosing a language must work before signing in (the login page has the switcher); a
    # signed-in person's account remembers it.
    path("i18n/setlang/", language.language_set, name="set_language"),
    # django-otp-webauthn's endpoints, same paths and names, with our rules (no passwordless
    # login, re-auth before adding a passkey, key rotation and audit): accounts/webauthn_urls.py
    path("webauthn/", include("accounts.webauthn_urls", namespace="otp_webauthn")),
]
