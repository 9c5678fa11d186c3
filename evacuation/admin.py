"""The Django admin edits the dossier templates only: plans, visa applications and dossiers
hold sealed content and are never listed here."""

from django.contrib import admin

from evacuation.models import DossierRequirement


@admin.register(DossierRequirement)
class DossierRequirementAdmin(admin.ModelAdmin):
    list_display = ("route", "document_type", "required", "position")
    list_filter = ("route", "required")
    list_editable = ("required", "position")
