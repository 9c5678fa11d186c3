"""What the API takes and gives. Responses are built from what the selectors returned (the
sections a caller may open, already opened); nothing here reads the database or decrypts."""

from __future__ import annotations

from rest_framework import serializers

from casework.models import (
    IntakeChannel,
    Language,
    LegalCategory,
    RiskLevel,
    ServiceCategory,
    Status,
)
from casework.sections import Section

# --- Intake (intake tokens) ---------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """Text as JSON text only: a number or a list is refused, not turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false only (not 0, 1, "yes")."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictRegexField(serializers.RegexField):
    """A RegexField (its pattern in the schema) taking JSON text only."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntakeIn(serializers.Serializer):
    # Something besides spaces (the pattern says so in the schema too).
    text = StrictRegexField(
        r"\S",
        min_length=1,
        max_length=10000,
        help_text="What the person wrote: stored sealed in the case's testimony section.",
    )
    contact = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="How to reach the person (a Telegram or Signal handle, a phone number): "
        "stored sealed in the case's contact section.",
    )
    language = serializers.ChoiceField(choices=Language.choices, default=Language.RUSSIAN)
    urgent = StrictBooleanField(default=False)
    sender = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Your own opaque id for the person (e.g. your ticket number), never a name: "
        "later intakes with the same id join the same conversation. Kept only as a keyed hash.",
    )


class IntakeOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["received"])


# --- Cases ----------------------------------------------------------------------------------------


class CaseOutline(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    legal_category = serializers.ChoiceField(choices=LegalCategory.choices, allow_blank=True)
    service_category = serializers.ChoiceField(choices=ServiceCategory.choices, allow_blank=True)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    intake_channel = serializers.ChoiceField(choices=IntakeChannel.choices, allow_blank=True)
    opened_month = serializers.DateField()
    verified = serializers.BooleanField(source="is_verified")


class Identity(serializers.Serializer):
    pseudonym = serializers.CharField()
    legal_name = serializers.CharField(allow_blank=True, allow_null=True)
    aliases = serializers.ListField(child=serializers.CharField(), allow_null=True)
    date_of_birth = serializers.DateField(allow_null=True)
    citizenships = serializers.ListField(child=serializers.CharField(), allow_null=True)
    passport_numbers = serializers.ListField(child=serializers.CharField(), allow_null=True)
    relatives_at_risk = serializers.CharField(allow_blank=True, allow_null=True)


class Contact(serializers.Serializer):
    phones = serializers.ListField(child=serializers.CharField(), allow_null=True)
    contact_handles = serializers.ListField(child=serializers.CharField(), allow_null=True)


class Location(serializers.Serializer):
    country = serializers.CharField(allow_null=True)
    legal_basis = serializers.CharField(allow_blank=True, allow_null=True)
    entered_on = serializers.DateField(allow_null=True)
    region = serializers.CharField(allow_blank=True, allow_null=True)
    risk_region = serializers.CharField(allow_blank=True, allow_null=True)
    stay_expires = serializers.DateField(allow_null=True)
    route_notes = serializers.CharField(allow_blank=True, allow_null=True)


class Exposure(serializers.Serializer):
    id = serializers.UUIDField()
    article = serializers.CharField()
    article_now = serializers.CharField(help_text="The article and part the days absent make.")
    during_mobilisation = serializers.BooleanField()
    procedural_stage = serializers.CharField()
    wanted_level = serializers.CharField()
    exit_ban = serializers.BooleanField()
    passport_confiscated = serializers.BooleanField()
    absence_start = serializers.DateField(allow_null=True)
    esummons_placed_on = serializers.DateField(allow_null=True)
    details = serializers.CharField(allow_blank=True, allow_null=True)


class Legal(serializers.Serializer):
    exposures = Exposure(many=True)


class StatementVersion(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    language = serializers.CharField()
    consent_dossier = serializers.BooleanField()
    recorded_month = serializers.DateField()
    text = serializers.CharField(allow_blank=True, allow_null=True)


class Statement(serializers.Serializer):
    number = serializers.IntegerField()
    versions = StatementVersion(many=True, help_text="Newest first.")


class Testimony(serializers.Serializer):
    statements = Statement(many=True)


class DocumentEntry(serializers.Serializer):
    id = serializers.UUIDField()
    document_type = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_month = serializers.DateField()
    original_name = serializers.CharField(allow_blank=True, allow_null=True)
    description = serializers.CharField(allow_blank=True, allow_null=True)


class Documents(serializers.Serializer):
    documents = DocumentEntry(many=True)


class NoteEntry(serializers.Serializer):
    id = serializers.UUIDField()
    written_month = serializers.DateField()
    text = serializers.CharField(allow_blank=True, allow_null=True)


class Notes(serializers.Serializer):
    notes = NoteEntry(many=True)


SECTION_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    Section.IDENTITY: Identity,
    Section.CONTACT: Contact,
    Section.LOCATION: Location,
    Section.LEGAL: Legal,
    Section.TESTIMONY: Testimony,
    Section.DOCUMENTS: Documents,
    Section.NOTES: Notes,
}


class Sections(serializers.Serializer):
    """Only the sections the caller may open; a section absent here is not shared with the
    caller (or, listed in ``erased``, was erased)."""

    identity = Identity(required=False)
    contact = Contact(required=False)
    location = Location(required=False)
    legal = Legal(required=False)
    testimony = Testimony(required=False)
    documents = Documents(required=False)
    notes = Notes(required=False)


class CaseDetail(CaseOutline):
    sections = Sections()
    erased = serializers.ListField(
        child=serializers.ChoiceField(choices=Section.choices),
        help_text="Sections the caller may open whose content was erased (crypto-shredded).",
    )


class SectionOut(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    content = serializers.DictField(help_text="As the section's entry in a case's `sections`.")


# --- Deadlines, referrals, statistics -------------------------------------------------------------


class DeadlineOut(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.CharField(source="case.reference")
    kind = serializers.CharField(source="kind.code")
    due_month = serializers.DateField()
    due = serializers.DateField(
        allow_null=True, help_text="The day, when the caller may open the section that holds it."
    )
    days_left = serializers.IntegerField(allow_null=True)
    overdue = serializers.BooleanField()
    information = serializers.BooleanField()


class ReferralOut(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.CharField(source="case.reference")
    status = serializers.CharField()
    reason = serializers.CharField()
    sections = serializers.ListField(child=serializers.CharField())
    actions = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()


class ReleaseOut(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField()
    cut_off = serializers.DateField()
    created_at = serializers.DateTimeField()
    k = serializers.IntegerField(help_text="Figures under k are shown as fewer than k.")
    base = serializers.IntegerField(help_text="Counts are rounded to this base.")
    delay_days = serializers.IntegerField()


class PublishedTableOut(serializers.Serializer):
    breakdown = serializers.CharField()
    period = serializers.CharField()
    data = serializers.DictField(help_text="The table as published: codes and rounded counts.")
    sha256 = serializers.CharField(help_text="SHA-256 of the table's published CSV.")


class ReleaseDetailOut(ReleaseOut):
    scope = serializers.CharField(help_text='"all" or the organisation\'s id.')
    tables = PublishedTableOut(many=True)


class Detail(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        required=False,
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Refused input: the messages per field (400 only).",
    )
