"""Case files. Identifying content lives only in ``SealedField`` columns (ciphertext under the
case's section keys, see casework.envelope); only coarse categorical fields and month dates stay
in clear, for lists, filters and statistics.

Every content row has a UUID primary key set at construction (default=uuid4), because the
ciphertext is bound to its row id: a row must know its id before anything is sealed into it.
Dates in clear are months (the first of the month): exact days identify people.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation
from casework.fields import DATE, LIST, TEXT, SealedField
from casework.sections import Section

if TYPE_CHECKING:
    from casework.envelope import Envelope


def this_month() -> date:
    return timezone.now().date().replace(day=1)


# --- Enumerations (DOMAIN.md). Lists an admin must extend are tables: Country, DocumentType.


class IntakeChannel(models.TextChoices):
    TELEGRAM_BOT = "telegram_bot", _("Telegram bot")
    SECURE_LINE = "secure_line", _("Secure line")
    HOTLINE = "hotline", _("Hotline")
    EMAIL = "email", _("E-mail")
    PARTNER_REFERRAL = "partner_referral", _("Partner referral")
    RELATIVE = "relative", _("Request by a relative (client must confirm consent)")


class LegalCategory(models.TextChoices):
    DESERTER = "deserter", _("Deserter")
    OBJECTOR = "objector", _("Conscientious objector")
    EVADER = "evader", _("Evader (left before any call-up)")
    REFUSER = "refuser", _("Refuser in service")
    SURRENDERED = "surrendered", _("Surrendered")


class ServiceCategory(models.TextChoices):
    CIVILIAN_NOT_CALLED = "civilian_not_called", _("Civilian, not called up")
    CIVILIAN_SUMMONED = "civilian_summoned", _("Civilian, summoned")
    CONSCRIPT = "conscript", _("Conscript")
    CONTRACT_BEFORE = "contract_before", _("Contract signed before 24 Feb 2022")
    CONTRACT_AFTER = "contract_after", _("Contract signed after 24 Feb 2022")
    MOBILISED = "mobilised", _("Mobilised (2022)")
    OFFICER = "officer", _("Officer")
    SECURITY_SERVICE = "security_service", _("Security service")
    PRISONER_RECRUIT = "prisoner_recruit", _("Prisoner recruit")
    OCCUPIED_UKRAINE = "occupied_ukraine", _("Resident of occupied Ukraine, forcibly mobilised")


class Status(models.TextChoices):
    INTAKE = "intake", _("Intake")
    TRIAGE = "triage", _("Triage")
    VERIFICATION_PENDING = "verification_pending", _("Verification pending")
    CONSULTATION = "consultation", _("Consultation")
    EXIT_PLANNING = "exit_planning", _("Exit planning")
    LEAVING_UNIT = "leaving_unit", _("Leaving unit")
    HIDING_IN_RUSSIA = "hiding_in_russia", _("Hiding in Russia")
    BORDER_CROSSING = "border_crossing", _("Border crossing")
    IN_TRANSIT = "in_transit", _("In transit")
    DOSSIER_PREPARATION = "dossier_preparation", _("Dossier preparation")
    LAWYER_REVIEW = "lawyer_review", _("Lawyer review")
    VISA_SUBMITTED = "visa_submitted", _("Visa submitted")
    VISA_GRANTED = "visa_granted", _("Visa granted")
    VISA_REFUSED = "visa_refused", _("Visa refused")
    APPEAL = "appeal", _("Appeal")
    TRAVEL = "travel", _("Travel")
    ASYLUM_LODGED = "asylum_lodged", _("Asylum lodged")
    PROTECTED = "protected", _("Protected")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")
    # The crisis branch: reachable from any stage.
    DETAINED_ABROAD = "detained_abroad", _("Crisis: detained abroad")
    EXTRADITION = "extradition", _("Crisis: extradition proceedings")
    DEPORTED_OR_ABDUCTED = "deported_or_abducted", _("Crisis: deported or abducted")
    DETAINED_IN_RUSSIA = "detained_in_russia", _("Crisis: detained in Russia")
    MISSING_CONTACT = "missing_contact", _("Crisis: missing contact")
    DECEASED = "deceased", _("Crisis: deceased")


CRISIS_STATUSES = frozenset(
    {
        Status.DETAINED_ABROAD,
        Status.EXTRADITION,
        Status.DEPORTED_OR_ABDUCTED,
        Status.DETAINED_IN_RUSSIA,
        Status.MISSING_CONTACT,
        Status.DECEASED,
    }
)


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Article(models.TextChoices):
    A337_1 = "337.1", _("Art. 337 part 1 (absence over 2 days)")
    A337_2_1 = "337.2.1", _("Art. 337 part 2.1 (absence over 2 days, mobilisation)")
    A337_3 = "337.3", _("Art. 337 part 3 (absence over 10 days)")
    A337_3_1 = "337.3.1", _("Art. 337 part 3.1 (absence over 10 days, mobilisation)")
    A337_4 = "337.4", _("Art. 337 part 4 (absence over a month)")
    A337_5 = "337.5", _("Art. 337 part 5 (absence over a month, mobilisation)")
    A338 = "338", _("Art. 338 (desertion)")
    A332 = "332", _("Art. 332 (refusing orders)")
    A352_1 = "352.1", _("Art. 352.1 (voluntary surrender)")
    A328 = "328", _("Art. 328 (evading service)")
    A322 = "322", _("Art. 322 (illegal border crossing)")
    A275 = "275", _("Art. 275 (treason)")
    A205_5 = "205.5", _("Art. 205.5 (terrorist organisation)")
    ADMIN_NO_SHOW = "admin_no_show", _("Administrative: failure to appear")


class ProceduralStage(models.TextChoices):
    NONE = "none", _("None known")
    SOCH_REPORTED = "soch_reported", _("Unit reported absence (SOCh)")
    CASE_OPENED = "case_opened", _("Criminal case opened")
    CHARGED = "charged", _("Charged")
    CONVICTED = "convicted", _("Convicted")
    SENTENCED_IN_ABSENTIA = "sentenced_in_absentia", _("Sentenced in absentia")


class WantedLevel(models.TextChoices):
    NONE = "none", _("Not wanted")
    COMMISSARIAT = "commissariat", _("Military commissariat")
    FEDERAL = "federal", _("Federal wanted list")
    INTERSTATE = "interstate", _("Interstate (CIS) list")
    INTERNATIONAL = "international", _("International")
    INTERPOL = "interpol", _("Interpol")


class LegalBasis(models.TextChoices):
    NONE = "none", _("None (irregular)")
    VISA_FREE = "visa_free", _("Visa-free stay")
    VISA = "visa", _("Visa")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    REFUGEE = "refugee", _("Refugee or protected status")
    CITIZEN = "citizen", _("Citizen")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    RUSSIAN = "ru", _("Russian")
    UKRAINIAN = "uk", _("Ukrainian")
    ENGLISH = "en", _("English")
    OTHER = "other", _("Other")


class Screening(models.TextChoices):
    NOT_SCREENED = "not_screened", _("Not screened yet")
    NO_INDICATION = "no_indication", _("No indication of war-crimes involvement")
    CONCERN = "concern", _("Concern raised: needs review")


# --- Reference tables ---------------------------------------------------------------------


class Country(models.Model):
    """A country and its default risk for our clients (an admin can change it)."""

    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    risk_level = models.CharField(
        _("risk"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    risk_note = models.CharField(_("why"), max_length=200, blank=True)
    # What a caseworker must know before routing someone through: shown prominently on any
    # case whose location or evacuation route touches a high or critical country.
    advisory = models.TextField(_("advisory"), blank=True)
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
        return self.name

    @property
    def needs_advisory(self) -> bool:
        return self.risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL)

    def clean(self) -> None:
        if (self.stay_max_days is None) != (self.stay_window_days is None):
            raise ValidationError(_("Give both the days allowed and the period, or neither."))
        if self.stay_max_days and self.stay_max_days > self.stay_window_days:
            raise ValidationError(_("The days allowed cannot exceed the period."))


class DocumentType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("offered for new uploads"), default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name


# --- The case -----------------------------------------------------------------------------


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
        from django.urls import reverse

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

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class Person(models.Model):
    """The client. The pseudonym is what the interface shows; everything identifying is
    sealed (identity and contact sections)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="person")
    pseudonym = models.CharField(_("pseudonym"), max_length=80)
    legal_name = SealedField(section=Section.IDENTITY, codec=TEXT)
    aliases = SealedField(section=Section.IDENTITY, codec=LIST)
    date_of_birth = SealedField(section=Section.IDENTITY, codec=DATE)
    citizenships = SealedField(section=Section.IDENTITY, codec=LIST)
    passport_numbers = SealedField(section=Section.IDENTITY, codec=LIST)
    relatives_at_risk = SealedField(section=Section.IDENTITY, codec=TEXT)
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
    details = SealedField(section=Section.LEGAL, codec=TEXT)

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
    since_month = models.DateField(default=this_month)
    region = SealedField(section=Section.LOCATION, codec=TEXT)
    stay_expires = SealedField(section=Section.LOCATION, codec=DATE)
    route_notes = SealedField(section=Section.LOCATION, codec=TEXT)

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
    text = SealedField(section=Section.TESTIMONY, codec=TEXT)

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
    """An uploaded file, cleaned of metadata and stored encrypted under a random name in
    WAYPOINT_MEDIA_ROOT (casework.envelope.files)."""

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
    original_name = SealedField(section=Section.DOCUMENTS, codec=TEXT)
    description = SealedField(section=Section.DOCUMENTS, codec=TEXT)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"document {self.pk}"

    @property
    def extension(self) -> str:
        return CONTENT_TYPE_EXTENSIONS.get(self.content_type, "bin")


