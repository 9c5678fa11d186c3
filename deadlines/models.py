"""Deadlines on cases, the reminders they raise, in-app notifications and e-mail digests.

A deadline's day is sealed, in the section of the date it derives from (an art. 337
threshold gives away the absence start, a consulate appointment is the appointment): only its
month is in clear, for the reminder scan to narrow by and for statistics. What the deadline is
about stays in its sealed note; e-mails say nothing but "sign in".
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from casework import limits
from casework.fields import DATE, TEXT, SealedField
from casework.models import Case, Status
from casework.sections import Section
from casework.translations import translated

DEFAULT_OFFSETS = [14, 7, 3, 1, 0]


def default_offsets() -> list[int]:
    return list(DEFAULT_OFFSETS)


def today():
    return timezone.now().date()


# Labels of the seeded kinds, translated; a kind an admin adds shows its own name.
KIND_LABELS = {
    "consulate_appointment": _("Consulate appointment"),
    "decision_due": _("Decision due"),
    "appeal": _("Appeal deadline"),
    "enter_by": _("Enter by"),
    "visa_expiry": _("Visa expiry"),
    "passport_validity": _("Passport validity"),
    "transit_stay_limit": _("Transit stay limit"),
    "asylum_reporting": _("Asylum reporting"),
    "dublin_transfer": _("Dublin transfer"),
    "court_date": _("Court date"),
    "art337_threshold": _("Art. 337 threshold"),
    "esummons_served": _("E-summons deemed served"),
    "welfare_checkin": _("Welfare check-in"),
    "custom": _("Other"),
}

# What an information date means once it has come, by kind (a kind an admin adds: its note).
KIND_EFFECTS = {
    "art337_threshold": _(
        "The absence passes a threshold of art. 337: the legal exposure becomes heavier."
    ),
    "esummons_served": _(
        "The e-summons counts as served: the restrictions of the register apply from this day."
    ),
}


class DeadlineKind(models.Model):
    """A kind of deadline (DOMAIN.md). Data, not code: an admin adds kinds and edits the
    reminder offsets (days before the due date)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_i18n = models.JSONField(_("name, translated"), default=dict, blank=True)
    reminder_offsets = models.JSONField(
        _("reminder offsets (days before)"), default=default_offsets
    )
    position = models.PositiveSmallIntegerField(default=100)
    # A date when a legal effect begins (a threshold passed, an e-summons served): never a task.
    information = models.BooleanField(_("information date, not a task"), default=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("deadline kind")
        verbose_name_plural = _("deadline kinds")

    def __str__(self) -> str:
        return translated(self, "name", default=KIND_LABELS.get(self.code, self.name))

    label = property(__str__)  # the name in the active language

    def offsets(self) -> list[int]:
        """The offsets as sorted, distinct, non-negative days (bad admin input dropped)."""
        values = self.reminder_offsets if isinstance(self.reminder_offsets, list) else []
        return sorted({int(v) for v in values if isinstance(v, int) and 0 <= v <= 366})


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class DeadlineSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    ART_337 = "art337", _("Computed from the absence start")
    TRANSIT_STAY = "transit_stay", _("Computed from the stay dates")
    VISA = "visa", _("Computed from the visa application")
    ESUMMONS = "esummons", _("Computed from the e-summons")


# The sections a due date is sealed in, and the column of each (Deadline.due_*).
DUE_FIELDS: dict[str, str] = {
    Section.LEGAL: "due_legal",
    Section.LOCATION: "due_location",
    Section.NOTES: "due_notes",
}
DUE_SECTIONS = [(value, label) for value, label in Section.choices if value in DUE_FIELDS]


class Deadline(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.ForeignKey(
        DeadlineKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    # The first day of the month the deadline falls due, in clear: the reminder scan narrows
    # by it and statistics count by it. The day itself is sealed in ``due_section``'s column
    # below (deadlines.dates seals and opens it): the section of the date it derives from
    # (art. 337 -> legal, stay limit -> location, visa -> its field's section, by hand -> notes,
    # like the note: a hand-entered "consulate appointment" is the sealed appointment).
    due_month = models.DateField(_("due in month"))
    due_section = models.CharField(max_length=16, choices=DUE_SECTIONS)
    # None: the case's assigned caseworkers, whoever they are when the reminder goes out.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    source = models.CharField(
        max_length=16, choices=DeadlineSource.choices, default=DeadlineSource.MANUAL
    )
    # Taken from the kind when the deadline is made: a date that records a legal effect,
    # listed as an event on the case, left out of overdue lists and the dashboard's tasks.
    information = models.BooleanField(_("information date"), default=False)
    # The month (its first day) the deadline was marked done; None while open or cancelled.
    # Month resolution only, like every clear-text date the statistics read (stats,
    # "deadlines met vs missed"): the day is not needed and would say more than needed.
    completed_month = models.DateField(_("completed in month"), null=True, blank=True)
    # For computed deadlines: which source row and threshold (ids and codes only).
    source_key = models.CharField(max_length=64, blank=True)
    # Reminder windows that opened before the deadline existed are not sent.
    created_on = models.DateField(default=today)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = SealedField(section=Section.NOTES, codec=TEXT, limit=limits.SHORT_TEXT)
    due_legal = SealedField(section=Section.LEGAL, codec=DATE)
    due_location = SealedField(section=Section.LOCATION, codec=DATE)
    due_notes = SealedField(section=Section.NOTES, codec=DATE)

    # Set by deadlines.dates.open_for (not columns): the opened day (None when the reader may
    # not open it), days left, overdue; by selectors.case_deadlines: note and history.
    due: date | None
    days_left: int | None
    overdue: bool
    note_text: str
    history: list[dict]

    class Meta:
        ordering = ["due_month", "id"]
        indexes = [models.Index(fields=["status", "due_month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "source", "source_key"],
                condition=~Q(source="manual"),
                name="one_computed_deadline_per_source",
            )
        ]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")

    def __str__(self) -> str:
        return f"deadline {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == DeadlineStatus.OPEN

    @property
    def effect(self):
        """What the date means once it has come (information dates), or None."""
        return KIND_EFFECTS.get(self.kind.code) if self.information else None


class DeadlineChange(models.Model):
    """One change of a deadline entered by hand (a Dublin transfer extended from 6 to 12
    months): the day before and after and the reason, sealed with the notes like its day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="changes")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    due_before = SealedField(section=Section.NOTES, codec=DATE)
    due_after = SealedField(section=Section.NOTES, codec=DATE)
    reason = SealedField(section=Section.NOTES, codec=TEXT, limit=limits.SHORT_TEXT)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"deadline change {self.pk}"


class ReminderClaim(models.Model):
    """One (deadline, offset) reminder, claimed exactly once: the unique constraint decides
    which scan sends it when several run at once. No time of claiming: a claim is made on the
    day its window opens, so its day minus the offset would be the sealed due date."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="claims")
    offset = models.PositiveSmallIntegerField()
    run = models.UUIDField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deadline", "offset"], name="one_claim_per_offset")
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id}@{self.offset}"


class NotificationKind(models.TextChoices):
    DEADLINE = "deadline", _("Deadline reminder")
    CHECKIN_MISSED = "checkin_missed", _("Missed welfare check-in")
    RETENTION_WARNING = "retention_warning", _("Section to be erased soon")


class Notification(models.Model):
    """In-app, behind the login: points at the deadline or case; the page shows details.
    A deadline reminder's ``created_at`` is the first of its month (the reminder scan): the
    day a reminder went out, with its offset, would give away the sealed due date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    deadline = models.ForeignKey(
        Deadline, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    offset = models.PositiveSmallIntegerField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"notification {self.pk}"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("send me e-mail reminders"), default=True)
    # Quiet hours in UTC (the server's time zone); quiet_start > quiet_end spans midnight.
    quiet_start = models.TimeField(_("quiet hours from (UTC)"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until (UTC)"), null=True, blank=True)

    def __str__(self) -> str:
        return f"preferences {self.user_id}"


class OutboundEmail(models.Model):
    """A content-free digest e-mail owed to one person. At most one is pending per person:
    reminders that come due while one waits are covered by it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    not_before = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(sent_at__isnull=True), name="one_pending_email"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "not_before"])]

    def __str__(self) -> str:
        return f"email {self.pk}"


