"""Intake fixtures. Personas come from tests/conftest.py; case fixtures from
tests/casework/conftest.py (re-exported here):
    receive(text, sender=…)  a message through the Telegram channel to Get Lost
"""

from __future__ import annotations

import pytest

from accounts.models import Organisation
from casework.models import IntakeChannel
from intake import services
from tests.casework.conftest import (  # noqa: F401 - fixtures
    _media_root,
    case_getlost,
    colleague_getlost,
    open_case,
    reference_data,
)

MARKER = "ZQXINTAKE5521"


@pytest.fixture
def getlost(caseworker_getlost) -> Organisation:
    return caseworker_getlost.memberships.get().organisation


@pytest.fixture
def receive(getlost, reference_data):  # noqa: F811 - the fixture imported above
    """``receive(text, sender="1001", **extra)``: one message through the Telegram channel."""

    def send(text: str, *, sender: str = "1001", channel=IntakeChannel.TELEGRAM_BOT, **extra):
        index = services.sender_index(organisation_id=getlost.pk, channel=channel, sender=sender)
        return services.channel_intake_receive(
            organisation=getlost, channel=channel, sender_index=index, text=text, **extra
        )

    return send


@pytest.fixture
def bot_api(settings, monkeypatch, getlost):
    """The local Bot API server, and Get Lost's bot token in the environment."""
    from tests.intake.botapi import TOKEN, BotApi

    api = BotApi().start()
    settings.WAYPOINT_TELEGRAM_API_URL = api.url
    monkeypatch.setenv("WAYPOINT_TELEGRAM_TOKEN_GET_LOST", TOKEN)
    yield api
    api.stop()


@pytest.fixture
def bot(getlost):
    """Get Lost's bot with its webhook secrets: (bot, path secret, header secret)."""
    from intake.models import TelegramBot
    from intake.telegram.services import new_webhook_secrets

    bot = TelegramBot.objects.create(organisation=getlost)
    path, header = new_webhook_secrets(bot)
    return bot, path, header


def run_tasks(callbacks) -> None:
    """Runs the tasks that on_commit callbacks would have queued, here and now (a test of the
    webhook without a worker; tests/intake/test_telegram_worker.py uses a real one)."""
    for callback in callbacks:
        task = getattr(callback.func, "__self__", None)
        if task is not None and hasattr(task, "apply"):
            task.apply(args=callback.args, throw=True)
        else:
            callback()
