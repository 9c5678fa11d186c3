"""/api/v1/… (the endpoints), /api/schema/ and /api/docs/, and the token pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import pages
from api.errors import not_found
from api.views import cases, intake, work

app_name = "api"


def endpoint(view_class):
    """An API endpoint: DRF authenticates (token or verified session), so the sign-in
    redirect of LoginRequiredMiddleware does not apply; SecondFactorRequiredMiddleware
    refuses a password-only session with JSON (``api_endpoint``)."""
    view = login_not_required(view_class.as_view())
    view.api_endpoint = True
    return view


def endpoint_function(function):
    view = login_not_required(csrf_exempt(function))
    view.api_endpoint = True
    return view


V1 = r"^api/(?P<version>v1)/"

urlpatterns = [
    re_path(V1 + r"intakes/$", endpoint(intake.IntakeCreate), name="intakes"),
    re_path(V1 + r"cases/$", endpoint(cases.CaseList), name="cases"),
    re_path(V1 + r"cases/(?P<reference>[^/]{1,24})/$", endpoint(cases.CaseDetail), name="case"),
    re_path(
        V1 + r"cases/(?P<reference>[^/]{1,24})/sections/(?P<section>[^/]{1,16})/$",
        endpoint(cases.CaseSection),
        name="case_section",
    ),
    re_path(V1 + r"deadlines/$", endpoint(work.Deadlines), name="deadlines"),
    re_path(V1 + r"referrals/$", endpoint(work.Referrals), name="referrals"),
    re_path(
        V1 + r"referrals/(?P<pk>[^/]{1,40})/accept/$",
        endpoint(work.ReferralAccept),
        name="referral_accept",
    ),
    re_path(
        V1 + r"referrals/(?P<pk>[^/]{1,40})/decline/$",
        endpoint(work.ReferralDecline),
        name="referral_decline",
    ),
    re_path(V1 + r"stats/releases/$", endpoint(work.Releases), name="releases"),
    re_path(
        V1 + r"stats/releases/(?P<number>[0-9]{1,9})/$",
        endpoint(work.ReleaseDetail),
        name="release",
    ),
    # Anything else under /api/v1/: a JSON 404 (not the HTML page).
    re_path(r"^api/v1/", endpoint_function(not_found), name="not_found"),
    # The schema and its documentation page are public: they describe the API, not its data.
    path(
        "api/schema/",
        login_not_required(SpectacularAPIView.as_view(api_version="v1")),
        name="schema",
    ),
    path(
        "api/docs/",
        login_not_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/docs.html"
            )
        ),
        name="docs",
    ),
    # Token pages.
    path("accounts/security/tokens/", pages.personal_tokens, name="personal_tokens"),
    path(
        "accounts/security/tokens/<uuid:pk>/revoke/",
        pages.personal_token_revoke,
        name="personal_token_revoke",
    ),
    path("org/intake-tokens/", pages.intake_tokens, name="intake_tokens"),
    path(
        "org/intake-tokens/<uuid:pk>/revoke/",
        pages.intake_token_revoke,
        name="intake_token_revoke",
    ),
]
