"""Evacuation plans, humanitarian-visa applications and the dossiers lawyers review.

What would say where a person is or goes (route, steps, consulate, appointment) is sealed in
the case's location-and-route section, so the verification gate and referrals decide who reads
it. Visa dates and decisions are sealed in the legal section, dossier comments and export
recipients in the documents section. In clear stay only the categories statistics and the
workflow need: the route kind, the destination country, statuses and months.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from casework import limits
from casework.fields import DATE, LIST, TEXT, SealedField
from casework.models import Case, Country, Document, DocumentType, Testimony, this_month
from casework.sections import Section
from casework.translations import translated


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Being planned")
    ACTIVE = "active", _("Under way")
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Abandoned")


class StepKind(models.TextChoices):
    LEAVE_UNIT = "leave_unit", _("Leave the unit")
    HIDE = "hide", _("Hide")
    CROSS_BORDER = "cross_border", _("Cross the border")
    TRANSIT_STAY = "transit_stay", _("Stay in transit")
    CONSULATE_APPOINTMENT = "consulate_appointment", _("Consulate appointment")
    TRAVEL = "travel", _("Travel")
    ARRIVAL = "arrival", _("Arrival")
    ASYLUM_REGISTRATION = "asylum_registration", _("Asylum registration")


class StepStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class EvacuationPlan(models.Model):
    """The route out: where from, through which countries, to where, and what to do if a step
    fails. One per case; everything but its status is sealed (location and route)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="evacuation_plan")
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_month = models.DateField(default=this_month)
    origin_region = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.NAME)
    # ISO codes of casework.Country, in order of travel.
    transit_countries = SealedField(section=Section.LOCATION, codec=LIST)
    destination = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.NAME)
    fallback_notes = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.TEXT)

    def __str__(self) -> str:
        return f"plan {self.pk}"


class EvacuationStep(models.Model):
    """One step of the plan. Even its kind is sealed: "leave the unit, planned" is exactly what
    must not be read off a seized database."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evacuation_steps")
    plan = models.ForeignKey(EvacuationPlan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=StepStatus.choices, default=StepStatus.PLANNED
    )
    kind = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.NAME)
    country = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.NAME)
    planned_on = SealedField(section=Section.LOCATION, codec=DATE)
    done_on = SealedField(section=Section.LOCATION, codec=DATE)
    notes = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.SHORT_TEXT)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"step {self.position}"


class VisaRoute(models.TextChoices):
    FR_HUMANITARIAN = "fr_humanitarian", _("French humanitarian visa")
    SCHENGEN_LTV = "schengen_ltv", _("Schengen visa with limited territorial validity")
    DE_ADMISSION_22 = "de_22", _("German admission under §22 AufenthG")
    DE_NATIONAL_D = "de_national_d", _("German national D visa")
    ASYLUM_BORDER = "asylum_border", _("Asylum at the border")
    ASYLUM_AFTER_ENTRY = "asylum_after_entry", _("Asylum after entry")
    TRANSIT_PROTECTION = "transit_protection", _("Protection in the transit country")
    UKRAINIAN_PROTECTION = "ukrainian_protection", _("Protection for Ukrainians")


class Route(models.Model):
    """A route to safety; its requirements are its dossier's checklist. Platform admins edit
    routes in the app; the seeded ones keep VisaRoute's codes, which code may still name."""

    code = models.SlugField(_("code"), max_length=24, primary_key=True)
    name = models.CharField(_("name"), max_length=limits.NAME)
    name_i18n = models.JSONField(_("name, translated"), default=dict, blank=True)
    active = models.BooleanField(
        _("offered for new applications"),
        default=True,
        help_text=_("A retired route stays on the applications that used it."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("route")
        verbose_name_plural = _("routes")

    def __str__(self) -> str:
        # Its stored translation; else, for a seeded route not renamed, the catalogue's label.
        label = VisaRoute(self.code).label if self.code in VisaRoute.values else None
        with translation.override("en"):
            seeded = label is not None and self.name == str(label)
        return translated(self, "name", default=str(label) if seeded else None)


class Decision(models.TextChoices):
    PENDING = "pending", _("No decision yet")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VisaApplication(models.Model):
    """An application for a visa or protection. The consulate and the appointment would say
    where the person is: sealed in location and route. The other dates, the refusal reasons
    and the dates derived from them are sealed in the legal section."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visa_applications")
    # A Route's code; not a foreign key, so that statistics and code keep reading a code.
    route = models.CharField(_("route"), max_length=24)
    destination = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination")
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    created_month = models.DateField(default=this_month)
    decided_month = models.DateField(null=True, blank=True)
    consulate = SealedField(section=Section.LOCATION, codec=TEXT, limit=limits.NAME)
    appointment_on = SealedField(section=Section.LOCATION, codec=DATE)
    submitted_on = SealedField(section=Section.LEGAL, codec=DATE)
    decision_due = SealedField(section=Section.LEGAL, codec=DATE)
    decided_on = SealedField(section=Section.LEGAL, codec=DATE)
    refusal_reasons = SealedField(section=Section.LEGAL, codec=TEXT, limit=limits.TEXT)
    appeal_deadline = SealedField(section=Section.LEGAL, codec=DATE)
    valid_until = SealedField(section=Section.LEGAL, codec=DATE)
    enter_by = SealedField(section=Section.LEGAL, codec=DATE)
    entered_on = SealedField(section=Section.LEGAL, codec=DATE)

    class Meta:
        ordering = ["-created_month", "id"]

    def __str__(self) -> str:
        return self.get_route_display()

    def get_route_display(self) -> str:
        """The route's name (one query; the code if the route is gone)."""
        route = Route.objects.filter(code=self.route).first()
        return str(route) if route is not None else self.route


class DossierRequirement(models.Model):
    """The dossier template of a route: which document types it needs (edited by platform
    admins in the app, seeded from DOMAIN.md). Added or changed, it reaches the dossiers of
    the route still in draft."""

    route = models.ForeignKey(
        Route,
        on_delete=models.CASCADE,
        db_column="route",
        related_name="requirements",
        verbose_name=_("route"),
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("document type")
    )
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(default=100)
    # Other types that satisfy the item as well (an e-summons for the summons), no reason asked.
    also_accepts = models.ManyToManyField(
        DocumentType, blank=True, related_name="+", verbose_name=_("also accepts")
    )

    class Meta:
        ordering = ["route", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "document_type"], name="one_requirement_per_route_type"
            )
        ]
        verbose_name = _("dossier requirement")
        verbose_name_plural = _("dossier requirements")

    def __str__(self) -> str:
        return f"{self.route_id}: {self.document_type}"


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    SUBMITTED = "submitted", _("Submitted")
    DECIDED = "decided", _("Decided")


