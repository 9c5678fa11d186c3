"""The URL Telegram posts updates to: a secret path per bot, and the secret token header
checked; a wrong one gets a bare 403. No content in any log."""

from __future__ import annotations

import json
import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from intake.telegram.services import bot_for_path, secret_matches
from intake.telegram.updates import update_receive

# An update is a few kilobytes; photos come by reference.
MAX_UPDATE_BYTES = 256 * 1024
logger = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
@require_POST
def telegram_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    bot = bot_for_path(secret)
    if bot is None:
        return HttpResponse(status=404)
    if not secret_matches(bot, request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")):
        return HttpResponse(status=403)
    if len(request.body) > MAX_UPDATE_BYTES:
        return HttpResponse(status=413)
    try:
        update = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    if isinstance(update, dict):
        try:
            update_receive(bot=bot, update=update)
        except Exception as error:
            # Telegram sends the update again. Django would log the URL, secret path and all:
            # the bot's id and the error's type only.
            logger.error("telegram update for bot %s failed (%s)", bot.pk, type(error).__name__)
            failed = HttpResponse(status=503)
            failed._has_been_logged = True  # type: ignore[attr-defined]
            return failed
    return HttpResponse(status=200)
