"""``manage.py telegram_webhook set|delete --organisation SLUG``: registers (with a new secret
path and secret token, only their hashes kept) or deletes an organisation's bot webhook. The
bot token comes from WAYPOINT_TELEGRAM_TOKEN_<SLUG> (or …_FILE); nothing secret is printed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from accounts.models import Organisation
from intake.models import TelegramBot
from intake.telegram import client
from intake.telegram.services import new_webhook_secrets


class Command(BaseCommand):
    help = "Register (set) or delete an organisation's Telegram bot webhook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["set", "delete"])
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument(
            "--base-url",
            default="",
            help="the public https URL Telegram reaches (default: WAYPOINT_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organisation.objects.filter(slug=options["organisation"]).first()
        if org is None:
            raise CommandError("No organisation with that slug.")
        token = client.bot_token(org)
        if token is None:
            raise CommandError(f"Set {client.token_variable(org)} (or _FILE) to the bot token.")
        if options["action"] == "set":
            self._set(org, token, options["base_url"] or settings.WAYPOINT_BASE_URL)
        else:
            self._delete(org, token)

    def _set(self, org: Organisation, token: str, base_url: str) -> None:
        with transaction.atomic():
            bot, _ = TelegramBot.objects.select_for_update().get_or_create(organisation=org)
            path_secret, header_secret = new_webhook_secrets(bot)
            bot.is_active = True
            bot.save(update_fields=["is_active"])
            url = base_url.rstrip("/") + reverse("intake:telegram_webhook", args=[path_secret])
            try:
                client.call(
                    token,
                    "setWebhook",
                    {
                        "url": url,
                        "secret_token": header_secret,
                        "allowed_updates": ["message", "edited_message"],
                        "drop_pending_updates": False,
                    },
                )
            except client.BotApiError as error:
                raise CommandError(f"Telegram refused: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Webhook set for {org.slug}."))

    def _delete(self, org: Organisation, token: str) -> None:
        try:
            client.call(token, "deleteWebhook", {"drop_pending_updates": False})
        except client.BotApiError as error:
            raise CommandError(f"Telegram refused: {error}") from None
        TelegramBot.objects.filter(organisation=org).update(path_hash=None, secret_hash=None)
        self.stdout.write(self.style.SUCCESS(f"Webhook deleted for {org.slug}."))
