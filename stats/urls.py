from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("stats/", views.dashboard, name="dashboard"),
    path("stats/<slug:code>.csv", views.export_csv, name="export_csv"),
]
