"""Month-resolution history of the coarse attributes that statistics describe "as of" a
cut-off: the legal and service categories, the country of stay and the legal exposures.
Status has its own history (CaseStatusChange, which also tells when a case was closed or
reopened); verification happens once and keeps its month on the case (verified_month).

A row says "from this month on, the attribute had this value". Values are the same coarse
codes as the clear columns they follow (no content, nothing sealed); rows are written by the
casework services that change those columns and never edited, so "the value as of month C"
is the latest row of a month up to C (ties broken by id).
"""

from __future__ import annotations

from django.db import models

from casework.models.cases import Case
from casework.models.choices import this_month


class TrackedAttribute(models.TextChoices):
    LEGAL_CATEGORY = "legal_category", "legal category"
    SERVICE_CATEGORY = "service_category", "service category"
    COUNTRY = "country", "country of stay"
    # One legal exposure (``item`` names it): its article, procedural stage and wanted level.
    EXPOSURE_ARTICLE = "exposure_article", "exposure article"
    EXPOSURE_STAGE = "exposure_stage", "exposure procedural stage"
    EXPOSURE_WANTED = "exposure_wanted", "exposure wanted level"


class AttributeChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attribute_changes")
    attribute = models.CharField(max_length=24, choices=TrackedAttribute.choices)
    item = models.UUIDField(null=True, blank=True)  # the exposure of exposure_* rows
    value = models.CharField(max_length=32, blank=True)
    changed_month = models.DateField(default=this_month)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "attribute", "changed_month"])]

    def __str__(self) -> str:
        return f"{self.attribute} -> {self.value or '-'}"
