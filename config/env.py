"""Typed helpers that read settings from the environment.

Every secret can also come from ``NAME_FILE`` (a Docker or Kubernetes secret). A malformed
value raises at start; a missing required secret is collected in ``MISSING`` so that a system
check can name it (``accounts.E001``) instead of crashing later.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

MISSING: list[str] = []


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str:
    """The value of NAME, or the contents of the file named by NAME_FILE, or ""."""
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    return value.strip()


def env_words(name: str) -> list[str]:
    """env_secret(name) split on commas, spaces and lines; ``#`` starts a comment (an age
    recipients file reads as its keys)."""
    lines = env_secret(name).splitlines()
    return [word for line in lines for word in line.split("#", 1)[0].replace(",", " ").split()]


def required_secret(name: str, *, dev_file: Path | None, generate: Callable[[], str]) -> str:
    """A secret that production must provide; dev mode generates and keeps it in ``var/``.

    In production a missing value is recorded in MISSING (reported by a system check) and a
    throwaway value is returned so that the process can start far enough to report it.
    """
    value = env_secret(name)
    if value:
        return value
    if dev_file is not None:
        dev_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not dev_file.exists():
            fd = os.open(dev_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(generate())
        return dev_file.read_text(encoding="utf-8").strip()
    MISSING.append(name)
    return ""


def random_secret_key() -> str:
    return secrets.token_urlsafe(50)


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
MEMORY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ERR_EMAIL_URL = "EMAIL_URL must look like smtp://user:pass@host:587 or console:"


@dataclass(frozen=True)
class EmailSettings:
    """The EMAIL_* settings one EMAIL_URL stands for. The defaults are Django's own."""

    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = field(default="", repr=False)
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int | None = None


def email_settings(url: str) -> EmailSettings:
    """EMAIL_URL: ``smtp://user:pass@host:587`` (STARTTLS on port 587, plain on any other
    port; 25 when none is given), ``smtps://user:pass@host[:465]`` (implicit TLS),
    ``console:`` (prints), ``memory:`` or ``locmem:`` (tests). Anything else is refused
    without echoing the URL, which may hold a password."""
    if url in {"console:", "console://"}:
        return EmailSettings(backend=CONSOLE_BACKEND)
    if url in {"memory:", "locmem:"}:
        return EmailSettings(backend=MEMORY_BACKEND)
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured(ERR_EMAIL_URL)
    try:
        port = parts.port or (465 if scheme == "smtps" else 25)
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has an invalid port") from None
    return EmailSettings(
        backend=SMTP_BACKEND,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_ssl=scheme == "smtps",
        use_tls=scheme == "smtp" and port == 587,
        timeout=20,
    )
