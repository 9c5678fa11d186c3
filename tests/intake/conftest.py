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
