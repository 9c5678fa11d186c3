"""Encryption to someone else's age public key (https://age-encryption.org), for files that
leave the system for a partner. Holds no key material of ours: only the recipient's public
key, and the file key age draws for each message."""

from __future__ import annotations

import pyrage


class AgeKeyError(ValueError):
    """Not an age X25519 public key (``age1...``)."""

    def __init__(self) -> None:
        super().__init__("not an age public key")


def age_recipient(key: str) -> pyrage.x25519.Recipient:
    """The parsed public key; AgeKeyError when ``key`` is not one."""
    try:
        return pyrage.x25519.Recipient.from_str(key.strip())
    except pyrage.RecipientError:
        raise AgeKeyError from None


def encrypt_to(recipient: pyrage.x25519.Recipient, data: bytes) -> bytes:
    """``data`` as an age file that only the holder of the recipient's identity opens."""
    return pyrage.encrypt(data, [recipient])
