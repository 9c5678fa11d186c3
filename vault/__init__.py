"""The only code that holds key material. Knows nothing of cases or users.

Public API:
    seal(plaintext, *, aad) / open(ciphertext, *, aad)  -- under the keyring's key-encryption keys
    seal_with_key(key, plaintext, *, aad) / open_with_key(key, ciphertext, *, aad)  -- data keys
    new_data_key()                 -- a random 256-bit data key
    DataKey(key)                   -- a data key prepared for many seals/opens in one request:
                                      .seal(plaintext, aad) / .open(ciphertext, aad);
                                      .seal_bound / .open_bound take bind_aad(aad), built
                                      once for many values of the same row and field
    blind_index(purpose, data, *, length=16)  -- truncated HMAC-SHA256 under a sub-key derived
                                      for ``purpose`` (the sub-key never leaves the vault)
    signing_key() / verify_key()   -- Ed25519 key pair for signed audit checkpoints
    key_id_of(sealed)              -- the id of the key-encryption key that sealed a value
    current_key_id() / key_ids()   -- the sealing key's id, and every id this process holds
    DecryptionError                -- raised on every failure to open; never says why
    vault.age.encrypt_to(...)      -- files encrypted to a partner's age public key
    vault.rotation                 -- the keyring file: add_key, make_current, retire,
                                      reload_keyring (see that module)
    vault.loading                  -- get_keyring() follows the keyring file while the
                                      process runs (on change, SIGHUP, an unknown key id)
    vault.locks                    -- the database lock that makes retiring a key safe
"""

from vault.aead import (
    DataKey,
    DecryptionError,
    bind_aad,
    key_id_of,
    new_data_key,
    open,  # noqa: A004 - the vault's own verb
    open_with_key,
    seal,
    seal_with_key,
)
from vault.keyring import (
    KeyringError,
    blind_index,
    current_key_id,
    get_keyring,
    key_ids,
    signing_key,
    verify_key,
)

__all__ = [
    "DataKey",
    "DecryptionError",
    "KeyringError",
    "bind_aad",
    "blind_index",
    "current_key_id",
    "get_keyring",
    "key_id_of",
    "key_ids",
    "new_data_key",
    "open",
    "open_with_key",
    "seal",
    "seal_with_key",
    "signing_key",
    "verify_key",
]
