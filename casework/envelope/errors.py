"""The envelope's errors. Their messages are fixed and say nothing about the data; what failed
is logged with ids only (``security_event``)."""

from __future__ import annotations

import logging
from typing import Any

security_log = logging.getLogger("waypoint.security")


class SealedDataError(Exception):
    """Base of the envelope's errors."""


class SealedDataUnreadable(SealedDataError):
    """Sealed data failed to open (tampered, moved, corrupted or a key is missing).

    The message is fixed and says nothing about the data."""

    def __init__(self) -> None:
        super().__init__("sealed case data could not be opened")


class KeyRefused(SealedDataError):
    """The acting user holds no grant for the section: its key is not unwrapped."""

    def __init__(self, section: str) -> None:
        self.section = section
        super().__init__(f"no grant for section {section}")


class SectionShredded(SealedDataError):
    """The section's data key was destroyed: its content is gone for good."""

    def __init__(self, section: str) -> None:
        self.section = section
        super().__init__(f"section {section} was shredded")


def security_event(reason: str, **ids: Any) -> None:
    """Logs a refused opening with ids only (never values, never bytes)."""
    detail = " ".join(f"{name}={value}" for name, value in sorted(ids.items()))
    security_log.error("casework.sealed_data_rejected reason=%s %s", reason, detail)
