"""The coarse categories a case carries in clear (lists, filters, statistics), and months."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- Enumerations (DOMAIN.md). Lists an admin must extend are tables: Country, DocumentType.


def this_month() -> date:
    return timezone.now().date().replace(day=1)


class IntakeChannel(models.TextChoices):
    TELEGRAM_BOT = "telegram_bot", _("Telegram bot")
    SECURE_LINE = "secure_line", _("Secure line")
    HOTLINE = "hotline", _("Hotline")
    EMAIL = "email", _("E-mail")
    PARTNER_REFERRAL = "partner_referral", _("Partner referral")
    RELATIVE = "relative", _("Request by a relative (client must confirm consent)")
    CONTACT_PAGE = "contact_page", _("Contact page")
    API = "api", _("Partner tool (API)")


class LegalCategory(models.TextChoices):
    DESERTER = "deserter", _("Deserter")
    OBJECTOR = "objector", _("Conscientious objector")
    EVADER = "evader", _("Evader (left before any call-up)")
    REFUSER = "refuser", _("Refuser in service")
    SURRENDERED = "surrendered", _("Surrendered")
    # Their own category (not "deserter"): Ukrainians forced into the Russian army in the
    # occupied territories face other law and other routes.
    OCCUPIED_UKRAINE = "occupied_ukraine", _("Resident of occupied Ukraine, forcibly mobilised")
    # A channel intake (Telegram, the contact page, the API) before a caseworker takes it on.
    UNKNOWN = "unknown", _("Not yet known")


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
    UNKNOWN = "unknown", _("Not yet known")


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
    ARRIVED = "arrived", _("Arrived at destination")
    ASYLUM_LODGED = "asylum_lodged", _("Asylum lodged")
    PROTECTED = "protected", _("Protected")
    REJECTED = "rejected", _("Rejected")
    # An outcome, not a failure: the person chose or had to stay (the reason says how).
    STAYED_IN_RUSSIA = "stayed_in_russia", _("Stayed in Russia")
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


class StayedReason(models.TextChoices):
    HIDING = "hiding", _("Hiding")
    REFUSING_IN_SERVICE = "refusing_in_service", _("Refusing in service")
    LEGAL_ROUTE = "legal_route", _("A legal route (e.g. alternative civilian service)")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


RISK_ORDER: list[str] = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]


def more_severe(*levels: str) -> str:
    """The most severe of the given risk levels ("" ignored; "" when none is given)."""
    known = [level for level in levels if level in RISK_ORDER]
    return max(known, key=RISK_ORDER.index) if known else ""


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
