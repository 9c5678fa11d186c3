"""Reference tables that admins extend: countries (risk, advisory, stay limit) and document
types. Shown in the reader's language: country names from CLDR, the rest from the
``*_i18n`` translations beside each source text (casework.translations)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.choices import RiskLevel
from casework.translations import country_name, translated


def translations(verbose_name):
    """The translations of a text field, by language code (casework.translations)."""
    return models.JSONField(verbose_name, default=dict, blank=True)


class Country(models.Model):
    """A country and its default risk for our clients (an admin can change it)."""

    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    risk_level = models.CharField(
        _("risk"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    risk_note = models.CharField(_("why"), max_length=200, blank=True)
    risk_note_i18n = translations(_("why, translated"))
    # What a caseworker must know before routing someone through: shown prominently on any
    # case whose location or evacuation route touches a high or critical country.
    advisory = models.TextField(_("advisory"), blank=True)
    advisory_i18n = translations(_("advisory, translated"))
    internal_passport_entry = models.BooleanField(
        _("entry with an internal passport"), default=False
    )
    # Stay limit: at most ``stay_max_days`` days in any ``stay_window_days`` (both empty: none).
    stay_max_days = models.PositiveSmallIntegerField(_("stay limit (days)"), null=True, blank=True)
    stay_window_days = models.PositiveSmallIntegerField(
        _("in any period of (days)"), null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The country's name in the active language (CLDR; ``name`` if CLDR lacks it)."""
        return country_name(self.code, self.name)

    @property
    def risk_note_text(self) -> str:
        return translated(self, "risk_note")

    @property
    def advisory_text(self) -> str:
        return translated(self, "advisory")

    @property
    def needs_advisory(self) -> bool:
        return self.risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL)

    def clean(self) -> None:
        if (self.stay_max_days is None) != (self.stay_window_days is None):
            raise ValidationError(_("Give both the days allowed and the period, or neither."))
        if (
            self.stay_max_days
            and self.stay_window_days is not None
            and self.stay_max_days > self.stay_window_days
        ):
            raise ValidationError(_("The days allowed cannot exceed the period."))


class DocumentType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_i18n = translations(_("name, translated"))
    is_active = models.BooleanField(_("offered for new uploads"), default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return translated(self, "name")


class Region(models.Model):
    """A region whose risk differs from its country's (Gyumri, with the Russian base, is
    critical inside Armenia). A case's region is location data: it is sealed on the location
    (``Location.risk_region`` holds the code) and shown only to who may open location and
    route; the case banner uses the more severe of the country's and the region's risk."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="regions", verbose_name=_("country")
    )
    name = models.CharField(_("name"), max_length=80)
    name_i18n = translations(_("name, translated"))
    risk_level = models.CharField(_("risk"), max_length=16, choices=RiskLevel.choices)
    risk_note = models.CharField(_("why"), max_length=200, blank=True)
    risk_note_i18n = translations(_("why, translated"))
    advisory = models.TextField(_("advisory"), blank=True)
    advisory_i18n = translations(_("advisory, translated"))

    class Meta:
        ordering = ["country__name", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.label} ({self.country_id})"

    @property
    def label(self) -> str:
        return translated(self, "name")

    @property
    def risk_note_text(self) -> str:
        return translated(self, "risk_note")

    @property
    def advisory_text(self) -> str:
        return translated(self, "advisory")
