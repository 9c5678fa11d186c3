"""The deploy/ files, checked without running them: the Compose file against the Compose
specification, and the promises the systemd units and the nginx site make."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "debian").glob("waypoint-*.service"))
SITE = DEPLOY / "debian" / "nginx" / "waypoint.conf"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def validate_compose(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_file_follows_the_compose_specification():
    result = validate_compose(DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_would_notice_a_broken_compose_file(tmp_path):
    broken = tmp_path / "compose.yaml"
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("    restart: unless-stopped\n", "    restart: [1]\n", 1))
    result = validate_compose(broken)
    assert result.returncode != 0


def test_compose_keeps_secrets_out_of_the_environment():
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"):
        assert f"{name}_FILE: /run/secrets/" in text
        assert not re.search(rf"^\s+{name}:", text, re.MULTILINE)
    assert "appendonly yes" in (DEPLOY / "compose" / "make-secrets.sh").read_text()


def test_the_image_is_built_from_the_lock_and_runs_unprivileged():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes" in text
    assert "requirements.lock" in text
    assert re.search(r"^USER 10001", text, re.MULTILINE)


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_units_are_hardened_and_read_secrets_through_credentials(unit):
    text = unit.read_text(encoding="utf-8")
    for line in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "User=waypoint",
        "Environment=WAYPOINT_ENV=production",
    ):
        assert line in text, line
    for name, credential in (
        ("SECRET_KEY", "secret_key"),
        ("DATABASE_URL", "database_url"),
        ("REDIS_URL", "redis_url"),
        ("EMAIL_URL", "email_url"),
    ):
        assert f"LoadCredential={credential}:" in text
        assert f"Environment={name}_FILE=%d/{credential}" in text
    # Only the state folder is writable, and the audit checkpoints for the worker alone.
    writable = ["/var/lib/waypoint"]
    if unit.name == "waypoint-worker.service":
        writable = ["/var/lib/waypoint /var/lib/waypoint-checkpoints"]
    assert re.findall(r"^ReadWritePaths=(.*)$", text, re.MULTILINE) == writable


CHECKPOINTS = "/var/lib/waypoint-checkpoints"


def test_audit_checkpoints_have_a_folder_of_their_own_outside_the_database():
    env = (DEPLOY / "debian" / "waypoint.env").read_text(encoding="utf-8")
    assert f"\nWAYPOINT_CHECKPOINT_DIR={CHECKPOINTS}\n" in env
    worker = (DEPLOY / "debian" / "waypoint-worker.service").read_text(encoding="utf-8")
    assert "\nStateDirectory=waypoint waypoint-checkpoints\n" in worker
    install = (DEPLOY / "debian" / "install.sh").read_text(encoding="utf-8")
    assert f"CHECKPOINTS={CHECKPOINTS}\n" in install
    assert "waypoint-manage audit_checkpoint --store" in install
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert f"WAYPOINT_CHECKPOINT_DIR: {CHECKPOINTS}\n" in compose
    assert compose.count(f"- waypoint-checkpoints:{CHECKPOINTS}\n") == 2  # services, manage
    assert "\n  waypoint-checkpoints: {}\n" in compose
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert CHECKPOINTS in dockerfile  # created for uid 10001, so the volume starts as its own


def test_three_units():
    assert [unit.name for unit in UNITS] == [
        "waypoint-beat.service",
        "waypoint-web.service",
        "waypoint-worker.service",
    ]


def test_nginx_allows_uploads_up_to_the_applications_limit_and_not_far_beyond():
    text = SITE.read_text(encoding="utf-8")
    sizes = re.findall(r"client_max_body_size (\d+)m;", text)
    assert sizes == ["26"]
    limit_mib = settings.WAYPOINT_UPLOAD_MAX_BYTES / (1024 * 1024)
    assert limit_mib <= int(sizes[0]) <= limit_mib + 1


def test_nginx_speaks_only_tls_12_and_13_and_sends_hsts():
    text = SITE.read_text(encoding="utf-8")
    assert re.findall(r"ssl_protocols (.*);", text) == ["TLSv1.2 TLSv1.3"]
    assert 'Strict-Transport-Security "max-age=63072000; includeSubDomains; preload"' in text


def test_nginx_access_log_keeps_no_path_query_or_address():
    text = SITE.read_text(encoding="utf-8")
    log_format = re.search(r"log_format waypoint_private (.*?);", text, re.DOTALL)
    assert log_format is not None
    fields = set(re.findall(r"\$\w+", log_format.group(1)))
    assert fields.isdisjoint(
        {"$request", "$request_uri", "$uri", "$args", "$query_string", "$remote_addr"}
    )
    assert (
        re.findall(r"access_log (\S+) (\S+);", text)
        == [("/var/log/nginx/waypoint.access.log", "waypoint_private")] * 2
    )


def test_nginx_replaces_forwarded_headers_instead_of_appending():
    text = SITE.read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "$proxy_add_x_forwarded_for" not in text
