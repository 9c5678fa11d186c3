"""The case: its numbering, its shell in clear, its wrapped section keys and its status history."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from casework.models.choices import (
    CRISIS_STATUSES,
    IntakeChannel,
    LegalCategory,
    RiskLevel,
    ServiceCategory,
    Status,
    StayedReason,
    this_month,
)
from casework.sections import Section

if TYPE_CHECKING:
    from casework.envelope import Envelope


class CaseNumbering(models.Model):
    """The reference prefix of an organisation (``GL`` in ``GL-2026-0042``), unique across
    organisations so that a reference names one case everywhere."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    prefix = models.CharField(max_length=8, unique=True)

    def __str__(self) -> str:
        return self.prefix


class CaseCounter(models.Model):
    """The last case number given out per organisation and year (claimed with an UPDATE)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)
    intake_channel = models.CharField(
        _("intake channel"), max_length=24, choices=IntakeChannel.choices
    )
    legal_category = models.CharField(
        _("legal category"), max_length=24, choices=LegalCategory.choices
    )
    service_category = models.CharField(
        _("service category"), max_length=24, choices=ServiceCategory.choices
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.INTAKE
    )
    risk_level = models.CharField(
        _("risk"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_month = models.DateField(_("verified in"), null=True, blank=True)
    assigned_caseworkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned caseworkers"),
    )
    # Where the case was before it entered the crisis branch: the way back out of it.
    status_before_crisis = models.CharField(max_length=24, choices=Status.choices, blank=True)
    # A status an evacuation event points to while the case could not follow it (in the
    # crisis branch, or having stayed in Russia): shown to the caseworkers, cleared by any move.
    suggested_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    stayed_reason = models.CharField(
        _("why the person stayed in Russia"),
        max_length=24,
        choices=StayedReason.choices,
        blank=True,
    )
    opened_month = models.DateField(_("opened in"), default=this_month)
    closed_month = models.DateField(_("closed in"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-number"]
        indexes = [
            models.Index(fields=["organisation", "-year", "-number"]),
            models.Index(fields=["organisation", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "number"], name="one_number_per_org_year"
            )
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # Per-object, per-section grants (guardian rows in CaseUserPermission). Never granted
        # globally: the system check casework.E010 fails if a user or group holds one.
        permissions = [
            ("open_identity", "Open the identity section"),
            ("open_contact", "Open the contact section"),
            ("open_location", "Open the location and route section"),
            ("open_legal", "Open the legal exposure section"),
            ("open_testimony", "Open the testimony section"),
            ("open_documents", "Open the documents section"),
            ("open_notes", "Open the notes section"),
            ("comment_case", "Comment on the case"),
            ("review_dossier", "Review the visa dossier"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:

        return reverse("casework:case_detail", kwargs={"reference": self.reference})

    @property
    def is_crisis(self) -> bool:
        return self.status in CRISIS_STATUSES

    @property
    def is_verified(self) -> bool:
        return self.verified_by_id is not None

    @property
    def envelope(self) -> Envelope:
        """Seals and opens this case's sealed fields (casework.envelope.Envelope)."""
        # Imported here: the envelope builds on these models (its key rows, its grant check).
        from casework.envelope import Envelope

        return Envelope(self.pk)


class CaseKey(models.Model):
    """One section's data key, only ever stored wrapped by a key-encryption key of the vault
    (``kek_id`` names it, for rotation). Shredding overwrites ``wrapped_key`` and sets
    ``shredded_at``: the section's content is then unreadable everywhere."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="keys")
    section = models.CharField(max_length=16, choices=Section.choices)
    wrapped_key = models.BinaryField(editable=False)
    kek_id = models.CharField(max_length=64, db_index=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "section"], name="one_key_per_case_section")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.section}"


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_month = models.DateField(default=this_month)
    # The evacuation event that moved the case ("" when a caseworker chose the status).
    event = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"
