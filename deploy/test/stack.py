"""The throwaway production stack of `make deploy-test`: files, database, processes.

Everything lives in one temporary folder; every process is started here, recorded by pid
(also in WORK/pids, for the shell wrapper's trap) and stopped by that pid at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SITE = ROOT / "deploy" / "debian" / "nginx" / "waypoint.conf"
UNITS = sorted((ROOT / "deploy" / "debian").glob("waypoint-*.service"))
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qtA"]
# Variables of the caller's shell that would override the files written here.
SCRUB = ("SECRET_KEY", "WAYPOINT_KEYRING", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say(message: str) -> None:
    print(f"deploy-test: {message}", flush=True)


class Stack:
    def __init__(self, work: Path, *, db_prefix: str, redis_url: str) -> None:
        self.work = work
        self.suffix = secrets.token_hex(3)
        self.db = f"{db_prefix}_{self.suffix}"
        self.owner = f"{db_prefix}_owner_{self.suffix}"
        self.runtime = f"{db_prefix}_app_{self.suffix}"
        self.redis_url = redis_url
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ports = {name: free_port() for name in ("http", "https", "a", "b", "smtp", "na", "nb")}
        self.base = f"https://127.0.0.1:{self.ports['https']}"
        self.secrets = work / "credentials"
        self.cert = work / "tls" / "cert.pem"
        self.runtime_role_used = False

    # --- files ---------------------------------------------------------------------------
    def write_secrets(self) -> None:
        self.secrets.mkdir(mode=0o700)
        (self.work / "keyring").mkdir(mode=0o700)
        files = {
            "secret_key": secrets.token_urlsafe(50),
            "database_url": f"postgres://{self.owner}:{self.password}@127.0.0.1:5432/{self.db}",
            "redis_url": self.redis_url,
            "email_url": f"smtp://127.0.0.1:{self.ports['smtp']}",
        }
        for name, value in files.items():
            path = self.secrets / name
            path.write_text(value + "\n", encoding="utf-8")
            path.chmod(0o600)
        ring = self.run_manage("generate_keyring", env=self.env(keyring=False)).stdout
        keyring = self.work / "keyring" / "keyring.json"
        keyring.write_text(ring, encoding="utf-8")
        keyring.chmod(0o600)

    def self_signed_certificate(self) -> None:
        self.cert.parent.mkdir(mode=0o700)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
             "subjectAltName=IP:127.0.0.1", "-keyout", str(self.cert.parent / "key.pem"),
             "-out", str(self.cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def env(self, *, keyring: bool = True, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in SCRUB}
        env.update(
            WAYPOINT_ENV="production",
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY_FILE=str(self.secrets / "secret_key"),
            DATABASE_URL_FILE=str(self.secrets / "database_url"),
            REDIS_URL_FILE=str(self.secrets / "redis_url"),
            EMAIL_URL_FILE=str(self.secrets / "email_url"),
            WAYPOINT_KEYRING_FILE=str(self.work / "keyring" / "keyring.json"),
            WAYPOINT_VAR_DIR=str(self.work / "var"),
            WAYPOINT_CHECKPOINT_DIR=str(self.work / "checkpoints"),
            WAYPOINT_STATIC_ROOT=str(self.work / "static"),
            ALLOWED_HOSTS="127.0.0.1",
            WAYPOINT_BASE_URL=self.base,
            WAYPOINT_TRUSTED_PROXIES="127.0.0.1",
            DEFAULT_FROM_EMAIL="Waypoint <no-reply@waypoint.test>",
            WAYPOINT_LOGIN_FAILURE_LIMIT="4",
            PYTHONUNBUFFERED="1",
        )
        if not keyring:
            env.pop("WAYPOINT_KEYRING_FILE")
            env.update(WAYPOINT_ENV="dev", WAYPOINT_VAR_DIR=str(self.work / "keygen"))
        env.update(extra)
        return env

    # --- database ------------------------------------------------------------------------
    def create_database(self) -> None:
        self.password = secrets.token_hex(16)
        self.psql(f"CREATE ROLE {self.owner} LOGIN PASSWORD '{self.password}'")
        self.psql(f"CREATE DATABASE {self.db} OWNER {self.owner}")

    def drop_database(self) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)", check=False)
        self.psql(f"DROP ROLE IF EXISTS {self.runtime}", check=False)
        self.psql(f"DROP ROLE IF EXISTS {self.owner}", check=False)

    def use_runtime_role(self) -> bool:
        """After migrating as the owner, the services connect as a role that may only read
        and write rows (`manage.py grant_runtime_role ROLE`), when the command exists."""
        if self.run_manage("help", "grant_runtime_role", check=False).returncode:
            return False
        password = secrets.token_hex(16)
        self.psql(f"CREATE ROLE {self.runtime} LOGIN PASSWORD '{password}'")
        self.run_manage("grant_runtime_role", self.runtime)
        url = f"postgres://{self.runtime}:{password}@127.0.0.1:5432/{self.db}"
        (self.secrets / "database_url").write_text(url + "\n", encoding="utf-8")
        self.runtime_role_used = True
        return True

    def psql(self, sql: str, *, check: bool = True) -> str:
        result = subprocess.run(
            [*PSQL, "-c", sql], capture_output=True, text=True, timeout=60, check=False
        )
        if check and result.returncode:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    # --- commands and processes ----------------------------------------------------------
    def run_manage(
        self, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=env or self.env(), capture_output=True, text=True, timeout=600,
            check=False,
        )  # fmt: skip
        if check and result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")
        return result

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.work / "logs" / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env or self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.procs[name] = process
        with (self.work / "pids").open("a", encoding="utf-8") as pids:
            pids.write(f"{process.pid}\n")
        say(f"started {name} (pid {process.pid})")

    def alive(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def stop(self, name: str) -> None:
        process = self.procs.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # Its own session (start_new_session): the group is this process's children.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        say(f"stopped {name} (pid {process.pid})")

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)

    def log(self, name: str) -> str:
        path = self.work / "logs" / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # --- nginx ---------------------------------------------------------------------------
    def nginx_config(self) -> str:
        """deploy/debian/nginx/waypoint.conf on loopback high ports, with a certificate and
        folders of this run, and two more HTTPS ports that reach one node each."""
        site = SITE.read_text(encoding="utf-8")
        p, ngx = self.ports, self.work / "nginx"
        head, https = site.split("\nserver {\n    listen 443", 1)
        https = "server {\n    listen 443" + https
        nodes = f"server 127.0.0.1:{p['na']};\n    server 127.0.0.1:{p['nb']};"
        head = replace(head, "server 127.0.0.1:8000;  # waypoint-web (WAYPOINT_BIND)", nodes)
        head = replace(head, "listen 80;\n    listen [::]:80;", f"listen 127.0.0.1:{p['http']};")
        head = replace(head, "https://$host$request_uri", f"https://$host:{p['https']}$request_uri")
        https = replace(
            https,
            "listen 443 ssl http2;\n    listen [::]:443 ssl http2;",
            "listen 127.0.0.1:PORT ssl http2;",
        )
        live = "/etc/letsencrypt/live/waypoint.example.org/"
        https = replace(https, live + "fullchain.pem", str(self.cert))
        https = replace(https, live + "privkey.pem", str(self.cert.parent / "key.pem"))
        https = replace(https, "alias /opt/waypoint/staticfiles/;", f"alias {self.work}/static/;")
        servers = [https.replace("PORT", str(p["https"]))]
        for node in ("a", "b"):
            one = https.replace("PORT", str(p[node]))
            one = replace(one, "proxy_pass http://waypoint_web;", f"proxy_pass http://node_{node};")
            servers.append(one)
            head += f"\nupstream node_{node} {{\n    server 127.0.0.1:{p['n' + node]};\n}}\n"
        site = (head + "\n" + "\n".join(servers)).replace("waypoint.example.org", "127.0.0.1")
        site = site.replace("/var/log/nginx/", f"{ngx}/")
        kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        temp = "\n".join(f"    {kind}_temp_path {ngx}/{kind};" for kind in kinds)
        return (
            f"daemon off;\nworker_processes 1;\npid {ngx}/nginx.pid;\n"
            f"error_log {ngx}/error.log warn;\nevents {{ worker_connections 256; }}\n"
            "http {\n    include /etc/nginx/mime.types;\n"
            f"    default_type application/octet-stream;\n{temp}\n{site}\n}}\n"
        )


def replace(text: str, old: str, new: str) -> str:
    """str.replace that fails loudly when the site file no longer holds ``old``."""
    if old not in text:
        raise RuntimeError(f"deploy/debian/nginx/waypoint.conf no longer contains {old!r}")
    return text.replace(old, new)


def render_units(target: Path) -> list[Path]:
    """The systemd units with this checkout's paths, for `systemd-analyze verify`."""
    target.mkdir(exist_ok=True)
    rendered = []
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        text = text.replace("/opt/waypoint/.venv/bin/", f"{BIN}/")
        text = re.sub(r"/opt/waypoint\b", str(ROOT), text)
        path = target / unit.name
        path.write_text(text, encoding="utf-8")
        rendered.append(path)
    return rendered
