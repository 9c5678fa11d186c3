from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained audit log.

    Holds ids, never foreign keys: events outlive the users and organisations they name.
    ``data`` holds only allow-listed keys with short scalar values (see services.DATA_KEYS).
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

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["organisation_id", "-seq"]),
            models.Index(fields=["object_type", "object_id", "-seq"]),
            models.Index(fields=["actor_id", "-seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"
