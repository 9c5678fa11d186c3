from django.urls import path

from casework import converters  # noqa: F401 - registers "ref" (a case reference)
from evacuation.views import dossiers, export, plans, routes

app_name = "evacuation"

CASE = "cases/<ref:reference>/"
DOSSIER = CASE + "dossiers/<uuid:pk>/"

urlpatterns = [
    path("dossiers/", dossiers.my_dossiers, name="my_dossiers"),
    path(CASE + "evacuation/", plans.plan_edit, name="plan_edit"),
    path(CASE + "evacuation/steps/new/", plans.step_edit, name="step_add"),
    path(CASE + "evacuation/steps/<uuid:pk>/", plans.step_edit, name="step_edit"),
    path(CASE + "visas/new/", plans.visa_edit, name="visa_add"),
    path(CASE + "visas/<uuid:pk>/", plans.visa_edit, name="visa_edit"),
    path(CASE + "visas/<uuid:pk>/dossier/", dossiers.dossier_create, name="dossier_create"),
    path(DOSSIER, dossiers.dossier_detail, name="dossier_detail"),
    path(DOSSIER + "contents/", dossiers.dossier_contents, name="dossier_contents"),
    path(DOSSIER + "items/<uuid:item>/", dossiers.dossier_item, name="dossier_item"),
    path(DOSSIER + "vetting/", dossiers.dossier_vet, name="dossier_vet"),
    path(DOSSIER + "reviewer/", dossiers.dossier_reviewer, name="dossier_reviewer"),
    path(DOSSIER + "submit/", dossiers.dossier_submit, name="dossier_submit"),
    path(DOSSIER + "comments/", dossiers.dossier_comment, name="dossier_comment"),
    path(DOSSIER + "review/", dossiers.dossier_review, name="dossier_review"),
    path(DOSSIER + "status/", dossiers.dossier_mark, name="dossier_mark"),
    path(DOSSIER + "export/", export.dossier_export, name="dossier_export"),
    # The platform admin area: routes and their dossier requirements.
    path("platform/routes/", routes.route_list, name="route_list"),
    path("platform/routes/<slug:code>/", routes.route_detail, name="route_detail"),
    path(
        "platform/routes/<slug:code>/requirements/",
        routes.requirement_save,
        name="requirement_add",
    ),
    path(
        "platform/routes/<slug:code>/requirements/<int:pk>/",
        routes.requirement_save,
        name="requirement_edit",
    ),
    path(
        "platform/routes/<slug:code>/requirements/<int:pk>/remove/",
        routes.requirement_remove,
        name="requirement_remove",
    ),
]
