"""The typed environment helpers behind config/settings.py."""

from __future__ import annotations

import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env


@pytest.fixture
def missing(monkeypatch):
    """A fresh MISSING list, so that these tests do not touch the one settings was built with."""
    fresh: list[str] = []
    monkeypatch.setattr(env, "MISSING", fresh)
    return fresh


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("WP_TEST_FLAG", raw)
    assert env.env_bool("WP_TEST_FLAG") is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("WP_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="WP_TEST_FLAG must be true or false"):
        env.env_bool("WP_TEST_FLAG")


def test_env_int_refuses_a_word(monkeypatch):
    monkeypatch.setenv("WP_TEST_NUMBER", "sixty")
    with pytest.raises(ImproperlyConfigured, match="WP_TEST_NUMBER must be a whole number"):
        env.env_int("WP_TEST_NUMBER", 60)
    monkeypatch.setenv("WP_TEST_NUMBER", "")
    assert env.env_int("WP_TEST_NUMBER", 60) == 60


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("WP_TEST_LIST", " a.example , ,b.example,")
    assert env.env_list("WP_TEST_LIST") == ["a.example", "b.example"]


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-value\n", encoding="utf-8")
    monkeypatch.delenv("WP_TEST_SECRET", raising=False)
    monkeypatch.setenv("WP_TEST_SECRET_FILE", str(secret))
    assert env.env_secret("WP_TEST_SECRET") == "s3cret-value"


def test_a_secret_set_twice_is_refused(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("WP_TEST_SECRET", "from-env")
    monkeypatch.setenv("WP_TEST_SECRET_FILE", str(secret))
    with pytest.raises(ImproperlyConfigured) as caught:
        env.env_secret("WP_TEST_SECRET")
    assert str(caught.value) == "Set WP_TEST_SECRET or WP_TEST_SECRET_FILE, not both"


def test_an_unreadable_secret_file_is_named_without_a_value(monkeypatch, tmp_path):
    monkeypatch.delenv("WP_TEST_SECRET", raising=False)
    monkeypatch.setenv("WP_TEST_SECRET_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match=r"WP_TEST_SECRET_FILE: cannot read .*absent"):
        env.env_secret("WP_TEST_SECRET")


def test_dev_mode_generates_a_secret_once_with_mode_0600(monkeypatch, tmp_path, missing):
    monkeypatch.delenv("WP_TEST_SECRET", raising=False)
    monkeypatch.delenv("WP_TEST_SECRET_FILE", raising=False)
    target = tmp_path / "var" / "secret"
    values = iter(["first", "second"])
    first = env.required_secret("WP_TEST_SECRET", dev_file=target, generate=lambda: next(values))
    again = env.required_secret("WP_TEST_SECRET", dev_file=target, generate=lambda: next(values))
    assert first == again == "first"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert missing == []


def test_production_records_a_missing_secret_by_name(monkeypatch, missing):
    monkeypatch.delenv("WP_TEST_SECRET", raising=False)
    monkeypatch.delenv("WP_TEST_SECRET_FILE", raising=False)
    value = env.required_secret("WP_TEST_SECRET", dev_file=None, generate=lambda: "unused")
    assert value == ""
    assert missing == ["WP_TEST_SECRET"]


def test_an_environment_value_wins_over_the_dev_file(monkeypatch, tmp_path, missing):
    monkeypatch.setenv("WP_TEST_SECRET", "from-env")
    target = tmp_path / "secret"
    assert env.required_secret("WP_TEST_SECRET", dev_file=target, generate=lambda: "x") == (
        "from-env"
    )
    assert not target.exists()


# Every form of EMAIL_URL the settings accept, and what each stands for. The password is
# percent-decoded; STARTTLS only on the submission port; implicit TLS only with smtps.
SMTP = env.SMTP_BACKEND
EMAIL_URLS = [
    ("console:", env.EmailSettings(backend=env.CONSOLE_BACKEND)),
    ("console://", env.EmailSettings(backend=env.CONSOLE_BACKEND)),
    ("memory:", env.EmailSettings(backend=env.MEMORY_BACKEND)),
    ("locmem:", env.EmailSettings(backend=env.MEMORY_BACKEND)),
    ("smtp://mail.example.org", env.EmailSettings(SMTP, "mail.example.org", 25, timeout=20)),
    ("smtp://127.0.0.1:1025", env.EmailSettings(SMTP, "127.0.0.1", 1025, timeout=20)),
    (
        "smtp://mailer:s%40cret%2F1@mail.example.org:587",
        env.EmailSettings(SMTP, "mail.example.org", 587, "mailer", "s@cret/1", True, False, 20),
    ),
    (
        "smtp://mailer%40example.org:pw@mail.example.org:25",
        env.EmailSettings(SMTP, "mail.example.org", 25, "mailer@example.org", "pw", timeout=20),
    ),
    (
        "smtps://mailer:pw@mail.example.org",
        env.EmailSettings(SMTP, "mail.example.org", 465, "mailer", "pw", False, True, 20),
    ),
    (
        "smtps://mail.example.org:2465",
        env.EmailSettings(SMTP, "mail.example.org", 2465, use_ssl=True, timeout=20),
    ),
    ("smtp://[::1]:587", env.EmailSettings(SMTP, "::1", 587, use_tls=True, timeout=20)),
]


@pytest.mark.parametrize(("url", "expected"), EMAIL_URLS, ids=[url for url, _ in EMAIL_URLS])
def test_email_url_stands_for_these_settings(url, expected):
    assert env.email_settings(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "mail.example.org",
        "smtp://",
        "smtp://:587",
        "submission://mailer:pw@mail.example.org",
        "smtp+tls://mail.example.org",
        "http://mail.example.org",
        "file:///tmp/mail",
        "dummy:",
        "",
    ],
)
def test_any_other_email_url_is_refused_without_echoing_it(url):
    with pytest.raises(ImproperlyConfigured) as caught:
        env.email_settings(url)
    assert str(caught.value) == env.ERR_EMAIL_URL


def test_an_email_url_with_a_bad_port_is_refused_without_echoing_it():
    with pytest.raises(ImproperlyConfigured) as caught:
        env.email_settings("smtp://mailer:topsecret@mail.example.org:99999")
    assert str(caught.value) == "EMAIL_URL has an invalid port"


def test_the_email_password_stays_out_of_reprs():
    assert "topsecret" not in repr(env.email_settings("smtps://u:topsecret@mail.example.org"))


def test_env_words_reads_a_list_or_an_age_recipients_file(monkeypatch, tmp_path):
    monkeypatch.setenv("WP_TEST_KEYS", "age1one, age1two age1three")
    assert env.env_words("WP_TEST_KEYS") == ["age1one", "age1two", "age1three"]
    recipients = tmp_path / "recipients.txt"
    recipients.write_text("# office\nage1one\n\nage1two  # laptop\n", encoding="utf-8")
    monkeypatch.delenv("WP_TEST_KEYS")
    monkeypatch.setenv("WP_TEST_KEYS_FILE", str(recipients))
    assert env.env_words("WP_TEST_KEYS") == ["age1one", "age1two"]
    monkeypatch.delenv("WP_TEST_KEYS_FILE")
    assert env.env_words("WP_TEST_KEYS") == []
