"""The Django admin shows a bot's organisation, state and conversation texts; never a token
(it is not in the database) nor the webhook secrets (only hashes, not shown)."""

from django.contrib import admin

from intake.models import TelegramBot


@admin.register(TelegramBot)
class TelegramBotAdmin(admin.ModelAdmin):
    list_display = ("organisation", "is_active")
    fields = ("organisation", "is_active", "texts")
