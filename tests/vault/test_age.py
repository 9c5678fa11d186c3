"""Files encrypted to a partner's age public key."""

from __future__ import annotations

import pyrage
import pytest

from vault.age import AgeKeyError, age_recipient, encrypt_to


def test_only_the_recipients_identity_opens_the_file():
    identity = pyrage.x25519.Identity.generate()
    other = pyrage.x25519.Identity.generate()
    sealed = encrypt_to(age_recipient(f"  {identity.to_public()}\n"), b"dossier")
    assert b"dossier" not in sealed
    assert pyrage.decrypt(sealed, [identity]) == b"dossier"
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(sealed, [other])


@pytest.mark.parametrize("key", ["", "age1notakey", "ssh-ed25519 AAAA", "AGE-SECRET-KEY-1X"])
def test_anything_but_a_public_key_is_refused(key):
    with pytest.raises(AgeKeyError):
        age_recipient(key)