CONTENT_TYPE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


# --- Access: permission rows, consent, referrals, break-glass (see casework.services.access) ---


def section_codename(section: str) -> str:
    """The guardian codename that opens a section: ``open_<section>``."""
    return f"open_{section}"


class GrantSource(models.TextChoices):
    ASSIGNMENT = "assignment", _("Assignment")
    REFERRAL = "referral", _("Referral")


class CaseUserPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key table for per-object user grants on cases (the UUID key
    is a real foreign key: deleting a case deletes its rows). ``referral`` ties a grant to the
    referral it rests on (null for a lawyer assigned within the owning organisation)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="user_grants")
    referral = models.ForeignKey(
        "casework.Referral", null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        # One row per grant *source*: the same section may come from two referrals, and
        # revoking one must leave the other's row in place.
        unique_together = [("user", "permission", "content_object", "referral")]
        indexes = [models.Index(fields=["user", "content_object"])]


class CaseGroupPermission(GroupObjectPermissionBase):
    """guardian's direct foreign-key table for group grants on cases. Waypoint grants nothing
    to groups; the table exists so guardian never falls back to its generic table for cases."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


class ConsentPurpose(models.TextChoices):
    LEGAL_ADVICE = "legal_advice", _("Legal advice")
    EVACUATION = "evacuation", _("Evacuation support")
    VISA_DOSSIER = "visa_dossier", _("Visa dossier")
    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical or psychological help")


class ConsentGiver(models.TextChoices):
    CLIENT = "client", _("The client")
    RELATIVE = "relative", _("A relative (pending until the client confirms)")


class Consent(models.Model):
    """The client's consent to share named sections with one organisation for one purpose.
    Given by a relative, it is pending (opens nothing) until the client confirms."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose.choices)
    recipient = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient organisation"),
    )
    sections = models.JSONField(_("sections"), default=list)
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGiver.choices)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"consent {self.pk}"

    def is_valid(self, at=None) -> bool:
        at = at or timezone.now()
        return self.confirmed_at is not None and self.withdrawn_at is None and self.expires_at > at


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


