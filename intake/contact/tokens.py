"""Tokens in hidden fields, so the contact page needs no cookie.

Why not Django's CSRF protection: it keeps its secret in a cookie (or the session), and the
contact page sets no cookie before a message is sent (a cookie is a trace on a phone that may
be searched, and a way to link visits). Nothing on these pages is authorised by something
the browser sends on its own (no cookie, no session, no sign-in): a forged cross-site POST
could do only what its author can do by posting directly. What the token still gives:

* a form token (``form_token_new``) is signed with SECRET_KEY and expires after
  WAYPOINT_CONTACT_FORM_MAX_AGE seconds, so a POST needs a form this site served recently; it
  is spent once (``form_token_spend``, a cache entry that lives as long as the token could),
  so a form sent twice (a reload, a replay) opens one intake, not two;
* a follow-up token (``followup_token_new``) carries the phrase's digest sealed by the vault
  (AES-GCM under the current key-encryption key), signed and short-lived, so the answers page
  can offer a reply box without putting the phrase itself into the page or a URL.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from vault import aead

FORM_SALT = "intake.contact.form"
FOLLOWUP_SALT = "intake.contact.followup"
FOLLOWUP_AAD = b"intake.contact.followup-token"
SPENT_PREFIX = "contact:spent:"


def _signer(salt: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=salt)


def form_token_new() -> str:
    return _signer(FORM_SALT).sign(secrets.token_urlsafe(18))


def form_token_valid(token: str) -> bool:
    """True when the token was signed here and is not older than the configured age."""
    try:
        _signer(FORM_SALT).unsign(token, max_age=settings.WAYPOINT_CONTACT_FORM_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return False
    return True


def form_token_spend(token: str) -> bool:
    """Marks a valid token used; False when it is not valid or was already used. One cache
    round trip (an atomic add). The cache key is a hash: the token itself is not stored."""
    if not form_token_valid(token):
        return False
    key = SPENT_PREFIX + hashlib.sha256(token.encode()).hexdigest()
    return cache.add(key, 1, timeout=settings.WAYPOINT_CONTACT_FORM_MAX_AGE + 60)


def form_token_unspend(token: str) -> None:
    """Gives a token back when nothing was saved (bad input found late), so the person can
    correct the form and send it again."""
    cache.delete(SPENT_PREFIX + hashlib.sha256(token.encode()).hexdigest())


def followup_token_new(digest: bytes) -> str:
    sealed = aead.seal(digest, aad=FOLLOWUP_AAD)
    return _signer(FOLLOWUP_SALT).sign(base64.urlsafe_b64encode(sealed).decode())


def followup_token_digest(token: str) -> bytes | None:
    """The phrase digest the token carries, or None when it is forged, damaged or expired."""
    try:
        value = _signer(FOLLOWUP_SALT).unsign(
            token, max_age=settings.WAYPOINT_CONTACT_FOLLOWUP_MAX_AGE
        )
        return aead.open(base64.urlsafe_b64decode(value.encode()), aad=FOLLOWUP_AAD)
    except (signing.BadSignature, ValueError, aead.DecryptionError):
        return None
