from django.urls import path

from casework import converters  # noqa: F401 - registers "ref" (a case reference)
from deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("deadlines/", views.my_deadlines, name="my_deadlines"),
    path("deadlines/<uuid:pk>/done/", views.deadline_done, name="deadline_done"),
    path("deadlines/<uuid:pk>/cancel/", views.deadline_cancel, name="deadline_cancel"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("cases/<ref:reference>/deadlines/new/", views.deadline_add, name="deadline_add"),
    path(
        "cases/<ref:reference>/deadlines/<uuid:pk>/edit/",
        views.deadline_edit,
        name="deadline_edit",
    ),
    path(
        "cases/<ref:reference>/checkins/schedule/", views.checkin_schedule, name="checkin_schedule"
    ),
    path("cases/<ref:reference>/checkins/", views.checkin_record, name="checkin_record"),
    path("cases/<ref:reference>/legal-hold/", views.legal_hold, name="legal_hold"),
    path("cases/<ref:reference>/close/", views.case_close, name="case_close"),
]
