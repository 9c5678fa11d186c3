"""The Django admin edits the reference tables (countries' risk, advisories and stay limits,
document types, regions of higher risk) and shows case shells only: sealed fields are
ciphertext and are never listed or decrypted here."""

from django.contrib import admin

from casework.models import Case, Country, DocumentType, Region
from casework.translations import translated_model_form

# Each translatable text: the English source and one input per other language. Country names
# are CLDR's (the admin's ``name`` shows only where CLDR has none).
NOTE = {"max_length": 200}
ADVISORY = {"textarea": True}


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    form = translated_model_form(Country, {"risk_note": NOTE, "advisory": ADVISORY})
    list_display = ("code", "name", "risk_level", "risk_note", "stay_max_days", "stay_window_days")
    list_filter = ("risk_level", "internal_passport_entry")
    list_editable = ("risk_level",)
    search_fields = ("code", "name")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions whose risk differs from their country's: reference data, no case in it (which
    case is in a region is sealed on the case's location)."""

    form = translated_model_form(
        Region, {"name": {"max_length": 80}, "risk_note": NOTE, "advisory": ADVISORY}
    )

    list_display = ("name", "country", "risk_level", "risk_note")
    list_filter = ("risk_level", "country")
    list_editable = ("risk_level",)
    search_fields = ("code", "name")


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    form = translated_model_form(DocumentType, {"name": {"max_length": 100}})
    list_display = ("name", "code", "is_active", "position")
    list_editable = ("is_active", "position")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only outline for platform admins: no pseudonym, no content, no assignment."""

    list_display = ("reference", "organisation", "status", "risk_level", "opened_month")
    list_filter = ("status", "risk_level", "organisation")
    fields = (
        "reference",
        "organisation",
        "status",
        "risk_level",
        "legal_category",
        "service_category",
        "intake_channel",
        "opened_month",
        "closed_month",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