class CheckInSchedule(models.Model):
    """Welfare check-ins: the person (through a caseworker) checks in every ``interval_hours``.
    A missed one escalates once per missed due time (``escalated_due`` claims it)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="checkin_schedule")
    interval_hours = models.PositiveSmallIntegerField(_("check in every (hours)"), default=48)
    active = models.BooleanField(default=True)
    last_check_in_at = models.DateTimeField(default=timezone.now)
    escalated_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["active", "last_check_in_at"])]

    def __str__(self) -> str:
        return f"check-ins {self.case_id}"

    @property
    def next_due(self):
        return self.last_check_in_at + timedelta(hours=self.interval_hours)


class CheckIn(models.Model):
    schedule = models.ForeignKey(CheckInSchedule, on_delete=models.CASCADE, related_name="checkins")
    at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"check-in {self.pk}"


class RetentionRule(models.Model):
    """An organisation keeps ``section`` of its cases ``keep_days`` days after a case enters
    ``status`` (e.g. location 30 days after "protected"; identity 730 days after "closed")."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="retention_rules"
    )
    status = models.CharField(_("case status"), max_length=24, choices=Status.choices)
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    keep_days = models.PositiveIntegerField(_("keep for (days)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "status", "section"], name="one_rule_per_status_section"
            )
        ]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"{self.status}/{self.section}: {self.keep_days}"


class CaseRetention(models.Model):
    """Retention state of a case: since when it has had its status (as first seen by the
    daily run, so a clock never starts early) and the legal hold that stops shredding."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="retention")
    status = models.CharField(max_length=24, choices=Status.choices)
    status_since = models.DateField(default=today)
    legal_hold = models.BooleanField(_("legal hold"), default=False)

    def __str__(self) -> str:
        return f"retention {self.case_id}"


class RetentionAction(models.Model):
    """One section's scheduled erasure: warned (at least 14 days ahead), then shredded."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="retention_actions")
    section = models.CharField(max_length=16, choices=Section.choices)
    status = models.CharField(max_length=24, choices=Status.choices)
    due_on = models.DateField()
    warned_on = models.DateField(null=True, blank=True)
    shredded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "section", "status"], name="one_action_per_section_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.section}"
