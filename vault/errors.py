"""The vault's configuration error (its own module, so that every vault module can raise it)."""


class KeyringError(Exception):
    """The keyring is missing or malformed. The message never contains key material."""
