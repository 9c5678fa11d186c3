"""The case page has a table of contents (plain links to the sections, sticky by CSS: no
script) and renders only the sections the user may open: the others are named, with the
reason, in one "Not open to you" card, and nothing of them is loaded."""

from __future__ import annotations

import re

import pytest

from casework.sections import SECTIONS

pytestmark = pytest.mark.django_db


def toc(body: str) -> list[str]:
    nav = body[body.index('<nav class="toc"') : body.index("</nav>", body.index('class="toc"'))]
    return re.findall(r'href="#([a-z-]+)"', nav)


def test_the_assigned_caseworker_gets_every_section_in_the_contents(
    client, signed_in, case_getlost, caseworker_getlost
):
    signed_in(caseworker_getlost)
    body = client.get(case_getlost.get_absolute_url()).content.decode()
    assert toc(body) == [
        "case-shell",
        "timeline",
        "access",
        *[f"section-{s}" for s in SECTIONS],
        "evacuation",
        "deadlines",
    ]
    for anchor in toc(body):
        assert f'id="{anchor}"' in body
    assert 'id="closed-sections"' not in body
    assert "<script" not in body


def test_sections_closed_to_the_user_are_named_not_rendered(
    client, signed_in, case_getlost, colleague_getlost
):
    signed_in(colleague_getlost)
    response = client.get(case_getlost.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert toc(body) == ["case-shell", "timeline", "evacuation", "deadlines", "closed-sections"]
    closed = body[body.index('id="closed-sections"') :]
    for label in ("Identity", "Contact", "Legal exposure", "Testimony", "Documents", "Notes"):
        assert f"{label}</dt>" in closed
    assert 'id="heading-identity"' not in body
    # The identity section stays closed: the legal name is not on the page.
    assert "Иванов Иван Иванович" not in body
