"""Browser test of the statistics dashboard in headless Chromium: the coordinator sees charts
and tables, no link to any case, each CSV download equals the table on the page, and the
release list offers the whole release as CSV."""

from __future__ import annotations

import csv
import io
import os

import pytest
from django.conf import settings

from stats.services import release_publish
from tests.conftest import sign_in
from tests.stats.conftest import bulk_cases, countries, stats_data  # noqa: F401 - fixtures

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def _today():
    """The stats conftest freezes the clock; the live server's sessions need it running."""
    yield


def _table(page, code: str) -> list[list[str]]:
    return page.eval_on_selector(
        f"#{code} table",
        # textContent, not innerText: the CSS upper-cases table headings on screen.
        r"""t => [...t.rows].map(
            r => [...r.cells].map(c => c.textContent.replace(/\s+/g, " ").trim()))""",
    )


def test_a_coordinator_sees_charts_and_tables_and_downloads_what_the_page_shows(
    live_server,
    page,
    client,
    coordinator,
    stats_data,  # noqa: F811
):
    import time_machine

    with time_machine.travel("2026-11-25 12:00:00+00:00", tick=True):
        release_publish()
    sign_in(client, coordinator)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/stats/?year=2026")
    assert page.get_by_role("heading", name="Statistics", exact=True).is_visible()
    assert page.locator("nav.nav a[aria-current=page]").inner_text() == "Statistics"
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() >= 5
    assert charts.first.is_visible()
    assert page.locator("section.stats-table table").count() >= 8
    assert page.get_by_text("Release 1, as of the end of September 2026.").is_visible()
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert hrefs and not [h for h in hrefs if "/cases/" in h]
    assert "fewer than 10" in page.locator("#countries table").inner_text()
    assert "< 10" not in page.content()

    for code in ("requests", "countries", "crisis_quarter-2026-Q2"):
        shown = _table(page, code)
        with page.expect_download() as info:
            page.locator(f"#{code} a", has_text="Download CSV").click()
        path = info.value.path()
        with open(path, encoding="utf-8") as f:
            lines = list(csv.reader(io.StringIO(f.read())))
        assert lines == shown, code
    assert not [e for e in errors if "Content Security Policy" in e]

    page.get_by_role("link", name="All releases and how they are made").click()
    assert page.get_by_role("heading", name="Release 1").is_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the release as CSV").click()
    with open(info.value.path(), encoding="utf-8") as f:
        assert f.readline().strip() == "Table,Period,Row,Column,Value"
