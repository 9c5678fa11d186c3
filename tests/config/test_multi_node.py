"""Two web nodes share everything a request writes: this test is node one, and a separate
Python process on the same PostgreSQL database and Redis is node two (docs/storage.md).

Node two reads commands as JSON lines on stdin and answers each with a JSON line; it serves
them through its own Django test client (the real middleware) or the real services.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_otp.oath import TOTP

from accounts.services.factors import second_factor_verify
from tests.conftest import require_service, sign_in
from tests.factories import PASSWORD, totp_device

ROOT = Path(__file__).resolve().parents[2]
TOTP_KEY = b"0123456789abcdef0123"
FAILURE_LIMIT = 3

NODE_TWO = """
import hashlib, json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from accounts.models import User
from accounts.services.factors import second_factor_verify

def answer(command):
    kind = command["kind"]
    if kind == "page":
        client = Client(SERVER_NAME="localhost")
        client.cookies[settings.SESSION_COOKIE_NAME] = command["session"]
        response = client.get(command["path"])
        return {"status": response.status_code, "location": response.get("Location", "")}
    if kind == "download":
        client = Client(SERVER_NAME="localhost")
        client.cookies[settings.SESSION_COOKIE_NAME] = command["session"]
        response = client.get(command["path"])
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return {"status": response.status_code, "sha256": hashlib.sha256(body).hexdigest()}
    if kind == "cache":
        return {"value": cache.get(command["key"])}
    if kind == "login":
        client = Client(SERVER_NAME="localhost", REMOTE_ADDR=command["address"])
        response = client.post(
            "/accounts/login/", {"username": command["email"], "password": command["password"]}
        )
        return {"status": response.status_code}
    if kind == "otp":
        user = User.objects.get(pk=command["user"])
        result = second_factor_verify(user=user, code=command["code"])
        return {"accepted": result.device is not None}
    raise ValueError(kind)

for line in sys.stdin:
    print(json.dumps(answer(json.loads(line))), flush=True)
"""


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Node:
    """A second Django process; stopped by its own handle."""

    def __init__(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "WAYPOINT_KEYRING": settings.WAYPOINT_KEYRING,
            "SECRET_KEY": settings.SECRET_KEY,
            "WAYPOINT_LOGIN_FAILURE_LIMIT": str(FAILURE_LIMIT),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", NODE_TWO],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **command) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "node two stopped"
        return json.loads(line)

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture
def node_two(transactional_db):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL")
    node = Node()
    yield node
    node.stop()


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_settings_keep_shared_state_off_the_node():
    """What the processes below prove rests on these: sessions in the database, cache and
    lockout counters in Redis when REDIS_URL is set, second factors in database rows."""
    assert settings.SESSION_ENGINE == "accounts.sessions"
    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

    from accounts.sessions import SessionStore

    assert issubclass(SessionStore, DatabaseStore)
    if settings.REDIS_URL:
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert settings.AXES_CACHE == "default"
    assert settings.AXES_HANDLER == "axes.handlers.cache.AxesCacheHandler"


def test_a_session_started_on_one_node_is_signed_in_on_the_other(client, node_two, make_member):
    user = make_member("get-lost")
    sign_in(client, user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert node_two.ask(kind="page", session=session, path=reverse("dashboard"))["status"] == 200
    # A stranger's cookie is sent to the sign-in page on node two too.
    other = node_two.ask(kind="page", session=uuid.uuid4().hex, path=reverse("dashboard"))
    assert other["status"] == 302 and "/accounts/login/" in other["location"]


def test_a_document_uploaded_on_one_node_downloads_on_the_other(
    client, node_two, case_getlost, caseworker_getlost, _media_root
):
    from casework.models import Document, DocumentType
    from tests.casework.test_uploads import jpeg_with_gps_xmp_comment

    sign_in(client, caseworker_getlost)
    upload = SimpleUploadedFile("photo.jpg", jpeg_with_gps_xmp_comment(), "image/jpeg")
    photo = DocumentType.objects.get(code="photo")
    reference = case_getlost.reference
    response = client.post(
        reverse("casework:document_upload", args=[reference]),
        {"document_type": photo.pk, "file": upload},
    )
    assert response.status_code == 302
    document = Document.objects.get(case=case_getlost)
    path = reverse("casework:document_download", args=[reference, document.pk])
    here = b"".join(client.get(path).streaming_content)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    there = node_two.ask(kind="download", session=session, path=path)
    assert there == {"status": 200, "sha256": hashlib.sha256(here).hexdigest()}
    # This node wrote no file that the other would have needed.
    assert not _media_root.exists() or not any(_media_root.iterdir())


def test_the_cache_is_the_same_on_both_nodes(node_two, fresh_cache):
    key = f"multi-node-{uuid.uuid4().hex}"
    assert node_two.ask(kind="cache", key=key)["value"] is None
    cache.set(key, "seen", 60)
    assert node_two.ask(kind="cache", key=key)["value"] == "seen"


def test_login_failures_count_across_both_nodes(client, node_two, make_member, settings):
    settings.AXES_FAILURE_LIMIT = FAILURE_LIMIT
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = make_member("get-lost")
    user.set_password(PASSWORD)  # Argon2, which node two checks
    user.save()
    cache.clear()
    wrong = {"username": user.email, "password": "not the password at all"}
    assert client.post("/accounts/login/", wrong, REMOTE_ADDR="10.9.0.1").status_code == 200
    two = node_two.ask(
        kind="login", email=user.email, password=wrong["password"], address="10.9.0.2"
    )
    assert two["status"] == 200
    # The third failure, back on node one, reaches the limit counted across both nodes.
    assert client.post("/accounts/login/", wrong, REMOTE_ADDR="10.9.0.3").status_code == 429
    # Now even the right password is refused on node two.
    right = node_two.ask(kind="login", email=user.email, password=PASSWORD, address="10.9.0.4")
    assert right["status"] == 429
    cache.clear()


def test_an_authenticator_code_used_on_one_node_is_refused_on_the_other(node_two, make_member):
    user = make_member("get-lost", totp=False)
    totp_device(user, TOTP_KEY)
    code = f"{TOTP(TOTP_KEY).token():06d}"
    assert second_factor_verify(user=user, code=code).device is not None
    assert node_two.ask(kind="otp", user=str(user.pk), code=code) == {"accepted": False}
    # And the other way round, with a device node one has not used yet.
    other = make_member("get-lost", totp=False)
    totp_device(other, TOTP_KEY)
    assert node_two.ask(kind="otp", user=str(other.pk), code=code) == {"accepted": True}
    assert second_factor_verify(user=other, code=code).device is None
