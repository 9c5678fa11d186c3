"""Evacuation services and selectors: sealed round trips, validation that writes nothing,
who may review a dossier, and the dossier workflow from draft to decided, audited."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from audit.models import AuditEvent
from casework import services as casework_services
from casework.models import CaseNotice, DocumentType, NoticeKind, ReferralAction
from casework.sections import Section
from deadlines.models import Deadline
from evacuation import services
from evacuation.models import (
    Decision,
    Dossier,
    DossierDocument,
    DossierStatus,
    EvacuationPlan,
    EvacuationStep,
    LawyerReview,
    PlanStatus,
    ReviewComment,
    ReviewDecision,
    StepKind,
    StepStatus,
    VisaApplication,
    VisaRoute,
)
from evacuation.selectors import (
    CASEWORKER,
    REVIEWER,
    dossier_role,
    dossiers_to_review,
    may_review,
    reviewers_for,
)
from tests.evacuation.conftest import refer

pytestmark = pytest.mark.django_db


def png(seed: int = 1) -> bytes:
    out = BytesIO()
    Image.new("RGB", (32, 24), (seed * 40 % 256, 90, 150)).save(out, format="PNG")
    return out.getvalue()


def upload(case, by, code: str, seed: int = 1):
    return casework_services.document_upload(
        case=case,
        by=by,
        document_type=DocumentType.objects.get(code=code),
        data=png(seed),
        original_name=f"{code}.png",
    )


def actions() -> list[str]:
    """The audit actions of this app so far: evacuation.* and dossier.*, in order."""
    return list(
        AuditEvent.objects.filter(
            Q(action__startswith="evacuation.") | Q(action__startswith="dossier.")
        ).values_list("action", flat=True)
    )


def fill_required_items(dossier, by) -> None:
    for seed, item in enumerate(dossier.items.filter(required=True)):
        document = upload(dossier.case, by, item.document_type.code, seed)
        services.dossier_link(dossier=dossier, by=by, item=item, documents=[document])


def ready_for_review(dossier, by, lawyer) -> Dossier:
    fill_required_items(dossier, by)
    services.dossier_vet(dossier=dossier, by=by, note="Vetted in person in Almaty")
    services.dossier_assign_reviewer(dossier=dossier, by=by, lawyer=lawyer)
    return services.dossier_submit_for_review(dossier=dossier, by=by)


def approved(dossier, caseworker, lawyer) -> Dossier:
    ready_for_review(dossier, caseworker, lawyer)
    return services.dossier_review(dossier=dossier, by=lawyer, decision=ReviewDecision.APPROVED)


# --- Plans and steps --------------------------------------------------------------------------


def test_plan_and_steps_round_trip_through_the_envelope(case_kz, caseworker_getlost):
    plan = services.plan_save(
        case=case_kz,
        by=caseworker_getlost,
        status=PlanStatus.ACTIVE,
        origin_region=" Samara region ",
        transit_countries=["kz", ""],
        destination="fr",
        fallback_notes="If the crossing fails, back to the safe flat",
    )
    first = services.step_save(
        case=case_kz,
        by=caseworker_getlost,
        kind=StepKind.CROSS_BORDER,
        country="KZ",
        planned_on=date(2026, 1, 10),
        done_on=date(2026, 1, 11),
        status=StepStatus.DONE,
        notes="Crossed at night",
    )
    second = services.step_save(
        case=case_kz,
        by=caseworker_getlost,
        kind=StepKind.CONSULATE_APPOINTMENT,
        country="",
        planned_on=timezone.now().date() + timedelta(days=20),
        done_on=None,
        status=StepStatus.PLANNED,
        notes="",
    )
    plan = EvacuationPlan.objects.get(pk=plan.pk)
    envelope = case_kz.envelope
    assert envelope.open_many(
        plan, ["origin_region", "transit_countries", "destination", "fallback_notes"]
    ) == {
        "origin_region": "Samara region",
        "transit_countries": ["KZ"],
        "destination": "FR",
        "fallback_notes": "If the crossing fails, back to the safe flat",
    }
    assert plan.status == PlanStatus.ACTIVE
    assert [s.pk for s in plan.steps.all()] == [first.pk, second.pk]
    assert [s.position for s in plan.steps.all()] == [1, 2]
    stored = EvacuationStep.objects.get(pk=first.pk)
    assert envelope.open_many(stored, ["kind", "country", "planned_on", "done_on", "notes"]) == {
        "kind": StepKind.CROSS_BORDER,
        "country": "KZ",
        "planned_on": date(2026, 1, 10),
        "done_on": date(2026, 1, 11),
        "notes": "Crossed at night",
    }
    assert b"Samara" not in bytes(plan.origin_region)
    assert b"cross_border" not in bytes(stored.kind)

    services.step_save(
        case=case_kz,
        by=caseworker_getlost,
        step=second,
        kind=StepKind.CONSULATE_APPOINTMENT,
        country="",
        planned_on=None,
        done_on=None,
        status=StepStatus.CANCELLED,
        notes="Moved",
    )
    assert EvacuationStep.objects.get(pk=second.pk).status == StepStatus.CANCELLED
    assert EvacuationStep.objects.count() == 2
    services.plan_save(
        case=case_kz,
        by=caseworker_getlost,
        status=PlanStatus.COMPLETED,
        origin_region="",
        transit_countries=[],
        destination="",
        fallback_notes="",
    )
    assert EvacuationPlan.objects.count() == 1
    assert actions() == [
        "evacuation.plan.created",
        "evacuation.step.saved",
        "evacuation.step.saved",
        "evacuation.step.saved",
        "evacuation.plan.updated",
    ]
    assert AuditEvent.objects.get(action="evacuation.plan.created").data == {
        "section": Section.LOCATION,
        "status": PlanStatus.ACTIVE,
    }


def step(case, by, **overrides):
    values = {
        "kind": StepKind.TRAVEL,
        "country": "FR",
        "planned_on": None,
        "done_on": None,
        "status": StepStatus.PLANNED,
        "notes": "",
    }
    values.update(overrides)
    return services.step_save(case=case, by=by, **values)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"country": "XX"}, services.ERR_UNKNOWN_COUNTRY),
        ({"kind": "teleport"}, services.ERR_UNKNOWN_KIND),
        ({"status": StepStatus.DONE}, services.ERR_DONE_WITHOUT_DATE),
        ({"done_on": date(2099, 1, 1)}, services.ERR_DONE_IN_FUTURE),
    ],
)
def test_a_bad_step_writes_nothing(case_kz, caseworker_getlost, overrides, message):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        step(case_kz, caseworker_getlost, **overrides)
    assert refused.value.messages == [str(message)]
    assert (EvacuationPlan.objects.count(), EvacuationStep.objects.count()) == (0, 0)
    assert AuditEvent.objects.count() == events


def test_a_plan_through_an_unknown_country_writes_nothing(case_kz, caseworker_getlost):
    for transit, destination in ((["KZ", "XX"], "FR"), (["KZ"], "Atlantis")):
        with pytest.raises(ValidationError) as refused:
            services.plan_save(
                case=case_kz,
                by=caseworker_getlost,
                status=PlanStatus.DRAFT,
                origin_region="Samara region",
                transit_countries=transit,
                destination=destination,
                fallback_notes="",
            )
        assert refused.value.messages == [str(services.ERR_UNKNOWN_COUNTRY)]
    assert not EvacuationPlan.objects.exists()
    assert actions() == []


# --- Visa applications ------------------------------------------------------------------------

DECIDED = date(2026, 2, 10)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {
                "decision": Decision.REFUSED,
                "decided_on": DECIDED,
                "appeal_deadline": DECIDED - timedelta(days=1),
            },
            services.ERR_APPEAL_BEFORE_DECISION,
        ),
        ({"appeal_deadline": DECIDED}, services.ERR_APPEAL_NOT_REFUSED),
        (
            {
                "decision": Decision.GRANTED,
                "decided_on": DECIDED,
                "valid_until": DECIDED + timedelta(days=30),
                "enter_by": DECIDED + timedelta(days=31),
            },
            services.ERR_ENTER_AFTER_VALID,
        ),
        ({"decision": Decision.GRANTED}, services.ERR_DECISION_DATE),
        ({"destination": "XX"}, services.ERR_UNKNOWN_COUNTRY),
    ],
)
def test_bad_visa_dates_give_the_exact_message_and_save_nothing(
    case_kz, caseworker_getlost, values, message
):
    deadlines, events = Deadline.objects.count(), AuditEvent.objects.count()
    arguments = {"route": VisaRoute.FR_HUMANITARIAN, "destination": "FR", **values}
    with pytest.raises(ValidationError) as refused:
        services.visa_save(case=case_kz, by=caseworker_getlost, **arguments)
    assert refused.value.messages == [str(message)]
    assert not VisaApplication.objects.exists()
    assert (Deadline.objects.count(), AuditEvent.objects.count()) == (deadlines, events)


def test_a_bad_change_leaves_the_application_as_it_was(visa_fr, caseworker_getlost):
    case = visa_fr.case
    before = case.envelope.open_many(visa_fr, ["consulate", "appointment_on"])
    with pytest.raises(ValidationError) as refused:
        services.visa_save(
            case=case,
            by=caseworker_getlost,
            application=visa_fr,
            route=VisaRoute.FR_HUMANITARIAN,
            destination="FR",
            decision=Decision.REFUSED,
            consulate="Embassy of France, Astana",
            decided_on=DECIDED,
            appeal_deadline=DECIDED - timedelta(days=3),
        )
    assert refused.value.messages == [str(services.ERR_APPEAL_BEFORE_DECISION)]
    stored = VisaApplication.objects.get(pk=visa_fr.pk)
    assert stored.decision == Decision.PENDING
    assert case.envelope.open_many(stored, ["consulate", "appointment_on"]) == before
    assert actions() == ["evacuation.visa.saved"]


def test_visa_dates_round_trip_sealed_in_their_sections(case_kz, caseworker_getlost):
    application = services.visa_save(
        case=case_kz,
        by=caseworker_getlost,
        route=VisaRoute.SCHENGEN_LTV,
        destination="de",
        decision=Decision.REFUSED,
        consulate="German embassy",
        submitted_on=DECIDED - timedelta(days=20),
        decided_on=DECIDED,
        refusal_reasons="Doubts about the summons",
        appeal_deadline=DECIDED + timedelta(days=30),
    )
    stored = VisaApplication.objects.get(pk=application.pk)
    assert (stored.destination_id, stored.decision) == ("DE", Decision.REFUSED)
    assert stored.decided_month == timezone.now().date().replace(day=1)
    values = case_kz.envelope.open_many(
        stored, ["consulate", "submitted_on", "refusal_reasons", "appeal_deadline"]
    )
    assert values == {
        "consulate": "German embassy",
        "submitted_on": DECIDED - timedelta(days=20),
        "refusal_reasons": "Doubts about the summons",
        "appeal_deadline": DECIDED + timedelta(days=30),
    }
    assert b"summons" not in bytes(stored.refusal_reasons)
    assert AuditEvent.objects.get(action="evacuation.visa.saved").data == {
        "status": Decision.REFUSED
    }


def test_only_assigned_caseworkers_write_plans_visas_and_dossiers(
    case_kz, visa_fr, colleague_getlost, lawyer_intransit, referral_review
):
    plans, visas, events = (
        EvacuationPlan.objects.count(),
        VisaApplication.objects.count(),
        AuditEvent.objects.count(),
    )
    for user in (colleague_getlost, lawyer_intransit):
        with pytest.raises(PermissionDenied):
            services.plan_save(
                case=case_kz,
                by=user,
                status=PlanStatus.DRAFT,
                origin_region="",
                transit_countries=["KZ"],
                destination="FR",
                fallback_notes="",
            )
        with pytest.raises(PermissionDenied):
            step(case_kz, user)
        with pytest.raises(PermissionDenied):
            services.visa_save(
                case=case_kz, by=user, route=VisaRoute.FR_HUMANITARIAN, destination="FR"
            )
        with pytest.raises(PermissionDenied):
            services.visa_save(
                case=case_kz,
                by=user,
                application=visa_fr,
                route=VisaRoute.FR_HUMANITARIAN,
                destination="FR",
                decision=Decision.WITHDRAWN,
            )
        with pytest.raises(PermissionDenied):
            services.dossier_create(application=visa_fr, by=user)
    assert (EvacuationPlan.objects.count(), VisaApplication.objects.count()) == (plans, visas)
    assert not EvacuationStep.objects.exists() and not Dossier.objects.exists()
    assert VisaApplication.objects.get().decision == Decision.PENDING
    assert AuditEvent.objects.count() == events


# --- Who may review ---------------------------------------------------------------------------


def test_an_own_lawyer_reviews_with_a_documents_grant_only(
    case_kz, caseworker_getlost, make_member
):
    lawyer = make_member("get-lost", Role.LAWYER)
    assert not may_review(user=lawyer, case=case_kz)
    casework_services.lawyer_grant(
        case=case_kz, by=caseworker_getlost, lawyer=lawyer, sections=[Section.LEGAL]
    )
    assert not may_review(user=lawyer, case=case_kz)
    assert reviewers_for(case=case_kz) == []
    casework_services.lawyer_grant(
        case=case_kz,
        by=caseworker_getlost,
        lawyer=lawyer,
        sections=[Section.LEGAL, Section.DOCUMENTS],
    )
    assert may_review(user=lawyer, case=case_kz)
    assert reviewers_for(case=case_kz) == [lawyer]
    assert not may_review(user=caseworker_getlost, case=case_kz)  # not a lawyer


def test_a_referred_lawyer_reviews_with_the_action_and_the_documents_section(
    case_kz, caseworker_getlost, lawyer_intransit, referral_review
):
    assert may_review(user=lawyer_intransit, case=case_kz)
    assert reviewers_for(case=case_kz) == [lawyer_intransit]
    casework_services.referral_revoke(referral=referral_review, by=caseworker_getlost)
    assert not may_review(user=lawyer_intransit, case=case_kz)
    assert reviewers_for(case=case_kz) == []


@pytest.mark.parametrize(
    ("actions", "sections"),
    [
        ([ReferralAction.VIEW, ReferralAction.COMMENT], [Section.LEGAL, Section.DOCUMENTS]),
        ([ReferralAction.REVIEW_DOSSIER], [Section.TESTIMONY, Section.LEGAL]),
    ],
)
def test_a_referral_without_the_review_action_or_the_documents_opens_no_review(
    case_kz, caseworker_getlost, lawyer_intransit, actions, sections
):
    refer(
        case_kz, by=caseworker_getlost, lawyer=lawyer_intransit, actions=actions, sections=sections
    )
    assert not may_review(user=lawyer_intransit, case=case_kz)
    assert reviewers_for(case=case_kz) == []


def test_a_referral_to_one_lawyer_does_not_let_a_colleague_review(
    case_kz, lawyer_intransit, referral_review, make_member, outsider
):
    colleague = make_member("intransit", Role.LAWYER)
    assert may_review(user=lawyer_intransit, case=case_kz)
    assert not may_review(user=colleague, case=case_kz)
    assert not may_review(user=outsider, case=case_kz)
    assert reviewers_for(case=case_kz) == [lawyer_intransit]


# --- Dossiers ---------------------------------------------------------------------------------


def test_a_dossier_copies_the_checklist_of_its_route(dossier, caseworker_getlost, visa_fr):
    seed = importlib.import_module("evacuation.migrations.0002_seed_dossier_requirements")
    template = seed.TEMPLATES[VisaRoute.FR_HUMANITARIAN]
    items = list(dossier.items.select_related("document_type"))
    assert [(i.document_type.code, i.required) for i in items] == list(template.items())
    assert dossier.status == DossierStatus.DRAFT and not dossier.is_vetted
    with pytest.raises(ValidationError) as refused:
        services.dossier_create(application=visa_fr, by=caseworker_getlost)
    assert refused.value.messages == [str(services.ERR_DOSSIER_EXISTS)]
    assert Dossier.objects.count() == 1
    event = AuditEvent.objects.get(action="dossier.created")
    assert (event.object_type, event.object_id) == ("evacuation.dossier", str(dossier.pk))


def test_review_is_blocked_before_vetting_and_the_message_lists_what_is_missing(
    dossier, caseworker_getlost, lawyer_intransit, referral_review
):
    required = [i.document_type.name for i in dossier.items.filter(required=True)]
    assert required == [
        "Internal passport",
        "Military ID",
        "Expert opinion on Russian law",
        "Vetting memo",
    ]
    with pytest.raises(ValidationError) as refused:
        services.dossier_submit_for_review(dossier=dossier, by=caseworker_getlost)
    assert refused.value.messages == [
        "Vetting has not been recorded.",
        str(services.MISSING_REVIEWER),
        *(f"Missing: {name}" for name in required),
    ]
    # Everything but the vetting: still blocked, and the message says only that.
    fill_required_items(dossier, caseworker_getlost)
    services.dossier_assign_reviewer(
        dossier=dossier, by=caseworker_getlost, lawyer=lawyer_intransit
    )
    with pytest.raises(ValidationError) as refused:
        services.dossier_submit_for_review(dossier=dossier, by=caseworker_getlost)
    assert refused.value.messages == ["Vetting has not been recorded."]
    assert Dossier.objects.get().status == DossierStatus.DRAFT
    assert not CaseNotice.objects.filter(kind=NoticeKind.DOSSIER_REVIEW).exists()
    assert "dossier.status_changed" not in actions()


def test_a_document_of_another_case_is_not_linked(dossier, open_case, caseworker_getlost):
    other_case = open_case(by=caseworker_getlost, pseudonym="Otter")
    theirs = upload(other_case, caseworker_getlost, "internal-passport")
    ours = upload(dossier.case, caseworker_getlost, "internal-passport", 2)
    item = dossier.items.get(document_type__code="internal-passport")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.dossier_link(
            dossier=dossier, by=caseworker_getlost, item=item, documents=[ours, theirs]
        )
    assert refused.value.messages == [str(services.ERR_DOCUMENT_OTHER_CASE)]
    assert not DossierDocument.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_statement_without_dossier_consent_is_refused(dossier, caseworker_getlost):
    case = dossier.case
    statement = casework_services.testimony_add(
        case=case,
        by=caseworker_getlost,
        language="ru",
        text="Я ушёл из части",
        consent_dossier=False,
    )
    with pytest.raises(ValidationError) as refused:
        services.dossier_contents(
            dossier=dossier,
            by=caseworker_getlost,
            testimony=statement,
            testimony_excerpt="Я ушёл из части",
            exposure_summary="Art. 338",
        )
    assert refused.value.messages == [str(services.ERR_TESTIMONY_NO_CONSENT)]
    stored = Dossier.objects.get()
    assert stored.testimony_id is None and stored.testimony_excerpt is None
    assert "dossier.contents_saved" not in actions()


def test_the_dossier_goes_through_review_changes_and_approval(
    dossier, caseworker_getlost, lawyer_intransit, referral_review
):
    case = dossier.case
    statement = casework_services.testimony_add(
        case=case,
        by=caseworker_getlost,
        language="ru",
        text="Я отказался идти на штурм и ушёл из части.",
        consent_dossier=True,
    )
    services.dossier_contents(
        dossier=dossier,
        by=caseworker_getlost,
        testimony=statement,
        testimony_excerpt="Я отказался идти на штурм",
        exposure_summary="Art. 338: desertion during mobilisation, 5-15 years",
    )
    ready_for_review(dossier, caseworker_getlost, lawyer_intransit)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_REVIEW
    assert (dossier.vetted_by, dossier.reviewer) == (caseworker_getlost, lawyer_intransit)
    assert case.envelope.open(dossier, "vetting_note") == "Vetted in person in Almaty"
    notice = CaseNotice.objects.get(kind=NoticeKind.DOSSIER_REVIEW)
    assert (notice.user, notice.case) == (lawyer_intransit, case)
    assert dossiers_to_review(user=lawyer_intransit) == [dossier]
    assert dossier_role(user=lawyer_intransit, dossier=dossier) == REVIEWER
    assert dossier_role(user=caseworker_getlost, dossier=dossier) == CASEWORKER

    # In review the caseworkers cannot change the content.
    with pytest.raises(ValidationError) as refused:
        services.dossier_contents(
            dossier=dossier,
            by=caseworker_getlost,
            testimony=statement,
            testimony_excerpt="changed",
            exposure_summary="changed",
        )
    assert refused.value.messages == [str(services.ERR_NOT_EDITABLE)]

    with pytest.raises(ValidationError) as refused:
        services.dossier_review(
            dossier=dossier, by=lawyer_intransit, decision=ReviewDecision.CHANGES_REQUESTED
        )
    assert refused.value.messages == [str(services.ERR_CHANGES_NEED_COMMENT)]
    assert not LawyerReview.objects.exists()
    services.dossier_review(
        dossier=dossier,
        by=lawyer_intransit,
        decision=ReviewDecision.CHANGES_REQUESTED,
        comment="The summons has no stamp: add the commissariat's letter.",
    )
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.CHANGES_REQUESTED
    reviewed = CaseNotice.objects.get(kind=NoticeKind.DOSSIER_REVIEWED)
    assert reviewed.user == caseworker_getlost

    summons = dossier.items.get(document_type__code="summons")
    letter = upload(case, caseworker_getlost, "summons", 9)
    services.dossier_link(dossier=dossier, by=caseworker_getlost, item=summons, documents=[letter])
    services.dossier_comment(
        dossier=dossier, by=caseworker_getlost, item=summons, text="Letter added."
    )
    services.dossier_submit_for_review(dossier=dossier, by=caseworker_getlost)
    services.dossier_review(dossier=dossier, by=lawyer_intransit, decision=ReviewDecision.APPROVED)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.APPROVED
    assert list(LawyerReview.objects.values_list("decision", "reviewer")) == [
        (ReviewDecision.CHANGES_REQUESTED, lawyer_intransit.pk),
        (ReviewDecision.APPROVED, lawyer_intransit.pk),
    ]
    comments = list(dossier.comments.all())
    assert [case.envelope.open(c, "text") for c in comments] == [
        "The summons has no stamp: add the commissariat's letter.",
        "Letter added.",
    ]
    assert [(c.author, c.item) for c in comments] == [
        (lawyer_intransit, None),
        (caseworker_getlost, summons),
    ]
    assert actions() == [
        "evacuation.visa.saved",
        "dossier.created",
        "dossier.contents_saved",
        *["dossier.documents_set"] * 4,
        "dossier.vetted",
        "dossier.reviewer_set",
        "dossier.status_changed",
        "dossier.commented",
        "dossier.reviewed",
        "dossier.documents_set",
        "dossier.commented",
        "dossier.status_changed",
        "dossier.reviewed",
    ]
    reviews = AuditEvent.objects.filter(action="dossier.reviewed")
    assert [e.data for e in reviews] == [
        {"status": ReviewDecision.CHANGES_REQUESTED},
        {"status": ReviewDecision.APPROVED},
    ]
    assert {e.actor_id for e in reviews} == {lawyer_intransit.pk}


def test_only_the_reviewing_lawyer_reviews(
    dossier, caseworker_getlost, lawyer_intransit, referral_review, make_member
):
    own_lawyer = make_member("get-lost", Role.LAWYER)
    casework_services.lawyer_grant(
        case=dossier.case, by=caseworker_getlost, lawyer=own_lawyer, sections=[Section.DOCUMENTS]
    )
    ready_for_review(dossier, caseworker_getlost, lawyer_intransit)
    for user in (own_lawyer, caseworker_getlost):
        with pytest.raises(PermissionDenied):
            services.dossier_review(dossier=dossier, by=user, decision=ReviewDecision.APPROVED)
    assert Dossier.objects.get().status == DossierStatus.IN_REVIEW
    assert not LawyerReview.objects.exists()


def test_a_lawyer_who_may_not_review_is_not_assigned(dossier, caseworker_getlost, make_member):
    lawyer = make_member("intransit", Role.LAWYER)
    with pytest.raises(ValidationError) as refused:
        services.dossier_assign_reviewer(dossier=dossier, by=caseworker_getlost, lawyer=lawyer)
    assert refused.value.messages == [str(services.ERR_NOT_REVIEWER)]
    assert Dossier.objects.get().reviewer is None


def test_comments_are_sealed_and_shown_to_the_caseworkers_and_the_reviewer_only(
    dossier,
    caseworker_getlost,
    lawyer_intransit,
    referral_review,
    colleague_getlost,
    admin_getlost,
    outsider,
    make_member,
):
    dossier = services.dossier_assign_reviewer(
        dossier=dossier, by=caseworker_getlost, lawyer=lawyer_intransit
    )
    comment = services.dossier_comment(
        dossier=dossier, by=lawyer_intransit, text="Привет из InTransit: проверьте повестку"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM evacuation_reviewcomment WHERE id = %s", [comment.pk])
        (raw,) = cursor.fetchone()
    assert "повестку".encode() not in bytes(raw) and b"InTransit" not in bytes(raw)
    assert (
        dossier.case.envelope.open(ReviewComment.objects.get(), "text")
        == "Привет из InTransit: проверьте повестку"
    )

    other_lawyer = make_member("intransit", Role.LAWYER)
    for user in (colleague_getlost, admin_getlost, outsider, other_lawyer):
        assert dossier_role(user=user, dossier=dossier) is None
        with pytest.raises(PermissionDenied):
            services.dossier_comment(dossier=dossier, by=user, text="hello")
    with pytest.raises(ValidationError) as refused:
        services.dossier_comment(dossier=dossier, by=caseworker_getlost, text="   ")
    assert refused.value.messages == [str(services.ERR_EMPTY_COMMENT)]
    assert ReviewComment.objects.count() == 1

    casework_services.referral_revoke(referral=referral_review, by=caseworker_getlost)
    assert dossier_role(user=lawyer_intransit, dossier=dossier) is None
    assert dossiers_to_review(user=lawyer_intransit) == []


def test_an_approved_dossier_is_marked_submitted_then_decided_without_skipping(
    dossier, caseworker_getlost, lawyer_intransit, referral_review
):
    with pytest.raises(ValidationError) as refused:
        services.dossier_mark(
            dossier=dossier, by=caseworker_getlost, status=DossierStatus.SUBMITTED
        )
    assert refused.value.messages == [str(services.ERR_BAD_TRANSITION)]
    approved(dossier, caseworker_getlost, lawyer_intransit)
    for status in (DossierStatus.DECIDED, DossierStatus.APPROVED, DossierStatus.IN_REVIEW):
        with pytest.raises(ValidationError) as refused:
            services.dossier_mark(dossier=dossier, by=caseworker_getlost, status=status)
        assert refused.value.messages == [str(services.ERR_BAD_TRANSITION)]
    with pytest.raises(PermissionDenied):
        services.dossier_mark(dossier=dossier, by=lawyer_intransit, status=DossierStatus.SUBMITTED)
    assert Dossier.objects.get().status == DossierStatus.APPROVED

    services.dossier_mark(dossier=dossier, by=caseworker_getlost, status=DossierStatus.SUBMITTED)
    assert Dossier.objects.get().status == DossierStatus.SUBMITTED
    services.dossier_mark(dossier=dossier, by=caseworker_getlost, status=DossierStatus.DECIDED)
    assert Dossier.objects.get().status == DossierStatus.DECIDED
    changes = AuditEvent.objects.filter(action="dossier.status_changed")
    assert [e.data["status"] for e in changes] == [
        DossierStatus.IN_REVIEW,
        DossierStatus.SUBMITTED,
        DossierStatus.DECIDED,
    ]
