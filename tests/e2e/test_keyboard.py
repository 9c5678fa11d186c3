"""Keyboard only, in headless Chromium: the intake page filled in and submitted with Tab,
typing, Space and Enter (its errors announced, tied to their fields and focused), and the case
page walked from the skip link through its table of contents to its actions, every control in
reach in the page's order with a visible focus ring. Then a phone's viewport (390 × 844) on
both pages: nothing scrolls sideways, every control fits, and axe finds nothing serious."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Role
from casework import models
from casework.models import Case
from tests.casework.conftest import _media_root, reference_data  # noqa: F401 - fixtures
from tests.conftest import sign_in
from tests.e2e.axe import axe_violations, describe
from tests.e2e.test_accessibility import compiled, languages  # noqa: F401 - fixture
from tests.test_permission_matrix import build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "_media_root"),
]

PHONE = {"width": 390, "height": 844}

# What has focus, and whether it shows the stylesheet's ring (a 3px outline; the browser's
# own is 1px). A date field's parts (inside the input) show their input's ring.
FOCUSED = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id,
    index: e.dataset.kb === undefined ? null : Number(e.dataset.kb),
    text: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 60),
    ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
  };
}"""

# Every control a keyboard user must reach, in the page's order, numbered (data-kb).
NUMBER_CONTROLS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"])';
  const controls = [...document.querySelectorAll(selector)].filter(e =>
    !e.disabled && e.checkVisibility({visibilityProperty: true})
    && e.getClientRects().length > 0);
  controls.forEach((e, i) => { e.dataset.kb = i; });
  return controls.length;
}"""

# Controls that stick out of a phone's screen (a wide table scrolls inside its own box).
OUTSIDE_THE_SCREEN = """() => {
  const out = [];
  for (const e of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (!e.checkVisibility() || e.closest('.table-wrap, table')) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < -0.5 || r.right > innerWidth + 0.5) out.push(e.outerHTML.slice(0, 80));
  }
  return out;
}"""

# Form controls smaller than WCAG 2.5.8's 24 × 24 CSS pixels.
TOO_SMALL = """() => [...document.querySelectorAll('button, input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.checkVisibility())
  .filter(e => { const r = e.getBoundingClientRect(); return r.width < 16 || r.height < 16
    || (e.type !== 'checkbox' && e.type !== 'radio' && (r.width < 24 || r.height < 24)); })
  .map(e => e.outerHTML.slice(0, 80))"""


def as_user(page, user, base: str, *, verified: bool = True) -> None:
    """Puts ``user``'s signed-in session (both factors) into the page's browser context."""
    from django.test import Client

    client = sign_in(Client(), user, verified=verified)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, selector: str, *, limit: int = 80, backwards: bool = False) -> dict:
    """Presses Tab until the element matching ``selector`` has focus, checking that every
    element on the way shows its focus ring. Fails after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        assert now["ring"], f"no visible focus on {now}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return now
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def choose(page, selector: str, label: str, value: str) -> None:
    """Chooses an option of the focused select by typing the start of its label."""
    assert page.evaluate("s => document.activeElement.matches(s)", selector)
    page.keyboard.type(label)
    assert page.eval_on_selector(selector, "e => e.value") == value, label


def test_an_intake_from_the_keyboard_alone(live_server, page, make_member):
    base = live_server.url
    caseworker = make_member("get-lost", Role.CASEWORKER)
    as_user(page, caseworker, base)
    page.goto(f"{base}/cases/new/")
    assert focused(page)["id"] == "id_pseudonym"

    # Enter on the empty page: nothing saved, the summary says so, the cursor is on the field
    # to correct, which carries its error.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not Case.objects.exists()
    summary = page.locator("#intake-errors")
    assert summary.get_attribute("role") == "alert"
    assert "Nothing was saved" in summary.inner_text()
    assert focused(page)["id"] == "id_pseudonym"
    pseudonym = page.locator("#id_pseudonym")
    assert pseudonym.get_attribute("aria-invalid") == "true"
    described = (pseudonym.get_attribute("aria-describedby") or "").split()
    assert "id_pseudonym_error" in described
    assert page.locator("#id_pseudonym_error").inner_text() == "This field is required."
    violations = axe_violations(page)
    assert not violations, [describe(v) for v in violations]

    page.keyboard.type("Falcon")
    tab_to(page, "#id_legal_name", limit=1)
    page.keyboard.type("Смирнов Алексей Петрович")
    tab_to(page, "#id_intake_channel")
    choose(page, "#id_intake_channel", "Secure", "secure_line")
    tab_to(page, "#id_legal_category", limit=1)
    choose(page, "#id_legal_category", "Deserter", "deserter")
    tab_to(page, "#id_service_category", limit=1)
    choose(page, "#id_service_category", "Contract signed after", "contract_after")
    tab_to(page, "#id_country")
    choose(page, "#id_country", "Kazakhstan", "KZ")
    tab_to(page, "#id_region", limit=1)
    page.keyboard.type("Almaty")
    tab_to(page, "#id_statement")
    page.keyboard.type("Я отказался идти в штурм и ушёл из части.")
    tab_to(page, "#id_consent_dossier")
    page.keyboard.press("Space")
    assert page.locator("#id_consent_dossier").is_checked()
    button = tab_to(page, "form.form button[type=submit]")
    assert button["text"] == "Open the case"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "The case has been opened." in page.content()
    case = Case.objects.get()
    assert page.url == f"{base}{reverse('casework:case_detail', args=[case.reference])}"
    assert (case.legal_category, case.service_category) == ("deserter", "contract_after")
    assert case.intake_channel == "secure_line"
    assert models.Testimony.objects.get(case=case).consent_dossier is True


def test_the_case_page_from_the_keyboard_alone(live_server, page, make_member):
    base = live_server.url
    world = build_world(make_member)
    as_user(page, world.users["assigned"], base)
    url = f"{base}{reverse('casework:case_detail', args=[world.ref])}"
    page.goto(url)
    assert page.evaluate("document.querySelectorAll('[tabindex]').length") == page.evaluate(
        'document.querySelectorAll(\'[tabindex="-1"], [tabindex="0"]\').length'
    ), "a positive tabindex breaks the page's order"

    # The first Tab shows the skip link on screen; Enter moves the focus to the content.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["ring"] and page.evaluate("document.activeElement.classList.contains('skip')")
    box = page.locator("a.skip").bounding_box()
    assert box is not None and box["y"] >= 0 and box["x"] >= 0
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # The table of contents: Enter on a section's link goes there, and the next Tab goes on
    # from that section.
    tab_to(page, 'nav.toc a[href="#section-documents"]')
    page.keyboard.press("Enter")
    assert page.url.endswith("#section-documents")
    heading = page.locator("#heading-documents").bounding_box()
    assert heading is not None and 0 <= heading["y"] < page.viewport_size["height"]
    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.querySelector('#section-documents').compareDocumentPosition("
        "document.activeElement) & (Node.DOCUMENT_POSITION_CONTAINED_BY"
        " | Node.DOCUMENT_POSITION_FOLLOWING)"
    ), focused(page)

    # From the top, Tab reaches every control of the page once, in the page's order, each
    # with a visible focus ring.
    page.goto(url)
    count = page.evaluate(NUMBER_CONTROLS)
    assert count > 40, count
    reached: list[int] = []
    for _ in range(count * 2):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["index"] is None:
            break  # past the last control: the browser's own interface
        assert now["ring"], f"no visible focus on {now}"
        if not reached or reached[-1] != now["index"]:  # a date field's parts
            reached.append(now["index"])
        if now["index"] == count - 1:
            break
    assert reached == list(range(count))

    # Actions work from the keyboard: a link to a form, and a form's button.
    page.goto(url)
    tab_to(page, f'a[href="{reverse("casework:testimony_add", args=[world.ref])}"]', limit=200)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(reverse("casework:testimony_add", args=[world.ref]))
    page.goto(url)
    tab_to(page, "#status-select", limit=200)
    page.keyboard.type("Consultation")
    assert page.eval_on_selector("#status-select", "e => e.value") == "consultation"
    tab_to(page, "form:has(#status-select) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    world.case.refresh_from_db()
    assert world.case.status == "consultation"


def _fits_a_phone(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), (
        page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]"),
        page.url,
    )
    assert page.evaluate(OUTSIDE_THE_SCREEN) == []
    assert page.evaluate(TOO_SMALL) == []
    violations = axe_violations(page)
    assert not violations, [describe(v) for v in violations]


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("language", languages())
def test_the_intake_and_case_pages_work_on_a_phone(live_server, browser, make_member, language):
    base = live_server.url
    world = build_world(make_member)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale=language
    )
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        as_user(page, world.users["assigned"], base)
        page.goto(f"{base}{reverse('casework:case_create')}")
        _fits_a_phone(page)
        # The refused intake (every error shown) fits too; then it opens a case by touch.
        page.locator("form.form button[type=submit]").tap()
        page.wait_for_selector("#intake-errors")
        _fits_a_phone(page)
        page.locator("#id_pseudonym").fill("Falcon")
        page.locator("#id_service_category").select_option("contract_after")
        page.locator("#id_statement").fill("Я отказался идти в штурм и ушёл из части.")
        with page.expect_navigation():
            page.locator("form.form button[type=submit]").tap()
        errors = page.locator(".errorlist, .errors").all_inner_texts()
        assert page.locator("h1").inner_text().startswith("Falcon"), errors
        reference = page.url.rstrip("/").rsplit("/", 1)[1]
        assert Case.objects.filter(reference=reference).exists()
        _fits_a_phone(page)
        # The full case (every section, referrals, the evacuation plan, deadlines).
        page.goto(f"{base}{reverse('casework:case_detail', args=[world.ref])}")
        _fits_a_phone(page)
    finally:
        context.close()
