"""The nginx site of deploy/debian, as `make deploy-test` derives it, passes `nginx -t`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")


@pytest.fixture
def stack(tmp_path):
    sys.path.insert(0, str(ROOT / "deploy" / "test"))
    try:
        from stack import Stack
    finally:
        sys.path.remove(str(ROOT / "deploy" / "test"))
    for folder in ("nginx", "static"):
        (tmp_path / folder).mkdir()
    stack = Stack(tmp_path, db_prefix="unused", redis_url="redis://127.0.0.1:6379/15")
    stack.self_signed_certificate()
    return stack


def nginx_test(stack, config: str) -> subprocess.CompletedProcess[str]:
    conf = stack.work / "nginx" / "nginx.conf"
    conf.write_text(config, encoding="utf-8")
    prefix = f"{stack.work}/nginx/"
    return subprocess.run(
        [str(NGINX), "-t", "-p", prefix, "-e", prefix + "error.log", "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_derived_site_passes_nginx_t(stack):
    require_service("nginx", NGINX.exists(), "apt-get install nginx")
    result = nginx_test(stack, stack.nginx_config())
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_t_would_notice_a_broken_site(stack):
    require_service("nginx", NGINX.exists(), "apt-get install nginx")
    broken = stack.nginx_config().replace("ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols;", 1)
    assert nginx_test(stack, broken).returncode != 0
