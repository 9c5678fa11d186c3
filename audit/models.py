from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

from django.db import models

APPEND_ONLY = "The audit log is append-only: events cannot be changed or deleted."


class AppendOnlyError(Exception):
    """Raised by the ORM before an UPDATE or DELETE of audit events reaches the database.

    On PostgreSQL a trigger refuses the same statements (and TRUNCATE) for any client; this
    guard also covers SQLite and gives a clear error instead of a database exception.
    """


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(APPEND_ONLY)

    def delete(self) -> NoReturn:
        raise AppendOnlyError(APPEND_ONLY)

    def bulk_update(
        self, objs: Iterable[AuditEvent], fields: Iterable[str], batch_size: int | None = None
    ) -> NoReturn:
        raise AppendOnlyError(APPEND_ONLY)

    def update_or_create(
        self,
        defaults: Any = None,
        create_defaults: Any = None,
        **kwargs: Any,
    ) -> NoReturn:
        raise AppendOnlyError(APPEND_ONLY)


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained audit log.

    Holds ids, never foreign keys: events outlive the users and organisations they name.
    ``data`` holds only allow-listed keys with short code-like values (see services.DATA_KEYS).
    Written only by ``audit.services.record``.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.UUIDField(null=True, blank=True)
    organisation_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["organisation_id", "-seq"]),
            models.Index(fields=["object_type", "object_id", "-seq"]),
            models.Index(fields=["actor_id", "-seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(APPEND_ONLY)
