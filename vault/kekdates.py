"""The dates a keyring keeps for each key-encryption key (KEK): when it was added, when it
began and stopped sealing, when it is to be retired, and, for a retired one, when it was.

They let an operator and the case pages say exactly when a backup made before a shredding
stops being readable: a backup's wrapped data keys open with the KEKs that sealed while it was
made, and once all of those are retired, nothing can open them. None of these dates is secret;
they are kept in the keyring file beside the keys (no key bytes in them)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from vault.errors import KeyringError

_DATETIMES = ("added_at", "activated_at", "sealed_until", "retired_at")


@dataclass(frozen=True)
class KekDates:
    added_at: datetime | None = None
    activated_at: datetime | None = None  # began to seal
    sealed_until: datetime | None = None  # another KEK began to seal
    retire_on: date | None = None  # planned: the backups made while it sealed have expired
    retired_at: datetime | None = None

    def with_(self, **changes: Any) -> KekDates:
        return replace(self, **changes)

    def to_json(self) -> dict[str, str]:
        out = {name: getattr(self, name).isoformat() for name in _DATETIMES if getattr(self, name)}
        if self.retire_on is not None:
            out["retire_on"] = self.retire_on.isoformat()
        return out


def dates_from_json(entry: dict[str, Any], where: str) -> KekDates:
    """The dates of one keyring entry (absent ones are None). KeyringError if malformed."""
    values: dict[str, Any] = {}
    for name in (*_DATETIMES, "retire_on"):
        raw = entry.get(name)
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise KeyringError(f"{where}.{name} must be an ISO date")
        try:
            values[name] = (
                date.fromisoformat(raw) if name == "retire_on" else datetime.fromisoformat(raw)
            )
        except ValueError:
            raise KeyringError(f"{where}.{name} must be an ISO date") from None
        if name != "retire_on" and values[name].tzinfo is None:
            raise KeyringError(f"{where}.{name} must carry a time zone")
    return KekDates(**values)
