"""Releases of statistics: frozen, numbered, audited sets of published tables.

* ``Release``: one publication — its number, its cut-off (the end of the last month outside
  the publication delay: the world it describes), the settings it used, and the tables it
  holds (new ones and those carried over unchanged from the release before).
* ``PublishedTable``: one table of one period in one scope ("all" or an organisation) exactly
  as published: keys and codes (stats.render), and its CSV with the CSV's SHA-256. Written
  once, never changed: a period's table is carried from release to release as the same row,
  so its CSV stays byte-identical until a re-publication makes a new one.
* ``GroupVersion``: one computation of a group of tables for a period (stats.breakdowns): the
  true counts per organisation behind the published tables, kept on the server only, for the
  disclosure control of later releases (stats.control). Never shown, never exported.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReleaseKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    REPUBLICATION = "republication", _("Re-publication")


class Release(models.Model):
    number = models.PositiveIntegerField(unique=True)
    kind = models.CharField(max_length=16, choices=ReleaseKind.choices)
    cut_off = models.DateField()  # a first of a month: the world at the end of that month
    created_at = models.DateTimeField()
    # A re-publication's platform admin (nobody for a scheduled release).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)  # why a re-publication was made (no personal data)
    k = models.PositiveSmallIntegerField()
    base = models.PositiveSmallIntegerField()
    delay_days = models.PositiveSmallIntegerField()
    # Differential-privacy mode: ε per table and what one person's data may cost in this
    # release, in millionths; None when the mode is off.
    epsilon_micro = models.PositiveIntegerField(null=True, blank=True)
    spent_micro = models.PositiveIntegerField(null=True, blank=True)
    tables: models.ManyToManyField[PublishedTable, Any] = models.ManyToManyField(
        "PublishedTable", related_name="releases"
    )

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"

    def __str__(self) -> str:
        return f"release {self.number}"


class GroupVersion(models.Model):
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="versions")
    group = models.CharField(max_length=16)
    period = models.CharField(max_length=16)
    as_of = models.DateField()  # the cut-off of the history it was counted from
    # {organisation id: [[table, row, column, count], ...]} (in differential-privacy mode the
    # noisy counts per scope), and {table: [raw row keys]}.
    counts = models.JSONField()
    universe = models.JSONField()
    noisy = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["group", "period"])]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "group", "period"], name="stats_one_version_per_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.period} (release {self.release_id})"


class PublishedTable(models.Model):
    version = models.ForeignKey(GroupVersion, on_delete=models.PROTECT, related_name="tables")
    scope = models.CharField(max_length=40)  # "all" or an organisation id
    breakdown = models.CharField(max_length=32)
    period = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    data = models.JSONField()
    csv = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["scope", "breakdown", "period"])]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "scope", "breakdown"], name="stats_one_table_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.breakdown} {self.period} ({self.scope})"
