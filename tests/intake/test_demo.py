"""intake/demo.py: Telegram intakes in Get Lost's triage queue, seeded once."""

from __future__ import annotations

import pytest

from intake import demo, selectors

pytestmark = pytest.mark.django_db


def test_the_demo_puts_telegram_intakes_in_get_losts_queue_once(
    caseworker_getlost, getlost, reference_data
):
    assert demo.seed_intakes() == 2
    assert demo.seed_intakes() == 0
    queue = list(selectors.triage_queue(user=caseworker_getlost, organisation=getlost))
    assert [c.channel for c in queue] == ["telegram_bot", "telegram_bot"]
    flagged = queue[0]  # urgent and asking for routes: first
    assert flagged.urgent and flagged.asks_route
    assert queue[1].message_count == 2 and not queue[1].asks_route
