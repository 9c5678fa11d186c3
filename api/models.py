"""Credentials for the API. A token is shown once, when it is made; the table keeps its
public lookup id (``key_id``, part of the token) and the SHA-256 of its random secret, never
the secret. A personal token is bound to one person in one organisation, with that person's
own rights there, for at most PERSONAL_MAX_DAYS; an intake token belongs to an organisation and
creates intakes only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("Personal access token")
    INTAKE = "intake", _("Intake token")


class ApiToken(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=TokenKind.choices)
    # The token's visible part (after "wpp_"/"wpi_"): found by it, compared by the digest.
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    name = models.CharField(_("name"), max_length=80)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # The person a personal token acts as (none for an intake token).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "kind", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="intake", user__isnull=True)
                | models.Q(kind="personal", user__isnull=False),
                name="api_token_personal_has_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key_id}"

    def is_live(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "live" if self.expires_at > timezone.now() else "expired"
