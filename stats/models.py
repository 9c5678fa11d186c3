"""The summary table behind the statistics pages, and the records of what was published.

``SummaryCount`` holds true counts per organisation, breakdown, month and category, computed
by SQL aggregation from coarse clear-text fields (casework.models): no case content, no ids
of cases or people. Only months past the publication delay are ever written. The true counts
are never shown as they are: stats.disclosure protects every table before it leaves the
server.
"""

from __future__ import annotations

from django.db import models

from accounts.models import Organisation


class SummaryCount(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    breakdown = models.CharField(max_length=32)
    month = models.DateField()
    key = models.CharField(max_length=32, blank=True)
    key2 = models.CharField(max_length=32, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["breakdown", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "breakdown", "month", "key", "key2"],
                name="stats_one_count_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.breakdown} {self.month:%Y-%m}"


class Refresh(models.Model):
    """One run of the refresh task: when, how long, how many summary rows."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    published_until = models.DateField()
    rows = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"refresh {self.finished_at:%Y-%m-%d %H:%M}"


class NoisyRelease(models.Model):
    """Differential-privacy mode: one noisy table per scope, breakdown, year and calendar
    month, kept so that reloading the page neither spends budget again nor lets noise be
    averaged away. ``epsilon_micro`` is the ε spent, in millionths (exact integer sums)."""

    scope = models.CharField(max_length=40)  # "all" or an organisation id
    breakdown = models.CharField(max_length=32)
    year = models.PositiveSmallIntegerField()
    budget_month = models.DateField()
    epsilon_micro = models.PositiveIntegerField()
    counts = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "breakdown", "year", "budget_month"], name="stats_one_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.breakdown} {self.year} ({self.scope})"
