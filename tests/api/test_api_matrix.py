"""THE API PERMISSION MATRIX: every route of the api app (the /api/v1/ endpoints, the schema
and its documentation page, the token pages) × every persona of tests/test_permission_matrix.py
plus two credentials:

    intake_token     Get Lost's intake token (its admin made it): creates intakes only
    personal_token   the assigned Get Lost caseworker's personal token (Get Lost)

Session personas use their browser session (verified, except password_only); the two token
personas send only ``Authorization: Bearer …``. tests/test_permission_matrix.py's
test_every_url_pattern_is_in_the_matrix accepts the routes listed in API_ROWS.

Statuses on the endpoints: 401 without credentials, 403 for a password-only session (JSON,
from SecondFactorRequiredMiddleware) and for a credential the endpoint does not take, 302 for
a frozen account's session (ended, sent to sign in), 404 outside the case's reach, 403 inside
without the right (as the pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import services as token_services
from casework.sections import SECTIONS, Section
from stats.models import Release
from tests.test_permission_matrix import (  # noqa: F401 - fixtures used by name
    MARKERS,
    PERSONAS,
    READABLE,
    World,
    _media_root,
    _referral,
    build_world,
    client_for,
    reference_data_seeded,
)

API_PERSONAS = (*PERSONAS, "intake_token", "personal_token")


@pytest.fixture
def world(make_member, reference_data_seeded) -> World:  # noqa: F811 - the fixture above
    w = build_world(make_member)
    u, case = w.users, w.case
    spare = case.consents.filter(sections=[Section.LEGAL], given_by="client").first()
    w.ids["ref_spare_decline"] = _referral(case, u["assigned"], spare, None, [Section.LEGAL]).pk
    org = u["assigned"].memberships.get().organisation
    issued = token_services.personal_token_create(user=u["assigned"], organisation=org, name="s")
    w.ids["personal_token"], w.ids["personal_text"] = issued.token.pk, issued.text
    issued = token_services.intake_token_create(
        organisation=org, by=u["admin"], name="partner", days=90
    )
    w.ids["intake_token"], w.ids["intake_text"] = issued.token.pk, issued.text
    Release.objects.create(
        number=1,
        kind="scheduled",
        cut_off=date(2026, 1, 1),
        created_at=timezone.now(),
        k=10,
        base=5,
        delay_days=30,
    )
    return w


# --- Profiles ---------------------------------------------------------------------------------

GATES = {"anonymous": 401, "password_only": 403, "frozen": 302}
OUT_OF_REACH = {"outsider": 404, "coordinator": 404, "lawyer_expired": 404, "lawyer_withdrawn": 404}
LAWYERS = ("lawyer_with", "lawyer_without", "lawyer_expired", "lawyer_withdrawn")


def profile(default: int, **overrides: int) -> dict[str, int]:
    values = {p: default for p in API_PERSONAS}
    values.update(GATES, intake_token=403)
    values.update(overrides)
    return values


# What a page-like route gives the token personas: no session, so sign in first.
PAGE_GATES = {"anonymous": 302, "password_only": 302, "frozen": 302}
PAGE_TOKENS = {"intake_token": 302, "personal_token": 302}


def page(default: int, **overrides: int) -> dict[str, int]:
    values = {p: default for p in API_PERSONAS}
    values.update({**PAGE_GATES, **PAGE_TOKENS})
    values.update(overrides)
    return values


CASE_READ = profile(200, **OUT_OF_REACH)
ORG_CASES = profile(403, **{p: 200 for p in ("outsider", "caseworker", "assigned")})
ORG_CASES.update(admin_assigned=200, admin=200, admin_glass=200, personal_token=200)
TESTIMONY = profile(403, **OUT_OF_REACH)
TESTIMONY.update(
    {p: 200 for p in ("assigned", "admin_assigned", "lawyer_with", "admin_glass", "personal_token")}
)
ANSWER = profile(404, **{p: 200 for p in LAWYERS})
STATS = profile(403, coordinator=200, admin=200, admin_glass=200)
PUBLIC = {**{p: 200 for p in API_PERSONAS}, "password_only": 302, "frozen": 302}


@dataclass
class ApiRow:
    method: str
    path: object  # World -> str
    expected: dict
    data: object = None  # World -> dict (JSON for the endpoints, a form for the pages)


def api(name: str, *args):
    return lambda w: reverse(
        f"api:{name}", args=["v1", *[a(w) if callable(a) else a for a in args]]
    )


def url(name: str, *args):
    return lambda w: reverse(f"api:{name}", args=[a(w) if callable(a) else a for a in args])


def ref(w):
    return w.ref


def ids(key: str):
    return lambda w: w.ids[key]


API_ROWS: dict[str, ApiRow] = {
    "api:intakes": ApiRow(
        "post",
        api("intakes"),
        profile(403, intake_token=201),
        lambda w: {"text": "I need help to leave.", "contact": "@someone"},
    ),
    "api:cases": ApiRow("get", api("cases"), ORG_CASES),
    "api:case": ApiRow("get", api("case", ref), CASE_READ),
    "api:case_section": ApiRow("get", api("case_section", ref, "testimony"), TESTIMONY),
    "api:deadlines": ApiRow("get", api("deadlines"), profile(200)),
    "api:referrals": ApiRow("get", api("referrals"), profile(200)),
    "api:referral_accept": ApiRow("post", api("referral_accept", ids("ref_spare")), ANSWER),
    "api:referral_decline": ApiRow(
        "post", api("referral_decline", ids("ref_spare_decline")), ANSWER
    ),
    "api:releases": ApiRow("get", api("releases"), STATS),
    "api:release": ApiRow("get", api("release", 1), STATS),
    "api:not_found": ApiRow(
        "get",
        lambda w: "/api/v1/nothing/here",
        {**{p: 404 for p in API_PERSONAS}, "password_only": 403, "frozen": 302},
    ),
    "api:schema": ApiRow("get", url("schema"), PUBLIC),
    "api:docs": ApiRow("get", url("docs"), PUBLIC),
    "api:personal_tokens": ApiRow("get", url("personal_tokens"), page(200)),
    "api:personal_token_revoke": ApiRow(
        "post",
        url("personal_token_revoke", ids("personal_token")),
        page(404, assigned=302, admin_assigned=404),
    ),
    "api:intake_tokens": ApiRow("get", url("intake_tokens"), page(403, admin=200, admin_glass=200)),
    "api:intake_token_revoke": ApiRow(
        "post",
        url("intake_token_revoke", ids("intake_token")),
        page(
            404,
            caseworker=403,
            assigned=403,
            admin_assigned=403,
            admin=302,
            admin_glass=302,
        ),
    ),
}
# Making tokens (a POST of the same pages): every member for themselves; admins for intake.
MAKING = {
    "personal_tokens": ApiRow(
        "post", url("personal_tokens"), page(200), lambda w: {"name": "script", "days": "7"}
    ),
    "intake_tokens": ApiRow(
        "post",
        url("intake_tokens"),
        page(403, admin=200, admin_glass=200),
        lambda w: {"name": "form", "days": "30"},
    ),
}


def client_as(world: World, persona: str) -> Client:
    if persona == "intake_token":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.ids['intake_text']}")
    if persona == "personal_token":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.ids['personal_text']}")
    return client_for(world, persona)


def call(world: World, persona: str, entry: ApiRow):
    client = client_as(world, persona)
    path = entry.path(world)
    if entry.method == "get":
        return client.get(path)
    data = entry.data(world) if entry.data else {}
    if path.startswith("/api/v1/"):
        return client.post(path, data, content_type="application/json")
    return client.post(path, data)


@pytest.mark.parametrize("persona", API_PERSONAS)
def test_every_api_route_gives_each_persona_the_expected_status(world, persona):
    wrong = {}
    rows = sorted(API_ROWS.items(), key=lambda item: (item[1].method != "get", item[0]))
    for key, entry in [*rows, *MAKING.items()]:
        status = call(world, persona, entry).status_code
        if status != entry.expected[persona]:
            wrong[key] = (status, entry.expected[persona])
    assert not wrong, f"{persona}: got (status, expected) {wrong}"


# What a persona may read of the shared case (personal_token: the assigned caseworker's).
API_READABLE = {**READABLE, "personal_token": set(SECTIONS), "intake_token": set()}


@pytest.mark.parametrize("persona", API_PERSONAS)
def test_markers_reach_only_personas_holding_their_section(world, persona):
    readable = API_READABLE.get(persona) or set()
    bodies = []
    for entry in API_ROWS.values():
        if entry.method == "get" and entry.expected[persona] == 200:
            bodies.append(call(world, persona, entry).content.decode(errors="replace"))
    text = "\n".join(bodies)
    for section, marker in MARKERS.items():
        assert (marker in text) == (section in readable), (persona, section)


def test_the_api_rows_cover_every_route_of_the_api_app():
    from tests.test_permission_matrix import all_patterns

    routes = {key for key in all_patterns() if key.startswith("api:")}
    assert routes == set(API_ROWS)
    assert {f"api:{key}" for key in MAKING} <= routes


def test_the_intake_token_lands_in_the_triage_queue_with_nobody_assigned(world):
    from casework.models import Case

    before = set(Case.objects.values_list("pk", flat=True))
    response = call(world, "intake_token", API_ROWS["api:intakes"])
    assert response.status_code == 201
    assert response.json() == {"status": "received"}
    (new,) = Case.objects.exclude(pk__in=before)
    assert new.organisation_id == world.case.organisation_id
    assert new.status == "intake"
    assert new.intake_channel == "api"
    assert not new.assigned_caseworkers.exists()
