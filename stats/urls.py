from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("stats/", views.dashboard, name="dashboard"),
    path("stats/releases/", views.releases, name="releases"),
    path("stats/releases/<int:number>.csv", views.release_csv, name="release_csv"),
    path(
        "stats/releases/<int:number>/<slug:code>/<slug:period>.csv",
        views.table_csv,
        name="table_csv",
    ),
]
