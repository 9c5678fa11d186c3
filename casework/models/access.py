"""Access: guardian's per-section permission rows, consent, referrals, break-glass and notices
(written by casework.services.access and its neighbours, read by casework.selectors)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation
from casework import limits
from casework.fields import TEXT, SealedField
from casework.models.cases import Case
from casework.models.choices import IntakeChannel
from casework.sections import Section


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

    @classmethod
    def default_for(cls, intake_channel: str) -> ConsentGiver:
        """Who is taken to give consent by default: a case a relative brought starts from
        the relative (pending), never from the client."""
        return cls.RELATIVE if intake_channel == IntakeChannel.RELATIVE else cls.CLIENT


class ConsentConfirmation(models.TextChoices):
    """How the client confirmed a consent (themselves, not through a relative)."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    VIDEO_CALL = "video_call", _("By video call")
    SIGNED_MESSAGE = "signed_message", _("Signed or verified message from the client")
    SIGNED_FORM = "signed_form", _("Signed consent form")


class Consent(models.Model):
    """The client's consent to share named sections with one organisation for one purpose.
    It opens nothing until confirmed: given by the client, it is confirmed when recorded (how
    and when the client gave it are recorded with it); given by a relative, it is pending
    until the client confirms."""

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
    # When and how the client confirmed (as the caseworker was told), and who recorded it. A
    # consent is valid only once confirmed; rows from before "how" was asked have it blank.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_via = models.CharField(
        _("how the client confirmed"),
        max_length=16,
        choices=ConsentConfirmation.choices,
        blank=True,
    )
    confirmation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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
    explanation = SealedField(section=Section.NOTES, codec=TEXT, limit=limits.SHORT_TEXT)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "case", "expires_at"])]

    def __str__(self) -> str:
        return f"break-glass {self.pk}"


class AssignmentReason(models.TextChoices):
    CASEWORKER_LEFT = "caseworker_left", _("The assigned caseworker left or is unavailable")
    WORKLOAD = "workload", _("Sharing or balancing the workload")
    SAFETY = "safety", _("Immediate danger to the person")
    SUPERVISION = "supervision", _("Quality or safeguarding review")


class CaseAssignment(models.Model):
    """Who added whom to a case's assigned caseworkers, when, and — when the person assigning
    was not assigned themselves (an org admin) — why: a reason code in clear and an
    explanation sealed in the notes section, like break-glass. The assignment itself is
    Case.assigned_caseworkers; these rows are its accountable history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    # Blank when an assigned caseworker added a colleague: accountable only from outside.
    reason = models.CharField(
        _("reason"), max_length=32, choices=AssignmentReason.choices, blank=True
    )
    explanation = SealedField(section=Section.NOTES, codec=TEXT, limit=limits.SHORT_TEXT)

    class Meta:
        ordering = ["-assigned_at"]
        indexes = [models.Index(fields=["case", "user"])]

    def __str__(self) -> str:
        return f"assignment {self.pk}"

    @property
    def from_outside(self) -> bool:
        return bool(self.reason)


class LocationOpening(models.Model):
    """Before the person is verified, location and route open only to the assigned
    caseworkers who hold one of these: the caseworker who opened the case, and those an
    assigned caseworker holding it (or an org admin under break-glass) opened it to. Once the
    person is verified, every assigned caseworker reads the section."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="location_openings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_location_opening_per_user")
        ]

    def __str__(self) -> str:
        return f"location opening {self.pk}"


class NoticeKind(models.TextChoices):
    BREAK_GLASS = "break_glass", _("An organisation admin opened a case assigned to you")
    ASSIGNED_FROM_OUTSIDE = (
        "assigned_outside",
        _("An organisation admin assigned a caseworker to a case assigned to you"),
    )
    LOCATION_OPENED = "location_opened", _("Location and route of a case were opened to you")
    REFERRAL_RECEIVED = "referral_received", _("A case was referred to your organisation")
    REFERRAL_ANSWERED = "referral_answered", _("A referral was answered")
    REFERRAL_REVOKED = "referral_revoked", _("A referral was revoked")
    REFERRAL_ASSIGNED = (
        "referral_assigned",
        _("A case referred to your organisation was given to you"),
    )
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
    # The accountable act the notice is about, when there is one (its details are shown to
    # the assigned caseworkers behind login).
    assignment = models.ForeignKey(
        CaseAssignment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    break_glass = models.ForeignKey(
        BreakGlass, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kind