class ReferralAction(models.TextChoices):
    VIEW = "view", _("View")
    COMMENT = "comment", _("Comment")
    REVIEW_DOSSIER = "review_dossier", _("Review the dossier")


class ReferralReason(models.TextChoices):
    LEGAL_REVIEW = "legal_review", _("Legal review")
    EVACUATION = "evacuation", _("Evacuation")
    VISA_DOSSIER = "visa_dossier", _("Visa dossier")
    SHELTER = "shelter", _("Shelter")
    OTHER = "other", _("Other")


class Referral(models.Model):
    """A scoped grant of one case to another organisation (optionally to one named member):
    which sections, which actions, why, under which consent, until when. It opens sections
    only while accepted, unrevoked, unexpired and its consent valid (casework.services.access)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("to")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("named recipient"),
    )
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="referrals")
    sections = models.JSONField(_("sections"), default=list)
    actions = models.JSONField(_("actions"), default=list)
    reason = models.CharField(_("reason"), max_length=24, choices=ReferralReason.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_organisation", "status"])]

    def __str__(self) -> str:
        return f"referral {self.pk}"


class BreakGlassReason(models.TextChoices):
    SAFETY = "safety", _("Immediate danger to the person")
    CASEWORKER_UNREACHABLE = "caseworker_unreachable", _("Assigned caseworker unreachable")
    CRISIS = "crisis", _("Detention or other crisis")
    SUPERVISION = "supervision", _("Quality or safeguarding review")


class BreakGlass(models.Model):
    """An org admin's time-limited emergency access to an unassigned case. The reason is a
    code in clear (for the audit log) and an explanation sealed in the notes section."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=32, choices=BreakGlassReason.choices)
    explanation = SealedField(section=Section.NOTES, codec=TEXT)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "case", "expires_at"])]

    def __str__(self) -> str:
        return f"break-glass {self.pk}"


class NoticeKind(models.TextChoices):
    BREAK_GLASS = "break_glass", _("An organisation admin opened a case assigned to you")
    REFERRAL_RECEIVED = "referral_received", _("A case was referred to your organisation")
    REFERRAL_ANSWERED = "referral_answered", _("A referral was answered")
    REFERRAL_REVOKED = "referral_revoked", _("A referral was revoked")
    DOSSIER_REVIEW = "dossier_review", _("A visa dossier waits for your review")
    DOSSIER_REVIEWED = "dossier_reviewed", _("A lawyer reviewed a visa dossier")


class CaseNotice(models.Model):
    """An in-app notice about access to a case, behind login (nothing is e-mailed). Holds ids,
    never content."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_notices"
    )
    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kind
