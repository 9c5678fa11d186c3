from django.urls import path

from casework import converters  # noqa: F401 - registers "ref"
from casework.views import access, cases, intake, sections, triage

app_name = "casework"

urlpatterns = [
    path("cases/", cases.case_list, name="case_list"),
    path("cases/search/", cases.case_search, name="case_search"),
    path("cases/reassign/", triage.case_bulk_assign, name="case_bulk_assign"),
    path("cases/new/", intake.case_create, name="case_create"),
    path("cases/referrals/", access.referral_dashboard, name="referrals"),
    path("cases/referrals/<uuid:pk>/accept/", access.referral_accept, name="referral_accept"),
    path("cases/referrals/<uuid:pk>/decline/", access.referral_decline, name="referral_decline"),
    path("cases/referrals/<uuid:pk>/assign/", access.referral_assign, name="referral_assign"),
    path("cases/<ref:reference>/", cases.case_detail, name="case_detail"),
    path("cases/<ref:reference>/details/", cases.case_shell, name="case_shell"),
    path("cases/<ref:reference>/status/", cases.case_status, name="case_status"),
    path("cases/<ref:reference>/assign/", cases.case_assign, name="case_assign"),
    path("cases/<ref:reference>/verify/", cases.case_verify, name="case_verify"),
    path("cases/<ref:reference>/location/open/", cases.location_open, name="location_open"),
    path("cases/<ref:reference>/referrals/new/", access.referral_create, name="referral_create"),
    path(
        "cases/<ref:reference>/referrals/<uuid:pk>/revoke/",
        access.referral_revoke,
        name="referral_revoke",
    ),
    path("cases/<ref:reference>/consents/new/", access.consent_create, name="consent_create"),
    path(
        "cases/<ref:reference>/consents/<uuid:pk>/confirm/",
        access.consent_confirm,
        name="consent_confirm",
    ),
    path(
        "cases/<ref:reference>/consents/<uuid:pk>/withdraw/",
        access.consent_withdraw,
        name="consent_withdraw",
    ),
    path("cases/<ref:reference>/lawyers/", access.lawyer_grant, name="lawyer_grant"),
    path("cases/<ref:reference>/break-glass/", access.break_glass, name="break_glass"),
    path("cases/<ref:reference>/identity/", sections.identity_edit, name="identity_edit"),
    path("cases/<ref:reference>/contact/", sections.contact_edit, name="contact_edit"),
    path("cases/<ref:reference>/location/", sections.location_edit, name="location_edit"),
    path("cases/<ref:reference>/exposures/new/", sections.exposure_edit, name="exposure_add"),
    path(
        "cases/<ref:reference>/exposures/<uuid:pk>/",
        sections.exposure_edit,
        name="exposure_edit",
    ),
    path("cases/<ref:reference>/testimonies/new/", sections.testimony_add, name="testimony_add"),
    path(
        "cases/<ref:reference>/testimonies/<int:number>/revise/",
        sections.testimony_revise,
        name="testimony_revise",
    ),
    path(
        "cases/<ref:reference>/testimonies/<uuid:pk>/screen/",
        sections.testimony_screen,
        name="testimony_screen",
    ),
    path("cases/<ref:reference>/notes/new/", sections.note_add, name="note_add"),
    path("cases/<ref:reference>/documents/new/", sections.document_upload, name="document_upload"),
    path(
        "cases/<ref:reference>/documents/<uuid:pk>/",
        sections.document_download,
        name="document_download",
    ),
]
