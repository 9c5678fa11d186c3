"""Browser tests: pytest-playwright with Debian's Chromium (the bundled download is blocked)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import require_service

CHROMIUM = os.environ.get("WAYPOINT_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def page(page):
    """A page that fails fast: 10 s per action instead of Playwright's 30 s."""
    page.set_default_timeout(10_000)
    return page