# Statuses in which the caseworkers change the dossier's content.
EDITABLE_STATUSES = frozenset({DossierStatus.DRAFT, DossierStatus.CHANGES_REQUESTED})


class Dossier(models.Model):
    """The bundle for one visa application: checklist, testimony excerpt, legal exposure
    summary, vetting record and the lawyer's review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dossiers")
    visa_application = models.OneToOneField(
        VisaApplication, on_delete=models.CASCADE, related_name="dossier"
    )
    status = models.CharField(
        _("status"), max_length=24, choices=DossierStatus.choices, default=DossierStatus.DRAFT
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers_to_review",
        verbose_name=_("reviewing lawyer"),
    )
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("vetted by"),
    )
    vetted_at = models.DateTimeField(_("vetted at"), null=True, blank=True)
    testimony = models.ForeignKey(
        Testimony, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_month = models.DateField(default=this_month)
    updated_at = models.DateTimeField(default=timezone.now)
    vetting_note = SealedField(section=Section.LEGAL, codec=TEXT, limit=limits.SHORT_TEXT)
    testimony_excerpt = SealedField(section=Section.TESTIMONY, codec=TEXT, limit=limits.STATEMENT)
    exposure_summary = SealedField(section=Section.LEGAL, codec=TEXT, limit=limits.TEXT)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["reviewer", "status"])]

    def __str__(self) -> str:
        return f"dossier {self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_vetted(self) -> bool:
        return self.vetted_at is not None


class DossierItem(models.Model):
    """One line of the checklist, copied from the route's requirements when the dossier is
    created; requirements added or changed later reach the dossiers still in draft. It takes
    documents of its type; another type only with ``override_reason``, which the lawyer sees."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The dossier's case: the envelope binds the sealed override reason to it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="items")
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("document type")
    )
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)
    documents: models.ManyToManyField[Document, DossierDocument] = models.ManyToManyField(
        Document, through="DossierDocument", related_name="dossier_items", blank=True
    )
    # Why documents of another type stand under this item (empty: all are of its type).
    override_reason = SealedField(section=Section.DOCUMENTS, codec=TEXT, limit=limits.SHORT_TEXT)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "document_type"], name="one_item_per_type")
        ]

    def __str__(self) -> str:
        return str(self.document_type)


class DossierDocument(models.Model):
    """A case document included under a checklist item, in bundle order."""

    item = models.ForeignKey(DossierItem, on_delete=models.CASCADE, related_name="links")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "document"], name="one_link_per_document")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.document_id}"


class ReviewComment(models.Model):
    """A comment by the caseworkers or the reviewing lawyer, on one checklist item or (no item)
    on the whole dossier. Sealed; shown to them only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey(
        DossierItem, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    text = SealedField(section=Section.DOCUMENTS, codec=TEXT)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class ReviewDecision(models.TextChoices):
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")


class LawyerReview(models.Model):
    """A lawyer's verdict on the dossier as it stood: changes requested, or approved."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=24, choices=ReviewDecision.choices)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"review {self.pk}"


class DossierExport(models.Model):
    """One PDF export. Its ``code`` is printed as a watermark on every page, so a leaked copy
    names the export, its recipient and the exporting user (``identify_export``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=16, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="exports")
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    exported_at = models.DateTimeField(default=timezone.now)
    encrypted = models.BooleanField(default=False)
    sha256 = models.CharField(max_length=64)
    recipient = SealedField(section=Section.DOCUMENTS, codec=TEXT, limit=limits.NAME)

    class Meta:
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return self.code
