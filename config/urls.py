from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import dashboard

admin.site.site_header = "Waypoint administration"
admin.site.site_title = "Waypoint"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("", include("accounts.urls")),
    # The admin has no login page of its own: everyone signs in with a second factor.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="accounts:login")),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
]
