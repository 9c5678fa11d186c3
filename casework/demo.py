"""Realistic demo cases for `seed_demo` (dev only): Russian names, several statuses, legal
exposure, testimonies and a document, all through the services (so sealed and audited)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from io import BytesIO

from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import Organisation, Role, User
from audit.services import deferred
from casework import services, workflow
from casework.envelope import key_scope
from casework.models import (
    Article,
    AttributeChange,
    Case,
    CaseStatusChange,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    Country,
    DocumentType,
    IntakeChannel,
    Language,
    LegalBasis,
    LegalCategory,
    ProceduralStage,
    Referral,
    ReferralAction,
    ReferralReason,
    ReferralStatus,
    RiskLevel,
    ServiceCategory,
    Status,
    StayedReason,
    WantedLevel,
)
from casework.sections import Section

SURNAMES = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
]  # fmt: skip
GIVEN = [
    "Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Никита", "Артём",
    "Павел", "Роман", "Егор", "Кирилл", "Максим", "Денис", "Олег", "Юрий",
]  # fmt: skip
PATRONYMICS = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Николаевич", "Олегович"]
PSEUDONYMS = [
    "Birch", "Heron", "Lynx", "Pine", "Otter", "Falcon", "Willow", "Badger", "Crane", "Maple",
    "Raven", "Cedar", "Marten", "Sparrow", "Aspen", "Wolfberry",
]  # fmt: skip
STATUSES = [
    Status.INTAKE, Status.TRIAGE, Status.VERIFICATION_PENDING, Status.CONSULTATION,
    Status.EXIT_PLANNING, Status.HIDING_IN_RUSSIA, Status.IN_TRANSIT,
    Status.DOSSIER_PREPARATION, Status.BORDER_CROSSING, Status.STAYED_IN_RUSSIA,
    Status.TRAVEL, Status.ASYLUM_LODGED, Status.DETAINED_ABROAD, Status.MISSING_CONTACT,
    Status.CLOSED,
]  # fmt: skip
# Lawyer review and the visa statuses follow the evacuation demo's dossier (events).
RUSSIAN_SERVICE = [c for c in ServiceCategory.values if c != ServiceCategory.OCCUPIED_UKRAINE]
TRANSIT = ["KZ", "AM", "GE", "TR", "RS", "KG", "FR", "DE"]
STATEMENTS = [
    "Меня мобилизовали в сентябре 2022 года. После ранения я находился в госпитале и не "
    "вернулся в часть. Командир угрожал отправить меня обратно на передовую.",
    "I signed a contract before the war and was sent to the front in March. I refused to go "
    "on an assault and was held in a basement for two weeks. I left when I was given leave.",
    "Повестку принесли родителям, когда я уже уехал. Теперь полиция приходит к матери и "
    "спрашивает, где я.",
]


def _tiny_photo(seed: int) -> bytes:
    image = Image.new("RGB", (64, 48), ((seed * 37) % 256, (seed * 91) % 256, 120))
    out = BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def seed_cases(
    *, organisation: Organisation, caseworkers: list[User], count: int, start: int = 0
) -> list[Case]:
    """Creates ``count`` demo cases in ``organisation``, each assigned to one of
    ``caseworkers`` (who must be caseworkers there), numbered from ``start``. Deterministic;
    not idempotent on its own (see top_up_cases). About 15 queries and 40 AES-GCM calls
    per case."""
    if not caseworkers or count <= 0:
        return []
    rng = random.Random(f"{organisation.slug}:{start}")  # noqa: S311 - demo data, not secrets
    countries = {c.code: c for c in Country.objects.filter(code__in=TRANSIT)}
    photo_type = DocumentType.objects.filter(code="photo").first()
    today = timezone.now().date()
    created = []
    with key_scope():
        for index in range(start, start + count):
            by = caseworkers[index % len(caseworkers)]
            surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
            legal_name = f"{surname} {given} {rng.choice(PATRONYMICS)}"
            legal = rng.choice(LegalCategory.values)
            service = rng.choice(RUSSIAN_SERVICE)
            with transaction.atomic(), deferred():
                case = services.case_create(
                    organisation=organisation,
                    by=by,
                    pseudonym=f"{rng.choice(PSEUDONYMS)} {index + 1}",
                    legal_name=legal_name,
                    date_of_birth=date(1975, 1, 1) + timedelta(days=rng.randrange(0, 10000)),
                    intake_channel=rng.choice(IntakeChannel.values),
                    legal_category=legal,
                    # Occupied Ukraine takes its own service category: none is chosen.
                    service_category="" if legal == LegalCategory.OCCUPIED_UKRAINE else service,
                    risk_level=rng.choice(RiskLevel.values),
                    country=countries.get(rng.choice(TRANSIT)),
                )
                services.person_update_contact(
                    case=case,
                    by=by,
                    phones=[
                        f"+7 9{rng.randrange(10, 99)} {rng.randrange(100, 999)} "
                        f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}"
                    ],
                    contact_handles=[f"Signal: {given.lower()}.{index}"],
                )
                services.exposure_add(
                    case=case,
                    by=by,
                    article=Article.A337_5,
                    during_mobilisation=True,
                    absence_start=today - timedelta(days=rng.randrange(3, 400)),
                    procedural_stage=rng.choice(ProceduralStage.values),
                    wanted_level=rng.choice(WantedLevel.values),
                    exit_ban=rng.random() < 0.3,
                    passport_confiscated=rng.random() < 0.4,
                    details="",
                )
                services.testimony_add(
                    case=case,
                    by=by,
                    language=Language.RUSSIAN,
                    text=rng.choice(STATEMENTS),
                    consent_dossier=rng.random() < 0.7,
                )
                status = STATUSES[index % len(STATUSES)]
                for step in workflow.path(Status.INTAKE, status):
                    services.case_change_status(
                        case=case, by=by, status=step, stayed_reason=StayedReason.HIDING
                    )
                if index % 3 == 0:
                    services.case_verify(case=case, by=by)
                    location = Country.objects.get(pk=rng.choice(TRANSIT))
                    services.location_update(
                        case=case,
                        by=by,
                        country=location,
                        legal_basis=rng.choice(LegalBasis.values),
                        region="",
                        stay_expires=today + timedelta(days=rng.randrange(10, 90)),
                        route_notes="",
                    )
                if photo_type is not None and index % 4 == 0:
                    services.document_upload(
                        case=case,
                        by=by,
                        document_type=photo_type,
                        data=_tiny_photo(index),
                        original_name="photo.jpg",
                    )
                # Demo history: spread the openings over the past year, so that the
                # statistics (months only, after a publication delay) have something to show.
                opened = (today - timedelta(days=rng.randrange(40, 365))).replace(day=1)
                Case.objects.filter(pk=case.pk).update(opened_month=opened)
                CaseStatusChange.objects.filter(case=case).update(changed_month=opened)
                AttributeChange.objects.filter(case=case).update(changed_month=opened)
            created.append(case)
    return created


def top_up_cases(*, slugs: list[str], per_organisation: int) -> list[Case]:
    """Gives each organisation named in ``slugs`` at least ``per_organisation`` cases, made by
    its caseworkers (idempotent: only the missing ones are created), and refers the first
    Get Lost case to InTransit (seed_referral). Returns the new cases."""
    created: list[Case] = []
    for organisation in Organisation.objects.filter(slug__in=slugs):
        caseworkers = list(
            User.objects.filter(
                memberships__organisation=organisation,
                memberships__role=Role.CASEWORKER,
                is_active=True,
                frozen_at__isnull=True,
            ).order_by("email")
        )
        existing = Case.objects.filter(organisation=organisation).count()
        missing = per_organisation - existing
        if caseworkers and missing > 0:
            created += seed_cases(
                organisation=organisation,
                caseworkers=caseworkers,
                count=missing,
                start=existing,
            )
    seed_referral(from_slug="get-lost", to_slug="intransit")
    return created


def seed_referral(*, from_slug: str, to_slug: str) -> Referral | None:
    """One accepted referral (testimony, legal and documents, to view, comment and review the
    dossier, under the client's consent) of the first case of ``from_slug`` to the lawyer of
    ``to_slug``, so `make run` shows the partner side. Idempotent (a live referral from an
    older demo that shares less is revoked and replaced); does nothing when either
    organisation, the case or the lawyer is missing."""

    case = Case.objects.filter(organisation__slug=from_slug).order_by("year", "number").first()
    receiver = Organisation.objects.filter(slug=to_slug).first()
    lawyer = User.objects.filter(
        memberships__organisation=receiver, memberships__role=Role.LAWYER, is_active=True
    ).first()
    caseworker = case.assigned_caseworkers.first() if case is not None else None
    if case is None or receiver is None or lawyer is None or caseworker is None:
        return None
    sections = [Section.TESTIMONY, Section.LEGAL, Section.DOCUMENTS]
    actions = [ReferralAction.VIEW, ReferralAction.COMMENT, ReferralAction.REVIEW_DOSSIER]
    existing = Referral.objects.filter(case=case, to_organisation=receiver).first()
    shares_enough = existing is not None and (
        set(sections) <= set(existing.sections) and set(actions) <= set(existing.actions)
    )
    if shares_enough:
        return existing
    with transaction.atomic(), deferred():
        if existing is not None and existing.status in (
            ReferralStatus.PENDING,
            ReferralStatus.ACCEPTED,
        ):
            services.referral_revoke(referral=existing, by=caseworker)
        consent = services.consent_record(
            case=case,
            by=caseworker,
            purpose=ConsentPurpose.LEGAL_ADVICE,
            recipient=receiver,
            sections=sections,
            given_by=ConsentGiver.CLIENT,
            confirmed_via=ConsentConfirmation.IN_PERSON,
            confirmed_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=180),
        )
        referral = services.referral_create(
            case=case,
            by=caseworker,
            to_organisation=receiver,
            sections=sections,
            actions=actions,
            reason=ReferralReason.LEGAL_REVIEW,
            expires_at=timezone.now() + timedelta(days=90),
            consent=consent,
            recipient=lawyer,
        )
        services.referral_accept(referral=referral, by=lawyer)
    return referral
