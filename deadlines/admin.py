"""Admin: kinds and their reminder offsets are editable; deadlines show no note (sealed)."""

from __future__ import annotations

from django.contrib import admin

from casework.translations import translated_model_form
from deadlines.models import DeadlineKind, RetentionRule


@admin.register(DeadlineKind)
class DeadlineKindAdmin(admin.ModelAdmin):
    form = translated_model_form(DeadlineKind, {"name": {"max_length": 100}})
    list_display = ("name", "code", "reminder_offsets", "position")
    ordering = ("position", "name")


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("organisation", "status", "section", "keep_days")
    list_filter = ("organisation", "status", "section")
