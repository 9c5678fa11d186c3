"""A password alone opens nothing: SecondFactorRequiredMiddleware, checked against every URL
pattern of the project (a new view is covered the day it is added)."""

from __future__ import annotations

import re
import re._parser as sre_parse
from re._constants import (
    ANY,
    AT,
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    RANGE,
    SUBPATTERN,
)
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from accounts.middleware import SECOND_FACTOR_FIRST
from tests.conftest import sign_in
from tests.factories import UserFactory

ALWAYS = {"accounts:logout", "set_language"}
ALLOWED_WITH_FACTOR = ALWAYS | {
    "accounts:verify",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
}
ALLOWED_WITHOUT_FACTOR = ALWAYS | {
    "accounts:enrol",
    "accounts:totp_enrol",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:js-i18n-catalog",
}


def sample_for(regex: str) -> str:
    """A short string that the regular expression matches in full (enough for URL patterns and
    path converters, including the project's own, such as case references)."""

    def gen(items) -> str:
        out = []
        for op, arg in items:
            if op is LITERAL:
                out.append(chr(arg))
            elif op is ANY:
                out.append("x")
            elif op is NOT_LITERAL:
                out.append("x" if arg != ord("x") else "y")
            elif op is IN:
                out.append(pick(arg))
            elif op in (MAX_REPEAT, MIN_REPEAT):
                low, _high, sub = arg
                out.append(gen(sub) * max(low, 1))
            elif op is SUBPATTERN:
                out.append(gen(arg[-1]))
            elif op is BRANCH:
                out.append(gen(arg[1][0]))
            elif op is AT:
                continue
            else:  # pragma: no cover - a construct no URL pattern here uses
                raise AssertionError(f"cannot sample {op} in {regex!r}")
        return "".join(out)

    def pick(members) -> str:
        if members and members[0][0] is NEGATE:
            excluded = {chr(arg) for op, arg in members[1:] if op is LITERAL}
            return next(ch for ch in "x1a" if ch not in excluded)
        op, arg = members[0]
        if op is LITERAL:
            return chr(arg)
        if op is RANGE:
            return chr(arg[0])
        if op is CATEGORY:
            return "1" if arg is CATEGORY_DIGIT else "x"
        raise AssertionError(f"cannot sample {op} in {regex!r}")  # pragma: no cover

    sample = gen(sre_parse.parse(regex))
    assert re.fullmatch(regex, sample), (regex, sample)
    return sample


def _sample_route(pattern: RoutePattern) -> str:
    converters = pattern.converters
    return re.sub(
        r"<(?:\w+:)?(\w+)>", lambda m: sample_for(converters[m.group(1)].regex), str(pattern)
    )


def every_url() -> list[tuple[str, str]]:
    """(key, path) for every URL pattern; the key is the view name, or the path when unnamed."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            part = pattern.pattern
            if isinstance(part, RoutePattern):
                piece = _sample_route(part)
            elif isinstance(part, RegexPattern):
                piece = sample_for(str(part))
            else:  # pragma: no cover - LocalePrefixPattern and friends are not used
                raise AssertionError(f"unknown pattern type {part!r}")
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + piece, inner)
            else:
                assert isinstance(pattern, URLPattern)
                path = "/" + prefix + piece
                name = pattern.name and (
                    f"{namespace}:{pattern.name}" if namespace else pattern.name
                )
                found.append((name or path, path))

    walk(get_resolver().url_patterns, "", None)
    return found


def _resign_if_needed(client: Client, user) -> None:
    if "_auth_user_id" not in client.session:
        sign_in(client, user, verified=False)


def _refused_in_json(response) -> bool:
    """An API endpoint cannot send a client to a sign-in page: it refuses with a JSON 403."""
    return (
        response.status_code == 403
        and response.get("Content-Type") == "application/json"
        and response.json() == {"detail": str(SECOND_FACTOR_FIRST)}
    )


def _walk_as(client: Client, user, step: str) -> set[str]:
    """Requests every URL with GET and POST; returns the keys of the URLs that answered with
    anything but a block (a redirect to ``step``, a 404 or a 405)."""
    step_path = reverse(step)
    reachable: set[str] = set()
    responses: dict[str, list[tuple[str, int, str]]] = {}
    for key, path in every_url():
        resolve(path)  # the sample path must reach its pattern, or the walk proves nothing
        for method in ("get", "post"):
            _resign_if_needed(client, user)
            response = getattr(client, method)(path)
            location = response.get("Location", "")
            blocked = (
                response.status_code in (404, 405)
                or (response.status_code == 302 and urlsplit(location).path == step_path)
                or _refused_in_json(response)
            )
            responses.setdefault(key, []).append((method, response.status_code, location))
            if not blocked:
                reachable.add(key)
            # A password-only session is never sent to the other step.
            other = "accounts:enrol" if step == "accounts:verify" else "accounts:verify"
            assert urlsplit(location).path != reverse(other), (key, method, location)
    return reachable


@pytest.mark.django_db
def test_the_walk_covers_every_pattern_including_admin_and_webauthn():
    keys = {key for key, _path in every_url()}

    assert {"dashboard", "accounts:security", "admin:index", "set_language"} <= keys
    assert ALLOWED_WITH_FACTOR <= keys
    assert ALLOWED_WITHOUT_FACTOR <= keys
    assert len(keys) > 40


@pytest.mark.django_db
def test_a_password_only_session_with_a_factor_reaches_only_verification(caseworker_getlost):
    client = Client()
    sign_in(client, caseworker_getlost, verified=False)

    reachable = _walk_as(client, caseworker_getlost, "accounts:verify")

    assert reachable == ALLOWED_WITH_FACTOR


@pytest.mark.django_db
def test_a_password_only_session_without_a_factor_reaches_only_enrolment():
    user = UserFactory()
    client = Client()
    sign_in(client, user, verified=False)

    reachable = _walk_as(client, user, "accounts:enrol")

    assert reachable == ALLOWED_WITHOUT_FACTOR


@pytest.mark.django_db
def test_a_blocked_page_is_remembered_as_next_for_verification(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)

    response = client.get("/accounts/sessions/?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify/?next=%2Faccounts%2Fsessions%2F%3Fpage%3D2"


@pytest.mark.django_db
def test_a_blocked_post_is_not_replayed_after_verification(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)

    response = client.post(reverse("accounts:backup_codes"))

    assert response["Location"] == reverse("accounts:verify")


@pytest.mark.django_db
def test_a_verified_user_is_sent_from_enrolment_to_the_security_page(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)

    response = client.get(reverse("accounts:enrol"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")


@pytest.mark.django_db
def test_a_verified_session_reaches_the_pages_behind_the_second_factor(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)

    assert client.get(reverse("accounts:security")).status_code == 200
    assert client.get(reverse("accounts:backup_codes")).status_code == 200
