"""What a case file holds: the person (with blind indexes), legal exposure, location,
statements, notes and documents. Content only in sealed fields."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from casework import limits
from casework.fields import DATE, LIST, TEXT, SealedField
from casework.models.cases import Case
from casework.models.choices import (
    Article,
    Language,
    LegalBasis,
    ProceduralStage,
    Screening,
    WantedLevel,
    this_month,
)
from casework.models.reference import Country, DocumentType
from casework.sections import Section


class Person(models.Model):
    """The client. The pseudonym is what the interface shows; everything identifying is
    sealed (identity and contact sections)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="person")
    pseudonym = models.CharField(_("pseudonym"), max_length=80)
    legal_name = SealedField(section=Section.IDENTITY, codec=TEXT, limit=limits.NAME)
    aliases = SealedField(section=Section.IDENTITY, codec=LIST)
    date_of_birth = SealedField(section=Section.IDENTITY, codec=DATE)
    citizenships = SealedField(section=Section.IDENTITY, codec=LIST)
    passport_numbers = SealedField(section=Section.IDENTITY, codec=LIST)
    relatives_at_risk = SealedField(section=Section.IDENTITY, codec=TEXT, limit=limits.SHORT_TEXT)
    phones = SealedField(section=Section.CONTACT, codec=LIST)
    contact_handles = SealedField(section=Section.CONTACT, codec=LIST)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.pseudonym


class PersonIndex(models.Model):
    """Blind indexes for exact-match search: truncated HMAC-SHA256 under the organisation's
    index key (casework.envelope.blind_index). Several rows per kind (aliases, phones,
    passports)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="index_entries")
    kind = models.CharField(max_length=16)
    digest = models.BinaryField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["organisation", "kind", "digest"])]

    def __str__(self) -> str:
        return self.kind


class LegalExposure(models.Model):
    """One criminal or administrative exposure. The absence start day is sealed; the article
    part computed from it is kept in clear for statistics and reminders."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="exposures")
    article = models.CharField(_("article"), max_length=16, choices=Article.choices)
    during_mobilisation = models.BooleanField(_("during mobilisation"), default=True)
    computed_part = models.CharField(max_length=16, choices=Article.choices, blank=True)
    procedural_stage = models.CharField(
        _("procedural stage"),
        max_length=24,
        choices=ProceduralStage.choices,
        default=ProceduralStage.NONE,
    )
    wanted_level = models.CharField(
        _("wanted"), max_length=16, choices=WantedLevel.choices, default=WantedLevel.NONE
    )
    exit_ban = models.BooleanField(_("exit ban"), default=False)
    passport_confiscated = models.BooleanField(
        _("foreign passport confiscated or surrendered"), default=False
    )
    recorded_month = models.DateField(default=this_month)
    absence_start = SealedField(section=Section.LEGAL, codec=DATE)
    # The day an electronic summons was placed in the register; it is deemed served 7 days
    # later (casework.legal.esummons_deemed_served), with the effects the law ties to that.
    esummons_placed_on = SealedField(section=Section.LEGAL, codec=DATE)
    details = SealedField(section=Section.LEGAL, codec=TEXT, limit=limits.SHORT_TEXT)

    class Meta:
        ordering = ["recorded_month", "id"]

    def __str__(self) -> str:
        return self.get_article_display()


class Location(models.Model):
    """Where the person is now: the country in clear, everything finer sealed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="location")
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    legal_basis = models.CharField(
        _("legal basis of stay"), max_length=24, choices=LegalBasis.choices, blank=True
    )
    # The month of entry in clear; the day itself is sealed (it dates a border crossing).
    since_month = models.DateField(default=this_month)
    entered_on = SealedField(section=Section.LOCATION, codec=DATE)
    region = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.NAME)
    # The code of a casework.Region that raises the risk ("" when none): sealed, like the
    # region typed above, because it says where the person is.
    risk_region = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.NAME)
    stay_expires = SealedField(section=Section.LOCATION, codec=DATE)
    route_notes = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.TEXT)

    def __str__(self) -> str:
        return self.country_id


class Testimony(models.Model):
    """One version of a statement. An edit adds a version; earlier versions stay."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="testimonies")
    number = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField(default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_month = models.DateField(default=this_month)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    consent_dossier = models.BooleanField(_("consent to use in a dossier"), default=False)
    screening = models.CharField(
        _("war-crimes screening"),
        max_length=16,
        choices=Screening.choices,
        default=Screening.NOT_SCREENED,
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_month = models.DateField(null=True, blank=True)
    text = SealedField(section=Section.TESTIMONY, codec=TEXT, limit=limits.STATEMENT)

    class Meta:
        ordering = ["number", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "number", "version"], name="one_testimony_version"
            )
        ]
        verbose_name_plural = _("testimonies")

    def __str__(self) -> str:
        return f"{self.number}.{self.version}"


class Note(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_month = models.DateField(default=this_month)
    seq = models.PositiveIntegerField(default=0)
    text = SealedField(section=Section.NOTES, codec=TEXT)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"note {self.pk}"


class Document(models.Model):
    """An uploaded file, cleaned of metadata and stored encrypted in chunks in the database
    (DocumentChunk, casework.envelope.files), where every web node reads it.
    ``storage_name`` named its file on disk before documents moved into the database
    (``manage.py move_documents_to_database``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_month = models.DateField(default=this_month)
    seq = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField(default=0)
    storage_name = models.CharField(max_length=64, unique=True, editable=False)
    original_name = SealedField(section=Section.DOCUMENTS, codec=TEXT, limit=limits.NAME)
    description = SealedField(section=Section.DOCUMENTS, codec=TEXT, limit=limits.NAME)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"document {self.pk}"

    @property
    def extension(self) -> str:
        return CONTENT_TYPE_EXTENSIONS.get(self.content_type, "bin")


class DocumentChunk(models.Model):
    """One sealed piece (at most 64 KiB of plaintext) of a document, bound by its associated
    data to the document, its place and whether it is the last (casework.envelope.files)."""

    id = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "index"], name="document_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of document {self.document_id}"


CONTENT_TYPE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
