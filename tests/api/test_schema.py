"""The API against its own OpenAPI schema: the schema validates (``manage.py spectacular
--validate``), and schemathesis sends positive and negative data to every operation through
the Django WSGI application — no 5xx, every response as the schema says (status, content type,
body), valid data accepted and invalid data refused. Then every operation refuses a
password-only session, an expired token and a revoked token.

The examples are few per operation (the suite's time) but real: positive examples go to a real
case and release where the operation takes one, so the sealed sections are read and checked
against their schemas."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import schemathesis
import time_machine
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from accounts.models import Role
from api import services as token_services
from api.models import ApiToken
from config.wsgi import application
from stats.models import Release
from tests.api.conftest import MARKER
from tests.conftest import sign_in

EXAMPLES = 10


def test_the_schema_validates(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/cases/{reference}/:" in text
    assert "bearer" in text


@pytest.fixture
def credentials(db, case_getlost, admin_getlost, make_member, personal_token, intake_token):
    """Tokens by what each operation is for, and the real objects positive examples use."""
    caseworker = case_getlost.assigned_caseworkers.get()
    coordinator = make_member("coordinators", Role.COORDINATOR)
    lawyer = make_member("intransit", Role.LAWYER)
    Release.objects.create(
        number=1,
        kind="scheduled",
        cut_off=date(2026, 1, 1),
        created_at=timezone.now(),
        k=10,
        base=5,
        delay_days=30,
    )
    return {
        "intake": intake_token(admin_getlost),
        "stats": personal_token(coordinator),
        "referrals": personal_token(lawyer),
        "cases": personal_token(caseworker),
        "reference": case_getlost.reference,
        "caseworker": caseworker,
    }


def token_for(path: str, credentials: dict) -> str:
    for part in ("intake", "stats", "referrals"):
        if f"/{part}" in path:
            return credentials[part]
    return credentials["cases"]


def project_schema() -> dict:
    """The schema /api/schema/ serves (same generator and renderer), as a plain dict."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    data = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(data))


schema = schemathesis.openapi.from_dict(project_schema())
schema.app = application
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
)


@pytest.fixture
def wsgi_requests(db):
    """As Django's test client does: the request signals must not close the test's connection
    (it is inside the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_to_its_schema(case, credentials, wsgi_requests):
    if case.meta is not None and case.meta.generation.mode.is_positive:
        params = case.path_parameters or {}
        if "reference" in params:
            params["reference"] = credentials["reference"]
        if "number" in params:
            params["number"] = 1
    headers = {"Authorization": f"Bearer {token_for(case.path, credentials)}"}
    response = case.call(headers=headers)
    case.validate_response(response, headers=headers)


# --- Every operation refuses a password-only session, an expired and a revoked token ----------


def operations() -> list[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item]


def concrete(path: str, reference: str) -> str:
    values = {"reference": reference, "section": "testimony", "number": "1"}
    return re.sub(
        r"\{(\w+)\}", lambda m: values.get(m.group(1), "00000000-0000-0000-0000-000000000001"), path
    )


def send(client: Client, method: str, path: str, **headers):
    if method == "GET":
        return client.get(path, **headers)
    return client.post(path, {"text": "help"}, content_type="application/json", **headers)


@pytest.mark.django_db
def test_every_operation_refuses_a_password_only_session_and_dead_tokens(
    case_getlost, admin_getlost, personal_token, intake_token
):
    caseworker = case_getlost.assigned_caseworkers.get()
    password_only = sign_in(Client(), caseworker, verified=False)
    expired = {
        "personal": personal_token(caseworker, days=1),
        "intake": intake_token(admin_getlost, days=1),
    }
    revoked = {"personal": personal_token(caseworker), "intake": intake_token(admin_getlost)}
    for token in ApiToken.objects.filter(expires_at__gt=timezone.now() + timedelta(days=2)):
        token_services.token_revoke(
            token=token, by=admin_getlost if token.user_id is None else caseworker
        )
    found = operations()
    assert len(found) == 10
    for method, template in found:
        path = concrete(template, case_getlost.reference)
        response = send(password_only, method, path)
        assert response.status_code == 403, (method, path)
        for text in revoked.values():
            response = send(Client(), method, path, HTTP_AUTHORIZATION=f"Bearer {text}")
            assert response.status_code == 401, (method, path)
        with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
            for text in expired.values():
                response = send(Client(), method, path, HTTP_AUTHORIZATION=f"Bearer {text}")
                assert response.status_code == 401, (method, path)
        assert MARKER not in response.content.decode()
    refused = {e.data["reason"] for e in _refusals()}
    assert refused == {"revoked", "expired"}


def _refusals():
    from audit.models import AuditEvent

    return AuditEvent.objects.filter(action="api.token.refused")
