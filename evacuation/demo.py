"""A demo dossier for `seed_demo` (dev only): a contract soldier deserted to Kazakhstan, where
the Get Lost case that casework.demo refers to InTransit waits for a French humanitarian
visa without a passport, its dossier vetted and in review with InTransit's lawyer.
Everything goes through the services, so it is sealed and audited like real work."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from audit.services import deferred
from casework import services as casework_services
from casework.demo import seed_referral
from casework.envelope import key_scope
from casework.models import (
    Case,
    Country,
    Language,
    LegalBasis,
    LegalCategory,
    RiskLevel,
    ServiceCategory,
    Testimony,
)
from evacuation import services
from evacuation.models import (
    Dossier,
    PlanStatus,
    StepKind,
    StepStatus,
    VisaRoute,
)
from evacuation.selectors import may_review

# Document types sent as a photo; the others as a PDF.
PHOTOS = frozenset({"internal-passport", "military-id", "foreign-passport"})
STATEMENT = (
    "Я служил по контракту и в марте отказался идти на штурм. Две недели меня держали в "
    "подвале, потом отпустили в отпуск, и я уехал в Казахстан."
)
EXPOSURE = (
    "Art. 338 (desertion during mobilisation, 5 to 15 years): criminal case opened, "
    "on the federal wanted list; the foreign passport stayed with the unit."
)
VETTING = "Vetted in person in Almaty: identity checked against the military ID."


def _demo_scan(title: str, image_format: str) -> bytes:
    """A tiny generated page with ``title`` on it, as PNG or PDF."""
    image = Image.new("RGB", (320, 200), (245, 243, 236))
    ImageDraw.Draw(image).text((16, 16), f"{title} (demo)", fill=(20, 20, 20))
    out = BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def _steps(case: Case, by: User, appointment: date) -> None:
    today = timezone.now().date()
    steps = [
        (StepKind.LEAVE_UNIT, "RU", today - timedelta(days=80), StepStatus.DONE),
        (StepKind.CROSS_BORDER, "KZ", today - timedelta(days=75), StepStatus.DONE),
        (StepKind.TRANSIT_STAY, "KZ", today - timedelta(days=75), StepStatus.PLANNED),
        (StepKind.CONSULATE_APPOINTMENT, "KZ", appointment, StepStatus.PLANNED),
        (StepKind.TRAVEL, "FR", appointment + timedelta(days=30), StepStatus.PLANNED),
        (StepKind.ASYLUM_REGISTRATION, "FR", appointment + timedelta(days=35), StepStatus.PLANNED),
    ]
    for kind, country, day, status in steps:
        services.step_save(
            case=case,
            by=by,
            kind=kind,
            country=country,
            planned_on=day,
            done_on=day if status == StepStatus.DONE else None,
            status=status,
            notes="",
        )


def _statement(case: Case, by: User) -> Testimony:
    """The case's first statement usable in a dossier, or a new one."""
    found = case.testimonies.filter(consent_dossier=True).order_by("number", "version").first()
    return found or casework_services.testimony_add(
        case=case, by=by, language=Language.RUSSIAN, text=STATEMENT, consent_dossier=True
    )


def _fill_checklist(dossier: Dossier, by: User) -> None:
    """Links a document of the case to each required item, uploading a demo one if missing."""
    case = dossier.case
    for item in dossier.items.filter(required=True).select_related("document_type"):
        kind = item.document_type
        document = case.documents.filter(document_type=kind).order_by("seq").first()
        if document is None:
            photo = kind.code in PHOTOS
            document = casework_services.document_upload(
                case=case,
                by=by,
                document_type=kind,
                data=_demo_scan(kind.name, "PNG" if photo else "PDF"),
                original_name=f"{kind.code}.{'png' if photo else 'pdf'}",
            )
        services.dossier_link(dossier=dossier, by=by, item=item, documents=[document])


def seed_dossier() -> Dossier | None:
    """The demo dossier in review: the referred Get Lost case verified and located in
    Kazakhstan, a plan Russia → Kazakhstan → France, a pending French humanitarian visa with
    an appointment three weeks ahead, and its dossier complete, vetted and submitted to
    InTransit's lawyer. Idempotent (a case that has a dossier is left alone); None when the
    demo organisations, the case or a lawyer who may review are missing."""
    referral = seed_referral(from_slug="get-lost", to_slug="intransit")
    if referral is None:
        return None
    case = referral.case
    existing = Dossier.objects.filter(case=case).first()
    if existing is not None:
        return existing
    lawyer = referral.recipient
    by = case.assigned_caseworkers.order_by("email").first()
    if lawyer is None or by is None or not may_review(user=lawyer, case=case):
        return None
    appointment = timezone.now().date() + timedelta(days=21)
    with key_scope(), transaction.atomic(), deferred():
        if not case.is_verified:
            casework_services.case_verify(case=case, by=by)
        # A contract soldier who deserted.
        casework_services.case_update_shell(
            case=case,
            by=by,
            risk_level=RiskLevel.HIGH,
            legal_category=LegalCategory.DESERTER,
            service_category=ServiceCategory.CONTRACT_AFTER,
        )
        casework_services.location_update(
            case=case,
            by=by,
            country=Country.objects.get(pk="KZ"),
            legal_basis=LegalBasis.VISA_FREE,
            region="Almaty",
            stay_expires=None,  # the 90-in-180 rule gives the limit
            route_notes="",
        )
        services.plan_save(
            case=case,
            by=by,
            status=PlanStatus.ACTIVE,
            origin_region="Volga federal district",
            transit_countries=["KZ"],
            destination="FR",
            fallback_notes="If the visa is refused: appeal, and move to Armenia before day 90.",
        )
        _steps(case, by, appointment)
        application = services.visa_save(
            case=case,
            by=by,
            route=VisaRoute.FR_HUMANITARIAN,
            destination="FR",
            consulate="Consulate General of France, Almaty",
            appointment_on=appointment,
        )
        dossier = services.dossier_create(application=application, by=by)
        _fill_checklist(dossier, by)
        statement = _statement(case, by)
        services.dossier_contents(
            dossier=dossier,
            by=by,
            testimony=statement,
            testimony_excerpt=case.envelope.open(statement, "text")[:400],
            exposure_summary=EXPOSURE,
        )
        services.dossier_vet(dossier=dossier, by=by, note=VETTING)
        services.dossier_assign_reviewer(dossier=dossier, by=by, lawyer=lawyer)
        # Submitting for review moves the case to lawyer review (casework.workflow events).
        dossier = services.dossier_submit_for_review(dossier=dossier, by=by)
    return dossier
