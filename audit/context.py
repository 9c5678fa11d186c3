"""Request-scoped context for audit events: the request id and the actor's organisation.

Set by middleware (and by tasks for their own runs); read by ``audit.services.record``.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("audit_request_id", default="")
organisation_id: ContextVar[str] = ContextVar("audit_organisation_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex
