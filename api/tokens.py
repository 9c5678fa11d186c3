"""The form of a token and its digest. A token reads ``wpp_<key id>_<secret>`` (personal) or
``wpi_<key id>_<secret>`` (intake): the key id (12 hex digits) finds the row, the secret
(32 random bytes, URL-safe base64) is stored only as a SHA-256 digest bound to the key id.
A 256-bit random secret needs no slow hash: nobody can guess it, so the digest only has to
make a leaked table useless."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIXES = {"personal": "wpp", "intake": "wpi"}
TOKEN_RE = re.compile(r"(wpp|wpi)_([0-9a-f]{12})_([A-Za-z0-9_\-]{43})")


@dataclass(frozen=True)
class Parsed:
    kind: str
    key_id: str
    secret: str


def digest(key_id: str, secret: str) -> str:
    return hashlib.sha256(f"{key_id}:{secret}".encode()).hexdigest()


def new_token(kind: str) -> tuple[str, str, str]:
    """(the token to show once, its key id, its digest)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{PREFIXES[kind]}_{key_id}_{secret}", key_id, digest(key_id, secret)


def parse(raw: str) -> Parsed | None:
    """The parts of a well-formed token, else None (nothing is looked up for garbage)."""
    match = TOKEN_RE.fullmatch(raw.strip())
    if match is None:
        return None
    prefix, key_id, secret = match.groups()
    kind = "personal" if prefix == "wpp" else "intake"
    return Parsed(kind=kind, key_id=key_id, secret=secret)


def matches(parsed: Parsed, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(parsed.key_id, parsed.secret), stored_digest)
