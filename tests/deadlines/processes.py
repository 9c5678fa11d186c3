"""Real processes for the reminder tests: an aiosmtpd SMTP sink in a thread and Celery worker
subprocesses on the test's own database and Redis. Each is stopped by its own pid/handle."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """Records every message; ``stall`` holds a session at RCPT (the client waits mid-send)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.recipients: list[str] = []
        self.stall = threading.Event()
        self.stalled = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        while self.stall.is_set():
            self.stalled.set()
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.messages.append(bytes(envelope.content))
            self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted"

    def parsed(self):
        return [message_from_bytes(raw) for raw in self.messages]

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.messages) >= count:
                return True
            time.sleep(0.05)
        return len(self.messages) >= count


class SmtpServer:
    def __init__(self, sink: Sink, port: int) -> None:
        self.controller = Controller(sink, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    auth = quote(db.get("USER") or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class Worker:
    """``celery worker`` on the test database, started and stopped by its own pid."""

    def __init__(self, *, name: str, smtp_port: int, extra_env: dict[str, str] | None = None):
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": database_url(),
                "REDIS_URL": settings.REDIS_URL,
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                "SECRET_KEY": settings.SECRET_KEY,
                "WAYPOINT_KEYRING": settings.WAYPOINT_KEYRING,
                "WAYPOINT_EMAIL_RETRY_BASE": "1",
                "WAYPOINT_EMAIL_RETRY_MAX": "2",
                "WAYPOINT_BROKER_VISIBILITY_TIMEOUT": "3",
            }
        )
        env.update(extra_env or {})
        env.pop("DATABASE_URL_FILE", None)
        self.args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"{name}-{os.getpid()}@localhost",
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env)
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def redis_available() -> bool:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def purge_queue() -> None:
    from config.celery import app

    app.control.purge()
