"""The Django admin for platform admins: organisations and accounts, never secrets.

Device seeds, backup-code hashes, session data and password hashes are not shown.
"""

from django.contrib import admin

from accounts.models import Membership, Organisation, User


class StrictAdminSite:
    """Only staff who passed a second factor reach the admin."""

    @staticmethod
    def has_permission(request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_verified())


# Replaces the method on the default site in place, as every admin.register() already uses it.
admin.site.has_permission = StrictAdminSite.has_permission  # type: ignore[method-assign]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("organisation", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "display_name", "is_active", "is_staff", "frozen_at")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email",)
    fields = ("email", "display_name", "preferred_language", "is_active", "is_staff", "frozen_at")
    readonly_fields = ("frozen_at",)
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_active", "created_at")
    prepopulated_fields = {"slug": ("name",)}
