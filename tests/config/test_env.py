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
