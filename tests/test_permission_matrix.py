"""THE PERMISSION MATRIX: every URL pattern of the project × every persona, with the status
each must get, plus the same matrix at the data layer (cases and sections per persona) and
the markers planted in each section.

HOW TO ADD A ROW (new view): add one entry to ``ROWS`` below, keyed by the URL's name with
its namespace ("deadlines:deadline_add"; an unnamed pattern is keyed by its route):

    "myapp:thing_edit": row("get", lambda w: reverse("myapp:thing_edit", args=[w.ref]),
                            CASE_EDIT),

``row(method, path_builder, expected)``: ``path_builder`` gets the ``World`` (``w.ref`` is
the shared case's reference, ``w.case`` the case, and the personas as ``w.users[...]``);
``expected`` maps each persona to its status. Start from a profile (``CASE_EDIT``,
``CASE_READ``, ``MEMBER_PAGE``, ``PUBLIC``...) and override with ``{**CASE_EDIT, "admin": 200}``.
test_every_url_pattern_is_in_the_matrix fails until the row exists.

Statuses: 302 to sign-in (anonymous, frozen) or to the second factor (password only); 404
outside the case's reach; 403 inside without the right; 200 (or the page's own redirect after
a POST). The Django admin is covered as a whole: nobody here is staff, so every admin pattern
must send every persona away (302).

The personas (see ``build_world``):
    anonymous        not signed in
    password_only    the assigned caseworker, password step only
    outsider         caseworker of an unrelated organisation
    caseworker       Get Lost caseworker not assigned to the case
    assigned         Get Lost caseworker assigned to the case
    lawyer_with      InTransit lawyer, accepted referral: testimony, legal, documents; may
                     review dossiers, and reviews the shared case's dossier
    lawyer_without   InTransit lawyer, accepted referral: legal only (no documents)
    coordinator      coordinator: statistics only
    admin            Get Lost org admin, no break-glass
    admin_glass      Get Lost org admin with a live break-glass on the case
    frozen           an assigned Get Lost caseworker whose account was frozen
    lawyer_expired   InTransit lawyer whose accepted referral has expired
    lawyer_withdrawn InTransit lawyer whose referral's consent was withdrawn
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from accounts.views.audit_log import ERR_CASE
from casework import services
from casework.models import (
    AssignmentReason,
    BreakGlassReason,
    Case,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    Country,
    DocumentType,
    IntakeChannel,
    LegalCategory,
    Referral,
    ReferralAction,
    ReferralReason,
    RiskLevel,
    ServiceCategory,
)
from casework.sections import SECTIONS, Section
from deadlines import services as deadline_services
from deadlines.models import DeadlineKind
from evacuation import services as evacuation
from evacuation.models import DossierRequirement, Route
from intake import services as intake_services
from intake.models import Conversation
from tests.conftest import sign_in

PERSONAS = (
    "anonymous",
    "password_only",
    "outsider",
    "caseworker",
    "assigned",
    "admin_assigned",
    "lawyer_with",
    "lawyer_without",
    "coordinator",
    "admin",
    "admin_glass",
    "frozen",
    "lawyer_expired",
    "lawyer_withdrawn",
)

# One marker per section, planted in that section's content of the shared case.
MARKERS = {section: f"MRK{section.upper()}7731" for section in SECTIONS}

# What each persona may read on the shared case (the data-layer matrix).
READABLE = {
    "outsider": None,  # None: the case is not visible at all
    "caseworker": set(),
    "assigned": set(SECTIONS),
    "admin_assigned": set(SECTIONS),
    "lawyer_with": {Section.TESTIMONY, Section.LEGAL, Section.DOCUMENTS},
    "lawyer_without": {Section.LEGAL},
    "coordinator": None,
    "admin": set(),
    "admin_glass": set(SECTIONS),
    "frozen": None,
    "lawyer_expired": None,
    "lawyer_withdrawn": None,
}


@dataclass
class World:
    case: Case
    other_case: Case  # a Get Lost case referred to nobody
    foreign_case: Case  # a case of the outsider's organisation
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return self.case.reference


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 10)).save(out, format="JPEG")
    return out.getvalue()


def _open(by, *, pseudonym: str) -> Case:
    return services.case_create(
        organisation=by.memberships.get().organisation,
        by=by,
        pseudonym=pseudonym,
        legal_name=f"Иванов {MARKERS[Section.IDENTITY]}",
        date_of_birth=None,
        intake_channel=IntakeChannel.TELEGRAM_BOT,
        legal_category=LegalCategory.DESERTER,
        service_category=ServiceCategory.MOBILISED,
        risk_level=RiskLevel.HIGH,
        country=Country.objects.get(pk="KZ"),
    )


def _fill(case: Case, by) -> None:
    """Plants one marker in every section of ``case``."""
    services.person_update_contact(
        case=case, by=by, phones=[], contact_handles=[f"@{MARKERS[Section.CONTACT]}"]
    )
    services.case_verify(case=case, by=by)
    services.location_update(
        case=case,
        by=by,
        country=Country.objects.get(pk="KZ"),
        legal_basis="",
        region=MARKERS[Section.LOCATION],
        stay_expires=None,
        route_notes="",
    )
    services.exposure_add(
        case=case,
        by=by,
        article="337.5",
        during_mobilisation=True,
        absence_start=None,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details=MARKERS[Section.LEGAL],
    )
    services.testimony_add(
        case=case, by=by, language="ru", text=MARKERS[Section.TESTIMONY], consent_dossier=True
    )
    services.note_add(case=case, by=by, text=MARKERS[Section.NOTES])
    services.document_upload(
        case=case,
        by=by,
        document_type=DocumentType.objects.get(code="photo"),
        data=_jpeg(),
        original_name="photo.jpg",
        description=MARKERS[Section.DOCUMENTS],
    )


def _referral(case, by, consent, lawyer, sections, actions=(ReferralAction.VIEW,)):
    referral = services.referral_create(
        case=case,
        by=by,
        to_organisation=consent.recipient,
        sections=sections,
        actions=actions,
        reason=ReferralReason.LEGAL_REVIEW,
        expires_at=timezone.now() + timedelta(days=30),
        consent=consent,
        recipient=lawyer,
    )
    if lawyer is not None:
        services.referral_accept(referral=referral, by=lawyer)
    return referral


def _evacuation(case: Case, by, reviewer, ids: dict) -> None:
    """A plan with one step, and a visa application whose dossier ``reviewer`` reviews: vetted,
    its required documents still missing, so it stays a draft whatever the rows send."""
    evacuation.plan_save(
        case=case,
        by=by,
        status="active",
        origin_region="",
        transit_countries=["KZ"],
        destination="FR",
        fallback_notes="",
    )
    ids["step"] = evacuation.step_save(
        case=case,
        by=by,
        kind="cross_border",
        country="KZ",
        planned_on=None,
        done_on=None,
        status="planned",
        notes="",
    ).pk
    visa = evacuation.visa_save(
        case=case,
        by=by,
        route="fr_humanitarian",
        destination="FR",
        consulate=f"Consulate {MARKERS[Section.LOCATION]}",
    )
    dossier = evacuation.dossier_create(application=visa, by=by)
    evacuation.dossier_vet(dossier=dossier, by=by, note="")
    evacuation.dossier_assign_reviewer(dossier=dossier, by=by, lawyer=reviewer)
    ids["visa"] = visa.pk
    ids["dossier"] = dossier.pk
    ids["item"] = dossier.items.first().pk
    ids["requirement"] = DossierRequirement.objects.filter(route="fr_humanitarian").first().pk


def build_world(make_member) -> World:
    """Get Lost's case (one marker per section), referred to InTransit's lawyers under consent;
    every persona of the module docstring."""
    u = {}
    u["assigned"] = make_member("get-lost", Role.CASEWORKER)
    u["caseworker"] = make_member("get-lost", Role.CASEWORKER)
    u["admin_assigned"] = make_member("get-lost", Role.CASEWORKER)
    u["admin"] = make_member("get-lost", Role.ORG_ADMIN)
    u["admin_glass"] = make_member("get-lost", Role.ORG_ADMIN)
    u["frozen"] = make_member("get-lost", Role.CASEWORKER)
    u["outsider"] = make_member("elsewhere", Role.CASEWORKER)
    u["coordinator"] = make_member("coordinators", Role.COORDINATOR)
    for name in ("lawyer_with", "lawyer_without", "lawyer_expired", "lawyer_withdrawn"):
        u[name] = make_member("intransit", Role.LAWYER)
    u["password_only"] = u["assigned"]
    spare = make_member("get-lost", Role.CASEWORKER)  # target of member admin pages

    case = _open(u["assigned"], pseudonym="Heron")
    _fill(case, u["assigned"])
    services.case_assign(case=case, by=u["assigned"], caseworkers=[u["assigned"], u["frozen"]])
    services.case_assign(
        case=case,
        by=u["admin"],
        caseworkers=[u["assigned"], u["frozen"], u["admin_assigned"]],
        reason=AssignmentReason.WORKLOAD,
        explanation="Second caseworker while the first is travelling.",
    )
    other_case = _open(u["assigned"], pseudonym="Crane")
    foreign_case = _open(u["outsider"], pseudonym="Stork")
    intransit = u["lawyer_with"].memberships.get().organisation

    def consent(sections, given_by=ConsentGiver.CLIENT):
        confirmed = (
            {"confirmed_via": ConsentConfirmation.PHONE, "confirmed_at": timezone.now()}
            if given_by == ConsentGiver.CLIENT
            else {}
        )
        return services.consent_record(
            case=case,
            by=u["assigned"],
            purpose=ConsentPurpose.LEGAL_ADVICE,
            recipient=intransit,
            sections=sections,
            given_by=given_by,
            expires_at=timezone.now() + timedelta(days=90),
            **confirmed,
        )

    shared = [Section.TESTIMONY, Section.LEGAL, Section.DOCUMENTS]
    main = consent(shared)
    ids = {}
    review = [ReferralAction.VIEW, ReferralAction.REVIEW_DOSSIER]
    ids["ref_with"] = _referral(case, u["assigned"], main, u["lawyer_with"], shared, review).pk
    _referral(case, u["assigned"], main, u["lawyer_without"], [Section.LEGAL])
    expired = _referral(case, u["assigned"], main, u["lawyer_expired"], shared)
    Referral.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    withdrawn = consent(shared)
    _referral(case, u["assigned"], withdrawn, u["lawyer_withdrawn"], shared)
    services.consent_withdraw(consent=withdrawn, by=u["assigned"])
    # Spare objects the state-changing URLs act on (the shared grants stay untouched).
    spare_consent = consent([Section.LEGAL])
    ids["consent_spare"] = spare_consent.pk
    ids["consent_pending"] = consent([Section.LEGAL], ConsentGiver.RELATIVE).pk
    ids["ref_spare"] = _referral(case, u["assigned"], spare_consent, None, [Section.LEGAL]).pk

    _evacuation(case, u["assigned"], u["lawyer_with"], ids)

    services.break_glass(
        case=case,
        by=u["admin_glass"],
        reason=BreakGlassReason.CASEWORKER_UNREACHABLE,
        explanation="Assigned caseworker unreachable for two days.",
    )
    u["frozen"].frozen_at = timezone.now()
    u["frozen"].save(update_fields=["frozen_at"])
    ids["spare_membership"] = spare.memberships.get().pk
    ids["document"] = case.documents.get().pk
    ids["testimony"] = case.testimonies.get().pk
    ids["exposure"] = case.exposures.get().pk
    ids["deadline"] = deadline_services.deadline_create(
        case=case,
        by=u["assigned"],
        kind=DeadlineKind.objects.get(code="dublin_transfer"),
        due_date=timezone.now().date() + timedelta(days=180),
    ).pk
    _intake(case, ids)
    return World(case=case, other_case=other_case, foreign_case=foreign_case, users=u, ids=ids)


def _intake(case: Case, ids: dict) -> None:
    """A Telegram intake waiting in Get Lost's triage queue, and a contact-page conversation
    on the shared case (for its reply box)."""
    org = case.organisation
    sender = intake_services.sender_index(
        organisation_id=org.pk, channel=IntakeChannel.TELEGRAM_BOT, sender="9001"
    )
    waiting = intake_services.channel_intake_receive(
        organisation=org, channel=IntakeChannel.TELEGRAM_BOT, sender_index=sender, text="Hello"
    )
    ids["intake_ref"] = waiting.case.reference
    ids["conversation"] = Conversation.objects.create(
        organisation=org, case=case, channel=IntakeChannel.CONTACT_PAGE
    ).pk


# --- Expected statuses: profiles --------------------------------------------------------------

GATE = {"anonymous": 302, "password_only": 302, "frozen": 302}
OUT_OF_REACH = {"outsider": 404, "coordinator": 404, "lawyer_expired": 404, "lawyer_withdrawn": 404}


def _profile(default: int, **overrides: int) -> dict[str, int]:
    values = {p: default for p in PERSONAS}
    values.update(GATE)
    values.update(overrides)
    return values


# A page of one case that changes it: assigned caseworkers only.
CASE_EDIT = _profile(403, **OUT_OF_REACH, assigned=200)
# A POST that changes one case and redirects back to it: assigned caseworkers only.
CASE_CHANGE = {**CASE_EDIT, "assigned": 302}
# The case page itself: everyone who reaches the case.
CASE_READ = _profile(200, **OUT_OF_REACH)
# A page of the active organisation's case files (caseworkers and org admins).
ORG_CASES = _profile(
    403,
    outsider=200,
    caseworker=200,
    assigned=200,
    admin=200,
    admin_glass=200,
)
# A page any signed-in member may open.
MEMBER_PAGE = _profile(200)
# Reached without signing in.
PUBLIC = {p: 200 for p in PERSONAS}
# Redirects everyone (sign-in pages for the signed-in, POST endpoints that redirect back).
EVERYONE_302 = {p: 302 for p in PERSONAS}
# Unknown ids in a signed-in user's own space (factors, sessions, deadlines): 404.
SIGNED_IN_404 = _profile(404)
# The org admin's pages: 403 for members without the admin role.
ADMIN_PAGE = _profile(403, admin=200, admin_glass=200)
# A Get Lost member's page in the admin pages: 404 for other organisations' members.
GET_LOST_MEMBERS = ("caseworker", "assigned")
MEMBER_OF_ORG = _profile(404, caseworker=403, assigned=403, admin=200, admin_glass=200)
MEMBER_CHANGE = _profile(404, caseworker=403, assigned=403, admin=302, admin_glass=302)
# Coordinators and org admins (anonymised statistics).
STATS_PAGE = _profile(403, coordinator=200, admin=200, admin_glass=200)
# A visa dossier's own pages: the assigned caseworkers and the dossier's reviewing lawyer.
DOSSIER_PAGE = {**CASE_EDIT, "lawyer_with": 200}


@dataclass
class Row:
    method: str
    path: object  # World -> str
    expected: dict


def row(method: str, path, expected: dict) -> Row:
    # A caseworker an org admin assigned (with a reason) works like any assigned caseworker.
    expected = {**expected, "admin_assigned": expected["assigned"]}
    missing = set(PERSONAS) - set(expected)
    assert not missing, f"row lacks personas {missing}"
    return Row(method, path, expected)


def _case(name: str, *extra):
    return lambda w: reverse(f"casework:{name}", args=[w.ref, *[e(w) for e in extra]])


def _case_in(namespace: str, name: str):
    return lambda w: reverse(f"{namespace}:{name}", args=[w.ref])


def _id(key: str):
    return lambda w: w.ids[key]


def _route(name: str, *ids: str):
    """A page of the seeded French humanitarian route (and its first requirement)."""
    return lambda w: reverse(
        f"evacuation:{name}", args=["fr_humanitarian", *[w.ids[key] for key in ids]]
    )


ROWS: dict[str, Row] = {
    # --- casework: the active organisation's case files
    "casework:case_list": row("get", lambda w: reverse("casework:case_list"), ORG_CASES),
    "casework:case_search": row("post", lambda w: reverse("casework:case_search"), ORG_CASES),
    "casework:case_create": row("get", lambda w: reverse("casework:case_create"), ORG_CASES),
    # Bulk reassignment: org admins only (an empty choice goes back to the list).
    "casework:case_bulk_assign": row(
        "post",
        lambda w: reverse("casework:case_bulk_assign"),
        {**ORG_CASES, "outsider": 403, "caseworker": 403, "assigned": 403}
        | {"admin": 302, "admin_glass": 302},
    ),
    "casework:referrals": row("get", lambda w: reverse("casework:referrals"), MEMBER_PAGE),
    "casework:referral_accept": row(
        "post",
        lambda w: reverse("casework:referral_accept", args=[w.ids["ref_spare"]]),
        _profile(
            404, lawyer_with=302, lawyer_without=302, lawyer_expired=302, lawyer_withdrawn=302
        ),
    ),
    "casework:referral_assign": row(
        "post",
        lambda w: reverse("casework:referral_assign", args=[w.ids["ref_with"]]),
        # Only the receiving organisation's admin gives a referral to members; its lawyers are
        # refused, everyone else does not reach the referral.
        _profile(
            404, lawyer_with=403, lawyer_without=403, lawyer_expired=403, lawyer_withdrawn=403
        ),
    ),
    "casework:referral_decline": row(
        "post",
        lambda w: reverse("casework:referral_decline", args=[w.ids["ref_spare"]]),
        _profile(
            404, lawyer_with=302, lawyer_without=302, lawyer_expired=302, lawyer_withdrawn=302
        ),
    ),
    # --- casework: one case
    "casework:case_detail": row("get", _case("case_detail"), CASE_READ),
    "casework:case_shell": row("get", _case("case_shell"), CASE_EDIT),
    "casework:case_status": row("post", _case("case_status"), CASE_EDIT),
    "casework:case_assign": row(
        "get", _case("case_assign"), {**CASE_EDIT, "admin": 200, "admin_glass": 200}
    ),
    "casework:case_verify": row("get", _case("case_verify"), CASE_EDIT),
    # Before verification only; on the verified world's case it says so and redirects back.
    "casework:location_open": row(
        "post", _case("location_open"), {**CASE_CHANGE, "admin_glass": 302}
    ),
    "casework:referral_create": row("get", _case("referral_create"), CASE_EDIT),
    "casework:referral_revoke": row(
        "post",
        _case("referral_revoke", _id("ref_spare")),
        {**CASE_EDIT, "assigned": 302, "admin": 302, "admin_glass": 302},
    ),
    "casework:consent_create": row("get", _case("consent_create"), CASE_EDIT),
    "casework:consent_confirm": row(
        "get", _case("consent_confirm", _id("consent_pending")), CASE_EDIT
    ),
    "casework:consent_withdraw": row(
        "post", _case("consent_withdraw", _id("consent_spare")), {**CASE_EDIT, "assigned": 302}
    ),
    "casework:lawyer_grant": row("get", _case("lawyer_grant"), CASE_EDIT),
    "casework:break_glass": row(
        "get",
        _case("break_glass"),
        {**CASE_EDIT, "assigned": 403, "admin": 200, "admin_glass": 200},
    ),
    "casework:identity_edit": row("get", _case("identity_edit"), CASE_EDIT),
    "casework:contact_edit": row("get", _case("contact_edit"), CASE_EDIT),
    "casework:location_edit": row("get", _case("location_edit"), CASE_EDIT),
    "casework:exposure_add": row("get", _case("exposure_add"), CASE_EDIT),
    "casework:exposure_edit": row("get", _case("exposure_edit", _id("exposure")), CASE_EDIT),
    "casework:testimony_add": row("get", _case("testimony_add"), CASE_EDIT),
    "casework:testimony_revise": row("get", _case("testimony_revise", lambda w: 1), CASE_EDIT),
    "casework:testimony_screen": row(
        "post", _case("testimony_screen", _id("testimony")), CASE_EDIT
    ),
    "casework:note_add": row("get", _case("note_add"), CASE_EDIT),
    "casework:document_upload": row("get", _case("document_upload"), CASE_EDIT),
    "casework:document_download": row(
        "get",
        _case("document_download", _id("document")),
        {**CASE_EDIT, "lawyer_with": 200, "admin_glass": 200},
    ),
}


def _url(name: str, *args):
    return lambda w: reverse(name, args=[a(w) if callable(a) else a for a in args])


def _ev(name: str, *keys: str):
    return lambda w: reverse(f"evacuation:{name}", args=[w.ref, *[w.ids[k] for k in keys]])


_SPARE = _id("spare_membership")
_NOWHERE = str(uuid.UUID(int=1))
ROWS.update(
    {
        "dashboard": row("get", _url("dashboard"), MEMBER_PAGE),
        "healthz": row("get", _url("healthz"), {**MEMBER_PAGE, "anonymous": 200}),
        "set_language": row("post", _url("set_language"), EVERYONE_302),
        # --- the public contact page (intake.contact): no sign-in, no cookie
        "contact:form": row("get", _url("contact:form"), {**MEMBER_PAGE, "anonymous": 200}),
        "contact:replies": row("get", _url("contact:replies"), {**MEMBER_PAGE, "anonymous": 200}),
        # --- accounts: sign-in, factors, sessions, invitations
        "accounts:login": row("get", _url("accounts:login"), {**EVERYONE_302, "anonymous": 200}),
        "accounts:logout": row("post", _url("accounts:logout"), EVERYONE_302),
        "accounts:verify": row(
            "get", _url("accounts:verify"), {**EVERYONE_302, "password_only": 200}
        ),
        "accounts:reauth": row("get", _url("accounts:reauth"), MEMBER_PAGE),
        "accounts:security": row("get", _url("accounts:security"), MEMBER_PAGE),
        "accounts:enrol": row("get", _url("accounts:enrol"), EVERYONE_302),
        "accounts:totp_enrol": row("get", _url("accounts:totp_enrol"), MEMBER_PAGE),
        "accounts:totp_remove": row("post", _url("accounts:totp_remove", _NOWHERE), SIGNED_IN_404),
        "accounts:passkey_remove": row(
            "post", _url("accounts:passkey_remove", 999999), SIGNED_IN_404
        ),
        "accounts:backup_codes": row("get", _url("accounts:backup_codes"), MEMBER_PAGE),
        "accounts:password_change": row("get", _url("accounts:password_change"), MEMBER_PAGE),
        "accounts:sessions": row("get", _url("accounts:sessions"), MEMBER_PAGE),
        "accounts:session_end": row("post", _url("accounts:session_end", "nope"), SIGNED_IN_404),
        "accounts:sessions_end_others": row(
            "post", _url("accounts:sessions_end_others"), EVERYONE_302
        ),
        "accounts:switch_organisation": row(
            "post", _url("accounts:switch_organisation"), SIGNED_IN_404
        ),
        "accounts:invitation_accept": row(
            "get", _url("accounts:invitation_accept"), {**SIGNED_IN_404, "anonymous": 404}
        ),
        "accounts:invitation_open": row(
            "get", _url("accounts:invitation_open", "not-a-token"), EVERYONE_302
        ),
        "accounts:recovery_accept": row(
            "get", _url("accounts:recovery_accept"), {**SIGNED_IN_404, "anonymous": 404}
        ),
        "accounts:recovery_open": row(
            "get", _url("accounts:recovery_open", "not-a-token"), EVERYONE_302
        ),
        # --- accounts: the org admin's pages (the audit log viewer included)
        "accounts:members": row("get", _url("accounts:members"), ADMIN_PAGE),
        "accounts:invite": row("get", _url("accounts:invite"), ADMIN_PAGE),
        "accounts:member_role": row("get", _url("accounts:member_role", _SPARE), MEMBER_OF_ORG),
        "accounts:member_remove": row("get", _url("accounts:member_remove", _SPARE), MEMBER_OF_ORG),
        "accounts:member_freeze": row(
            "post", _url("accounts:member_freeze", _SPARE), MEMBER_CHANGE
        ),
        "accounts:member_unfreeze": row(
            "post", _url("accounts:member_unfreeze", _SPARE), MEMBER_CHANGE
        ),
        # Recovery: the confirmation page, and the page that shows a fresh link once.
        "accounts:member_recover": row(
            "get", _url("accounts:member_recover", _SPARE), MEMBER_OF_ORG
        ),
        "accounts:member_recovery_link": row(
            "get", _url("accounts:member_recovery_link", _SPARE), MEMBER_OF_ORG
        ),
        "accounts:invitation_revoke": row(
            "post", _url("accounts:invitation_revoke", _NOWHERE), SIGNED_IN_404
        ),
        "accounts:org_audit": row("get", _url("accounts:org_audit"), ADMIN_PAGE),
        # --- passkeys (django-otp-webauthn's JSON endpoints)
        "otp_webauthn:credential-registration-begin": row(
            "post", _url("otp_webauthn:credential-registration-begin"), MEMBER_PAGE
        ),
        "otp_webauthn:credential-registration-complete": row(
            "post", _url("otp_webauthn:credential-registration-complete"), _profile(400)
        ),
        "otp_webauthn:credential-authentication-begin": row(
            "post",
            _url("otp_webauthn:credential-authentication-begin"),
            {**MEMBER_PAGE, "password_only": 200},
        ),
        "otp_webauthn:credential-authentication-complete": row(
            "post",
            _url("otp_webauthn:credential-authentication-complete"),
            _profile(400, password_only=400),
        ),
        "otp_webauthn:js-i18n-catalog": row(
            "get", _url("otp_webauthn:js-i18n-catalog"), {**MEMBER_PAGE, "password_only": 200}
        ),
        # --- deadlines: deadlines, reminders, notifications, check-ins, legal hold
        "deadlines:my_deadlines": row("get", _url("deadlines:my_deadlines"), MEMBER_PAGE),
        "deadlines:deadline_done": row(
            "post", _url("deadlines:deadline_done", _NOWHERE), SIGNED_IN_404
        ),
        "deadlines:deadline_cancel": row(
            "post", _url("deadlines:deadline_cancel", _NOWHERE), SIGNED_IN_404
        ),
        "deadlines:notifications": row("get", _url("deadlines:notifications"), MEMBER_PAGE),
        "deadlines:preferences": row("get", _url("deadlines:preferences"), MEMBER_PAGE),
        "deadlines:checkin_schedule": row(
            "post", _case_in("deadlines", "checkin_schedule"), CASE_CHANGE
        ),
        "deadlines:checkin_record": row(
            "post", _case_in("deadlines", "checkin_record"), CASE_CHANGE
        ),
        # Retention is the organisation's decision, so its admins may place a legal hold too
        # (deadlines.services.retention_hold_set).
        "deadlines:legal_hold": row(
            "post",
            _case_in("deadlines", "legal_hold"),
            {**CASE_CHANGE, "admin": 302, "admin_glass": 302},
        ),
        "deadlines:deadline_add": row("get", _case_in("deadlines", "deadline_add"), CASE_EDIT),
        "deadlines:deadline_edit": row(
            "get",
            lambda w: reverse("deadlines:deadline_edit", args=[w.ref, w.ids["deadline"]]),
            CASE_EDIT,
        ),
        # Closing lists the deadlines and check-ins that close with the case.
        "deadlines:case_close": row("get", _case_in("deadlines", "case_close"), CASE_EDIT),
        # --- stats: the coordinators' statistics
        "stats:dashboard": row("get", _url("stats:dashboard"), STATS_PAGE),
        # --- evacuation: plans, steps, visas, dossiers. The route is location: hidden from every
        # lawyer here.
        "evacuation:my_dossiers": row("get", _url("evacuation:my_dossiers"), MEMBER_PAGE),
        "evacuation:plan_edit": row("get", _ev("plan_edit"), CASE_EDIT),
        "evacuation:step_add": row("get", _ev("step_add"), CASE_EDIT),
        "evacuation:step_edit": row("get", _ev("step_edit", "step"), CASE_EDIT),
        "evacuation:visa_add": row("get", _ev("visa_add"), CASE_EDIT),
        "evacuation:visa_edit": row("get", _ev("visa_edit", "visa"), CASE_EDIT),
        # The application already has its dossier: a message on the case page, nothing new.
        "evacuation:dossier_create": row("post", _ev("dossier_create", "visa"), CASE_CHANGE),
        "evacuation:dossier_detail": row("get", _ev("dossier_detail", "dossier"), DOSSIER_PAGE),
        "evacuation:dossier_contents": row("get", _ev("dossier_contents", "dossier"), CASE_EDIT),
        "evacuation:dossier_item": row("get", _ev("dossier_item", "dossier", "item"), CASE_EDIT),
        # The platform admin area (routes and their dossier requirements): staff only, and
        # nobody here is staff: it does not exist for them (tests/evacuation/test_routes.py).
        "evacuation:route_list": row("get", _url("evacuation:route_list"), SIGNED_IN_404),
        "evacuation:route_detail": row("get", _route("route_detail"), SIGNED_IN_404),
        "evacuation:requirement_add": row("post", _route("requirement_add"), SIGNED_IN_404),
        "evacuation:requirement_edit": row(
            "post", _route("requirement_edit", "requirement"), SIGNED_IN_404
        ),
        "evacuation:requirement_remove": row(
            "post", _route("requirement_remove", "requirement"), SIGNED_IN_404
        ),
        # The POSTs below send nothing (or repeat the vetting): the dossier page comes back
        # with the message, nothing changes.
        "evacuation:dossier_vet": row("post", _ev("dossier_vet", "dossier"), CASE_EDIT),
        "evacuation:dossier_reviewer": row("post", _ev("dossier_reviewer", "dossier"), CASE_EDIT),
        "evacuation:dossier_submit": row("post", _ev("dossier_submit", "dossier"), CASE_EDIT),
        "evacuation:dossier_comment": row("post", _ev("dossier_comment", "dossier"), DOSSIER_PAGE),
        "evacuation:dossier_review": row(
            "post",
            _ev("dossier_review", "dossier"),
            {**CASE_EDIT, "assigned": 403, "lawyer_with": 200},
        ),
        "evacuation:dossier_mark": row("post", _ev("dossier_mark", "dossier"), CASE_EDIT),
        "evacuation:dossier_export": row("get", _ev("dossier_export", "dossier"), DOSSIER_PAGE),
        "stats:releases": row("get", _url("stats:releases"), STATS_PAGE),
        # Nothing has been published in this world: 404 for those who may download.
        "stats:release_csv": row(
            "get",
            lambda w: reverse("stats:release_csv", args=[1]),
            {**STATS_PAGE, "coordinator": 404, "admin": 404, "admin_glass": 404},
        ),
        "stats:table_csv": row(
            "get",
            lambda w: reverse("stats:table_csv", args=[1, "requests", "2026"]),
            {**STATS_PAGE, "coordinator": 404, "admin": 404, "admin_glass": 404},
        ),
    }
)

# The triage queue: caseworkers take intakes on and merge them; they and org admins discard.
_INTAKE_ACT = _profile(403, outsider=404, caseworker=200, assigned=200)
ROWS.update(
    {
        "intake:queue": row("get", _url("intake:queue"), ORG_CASES),
        "intake:take_on": row("get", _url("intake:take_on", _id("intake_ref")), _INTAKE_ACT),
        "intake:merge": row("get", _url("intake:merge", _id("intake_ref")), _INTAKE_ACT),
        "intake:discard": row(
            "get",
            _url("intake:discard", _id("intake_ref")),
            {**_INTAKE_ACT, "admin": 200, "admin_glass": 200},
        ),
        "intake:reply": row("post", _url("intake:reply", _id("conversation")), CASE_CHANGE),
        # Telegram's webhook: no sign-in; an unknown secret path is 404 (tests/intake/
        # test_telegram.py covers the secret token's 403). A half-open or ended session is
        # sent to sign in first, as on every page.
        "intake:telegram_webhook": row(
            "post",
            _url("intake:telegram_webhook", "not-a-bot-path"),
            {**{p: 404 for p in PERSONAS}, "password_only": 302, "frozen": 302},
        ),
    }
)


def _admin_path(route: str) -> str:
    """A concrete path for an admin route: every parameter becomes a harmless value."""
    path = re.sub(r"<[^>]+>", "1", route)
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "casework", path)
    path = re.sub(r"\(\?P<url>\.\*\)", "nothing/", path)
    return "/" + path


def all_patterns() -> dict[str, str]:
    """Every URL pattern of the project: key (namespace:name, or namespace:route when it has
    no name) -> its full route."""
    found: dict[str, str] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, route, inner)
            elif isinstance(entry, URLPattern):
                label = entry.name or route
                found[f"{namespace}:{label}" if namespace else label] = route

    walk(get_resolver(), "", "")
    return found


def _is_admin(key: str) -> bool:
    return key.startswith("admin:") or key == "admin_login_redirect"


def test_every_url_pattern_is_in_the_matrix():
    # The API's routes have their own matrix (more personas: its two kinds of token).
    from tests.api.test_api_matrix import API_ROWS

    patterns = {key for key in all_patterns() if not _is_admin(key)}
    missing = sorted(patterns - set(ROWS) - set(API_ROWS))
    assert not missing, f"add these URLs to ROWS in tests/test_permission_matrix.py: {missing}"
    assert not sorted(set(ROWS) - patterns), "ROWS lists URLs that no longer exist"


# --- Running the matrix -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.WAYPOINT_MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(make_member, reference_data_seeded) -> World:
    return build_world(make_member)


@pytest.fixture
def reference_data_seeded(db):
    import importlib

    from django.apps import apps

    if not Country.objects.exists():
        seed = importlib.import_module("casework.migrations.0002_seed_countries_and_document_types")
        seed.seed(apps, None)
    if not Route.objects.exists():
        for name in ("0005_route_table", "0002_seed_dossier_requirements"):
            importlib.import_module(f"evacuation.migrations.{name}").seed(apps, None)


def client_for(world: World, persona: str) -> Client:
    client = Client()
    if persona == "anonymous":
        return client
    return sign_in(client, world.users[persona], verified=persona != "password_only")


def request_as(world: World, persona: str, entry: Row):
    client = client_for(world, persona)
    return getattr(client, entry.method)(entry.path(world))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_gives_each_persona_the_expected_status(world, persona):
    wrong = {}
    # Pages first, then the POSTs that change state (a persona's accepted referral must not
    # change what its earlier pages showed).
    # Answering the spare referral comes last: accepting it grants the accepting lawyer.
    last = {"casework:referral_accept", "casework:referral_decline"}
    for key, entry in sorted(ROWS.items(), key=lambda i: (i[1].method != "get", i[0] in last)):
        status = request_as(world, persona, entry).status_code
        if status != entry.expected[persona]:
            wrong[key] = (status, entry.expected[persona])
    assert not wrong, f"{persona}: got (status, expected) {wrong}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_site_sends_every_persona_away(world, persona):
    client = client_for(world, persona)
    for key, route in all_patterns().items():
        if _is_admin(key):
            assert client.get(_admin_path(route)).status_code == 302, key


def test_the_gates_send_people_to_the_right_page(world):
    page = reverse("casework:case_detail", args=[world.ref])
    assert (
        client_for(world, "anonymous").get(page)["Location"].startswith(reverse("accounts:login"))
    )
    assert "/accounts/verify/" in client_for(world, "password_only").get(page)["Location"]
    assert client_for(world, "frozen").get(page)["Location"].startswith(reverse("accounts:login"))


# --- The data layer ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(READABLE))
def test_the_selectors_give_each_persona_its_cases_and_sections(world, persona):
    from casework.selectors import cases_visible_to, readable_sections

    user = world.users[persona]
    visible = set(cases_visible_to(user=user).values_list("reference", flat=True))
    expected = READABLE[persona]
    if expected is None:
        assert world.ref not in visible
    else:
        assert world.ref in visible
        assert readable_sections(user=user, case=world.case) == expected
    get_lost_staff = {"caseworker", "assigned", "admin_assigned", "admin", "admin_glass"}
    assert (world.other_case.reference in visible) == (persona in get_lost_staff)
    assert (world.foreign_case.reference in visible) == (persona == "outsider")


# --- Markers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_markers_reach_only_personas_holding_their_section(world, persona):
    readable = READABLE.get(persona) or set()
    bodies = []
    for entry in ROWS.values():
        if entry.method == "get" and entry.expected[persona] == 200:
            response = request_as(world, persona, entry)
            bodies.append(response.getvalue().decode(errors="replace"))
    text = "\n".join(bodies)
    for section, marker in MARKERS.items():
        if section in readable and section != Section.DOCUMENTS:
            # The description of a document shows on the case page; its file is a photo.
            assert marker in text, (persona, section)
        if section not in readable:
            assert marker not in text, (persona, section)
    if persona not in READABLE:
        assert not any(marker in text for marker in MARKERS.values())


# Where the person is (location and route): the country now, its advisory, the visa's
# destination and consulate. Only for those who may open that section.
WHERE = ("Kazakhstan", "France", "Consulate MRK")


@pytest.mark.parametrize("persona", sorted(READABLE))
def test_where_the_person_is_shows_only_to_personas_holding_location(world, persona):
    pages = ["casework:case_detail", "evacuation:dossier_detail"]
    text = "\n".join(
        request_as(world, persona, ROWS[key]).getvalue().decode(errors="replace")
        for key in pages
        if ROWS[key].expected[persona] == 200
    )
    if Section.LOCATION in (READABLE[persona] or set()):
        assert all(word in text for word in WHERE), persona
    else:
        assert not any(word in text for word in WHERE), persona


def test_uuid_free_urls_do_not_leak_unknown_ids(world):
    """A random id in a referral URL is 404 for the receiver too (no existence oracle)."""
    client = client_for(world, "lawyer_with")
    response = client.post(reverse("casework:referral_accept", args=[uuid.uuid4()]))
    assert response.status_code == 404


# The sealed explanations of the break-glass and the admin's assignment on the shared case.
EXPLANATIONS = (
    "Assigned caseworker unreachable for two days.",
    "Second caseworker while the first is travelling.",
)


def test_the_inbox_opens_sealed_explanations_only_to_the_assigned_caseworkers(world):
    """Every signed-in persona reaches the one inbox; only the caseworkers assigned to the
    case (who were told, and read its notes) see why the glass was broken or who was assigned
    from outside. One world for every persona."""
    entry = ROWS["deadlines:notifications"]
    seen = set()
    for persona in PERSONAS:
        response = request_as(world, persona, entry)
        assert response.status_code == entry.expected[persona], persona
        if response.status_code == 200:
            text = response.content.decode()
            if all(explanation in text for explanation in EXPLANATIONS):
                seen.add(persona)
            else:
                assert not any(explanation in text for explanation in EXPLANATIONS), persona
    assert seen == {"assigned", "admin_assigned"}


def test_the_org_audit_log_filters_by_a_case_only_for_admins_who_may_see_it(world):
    """The case filter of /org/audit/ takes the shared case's reference from its owner's
    admins, and shows it on their rows; everyone else keeps the page's own answer."""
    url = f"{reverse('accounts:org_audit')}?case={world.ref}"
    for persona in ("admin", "admin_glass"):
        response = client_for(world, persona).get(url)
        assert response.status_code == 200, persona
        rows = response.context["rows"]
        assert rows and {row.case_reference for row in rows} == {world.ref}, persona
    for persona in ("caseworker", "assigned", "lawyer_with", "outsider"):
        response = client_for(world, persona).get(url)
        assert response.status_code in (403, 404), persona
        assert str(ERR_CASE) not in response.content.decode()
