"""Reads that depend on who is asking. This module is the only way views, the API and tasks
reach cases (tests/casework/test_access.py fails on any other call of guardian's
``get_objects_for_user`` in the source tree than the one in ``access``).

Who sees what
-------------
* Members of the owning organisation with the caseworker or org admin role see the case list
  and the case shell (reference, status, categories, risk, country, assignment).
* Opening a section needs one of:
  - being an **assigned caseworker** of the owning organisation (every section);
  - an org admin's live **break-glass** (every section; reason, 2 h limit, audit, notice);
  - a live **per-section grant** (guardian row in ``CaseUserPermission``): a lawyer assigned
    within the owning organisation, or a member of an organisation the case is **referred**
    to, while the referral is accepted, unrevoked, unexpired and its consent valid.
* Writing a section needs an assigned caseworker; grants and break-glass only read.
* **Verification gate**: until the person is verified, location and route is open only to the
  assigned caseworkers of the owning organisation (no break-glass, no grant).
* Inactive or frozen users and inactive organisations reach nothing. Everyone else: the case
  does not exist for them (404).

Source of truth (why the tables cannot drift into more access)
--------------------------------------------------------------
Our own tables decide *whether* access is live: ``Membership`` (role, organisation active),
``Case.assigned_caseworkers``, ``Referral`` + ``Consent`` (status, expiry, withdrawal) and
``BreakGlass`` (expiry). guardian's direct foreign-key rows hold only *which sections* a
person was granted on one case, each tied to the referral it rests on. The rows are written
and deleted only by casework.access in the same transaction as the referral or assignment
change, and every read here ANDs the guardian row with the live state of its referral and the
user's membership. So a stale row (an expired referral nobody cleaned up) opens nothing: drift
can only ever narrow access. Expiry needs no job; it is effective on the next request.
guardian's global permissions are never consulted (``accept_global_perms=False``,
``with_superuser=False``) and a system check (casework.E010) refuses any global case
permission.

Modules: ``access`` (who reaches a case, who opens which section), ``answers`` (the same
answers read along with rows a page queries anyway), ``cases`` (the case list and search),
``sections`` (a case page's sections, opened or refused), ``referrals`` (referrals, consents,
notices, "who has seen this case").
"""

from casework.selectors.access import (
    CASE_LIST_ROLES,
    GRANT_ROLES_IN_OWNER,
    NOT_ASSIGNED,
    NOT_GRANTED,
    NOT_OPENED_TO_YOU,
    NOT_VERIFIED,
    OPEN_PERMS,
    REFERRAL_ROLES,
    WRITE_NEEDS_ASSIGNMENT,
    active_break_glass,
    can_manage_assignment,
    cases_assigned_to,
    cases_visible_to,
    caseworkers_of,
    granted_sections,
    holds_location,
    is_active_user,
    is_assigned_caseworker,
    is_owner_admin,
    is_owner_member,
    lawyers_of,
    live_grants,
    live_referrals,
    may_open_location,
    memberships,
    readable_sections,
    section_refusal,
    section_refusals,
)
from casework.selectors.answers import (
    assigned_caseworkers_of,
    assignment_reason,
    case_for,
    register_case_page_box,
    sections_open_to,
)
from casework.selectors.cases import (
    SORTS,
    CaseListing,
    assignees_of,
    case_find,
    case_list,
    case_listing,
    case_search,
    list_rows,
)
from casework.selectors.notices import (
    EXPLANATION_CLOSED,
    Accountable,
    NoticeEntry,
    accountable_acts,
    notice_inbox,
    unread_notice_rows,
    unread_notices,
)
from casework.selectors.referrals import (
    case_consents,
    case_referrals,
    may_see_viewers,
    notices_for,
    page_consents,
    page_referrals,
    partner_people,
    referral_for_receiver,
    referral_members,
    referrals_by,
    referrals_to,
    referrals_waiting,
    with_holders,
)
from casework.selectors.sections import case_panels, row_values
from casework.selectors.seen import (
    ACCESS_LABELS,
    Access,
    access_basis,
    case_viewers,
    referral_readers,
)

__all__ = [
    "register_case_page_box",
    "Accountable",
    "accountable_acts",
    "EXPLANATION_CLOSED",
    "NoticeEntry",
    "notice_inbox",
    "unread_notice_rows",
    "unread_notices",
    "ACCESS_LABELS",
    "Access",
    "access_basis",
    "referral_readers",
    "CASE_LIST_ROLES",
    "GRANT_ROLES_IN_OWNER",
    "NOT_ASSIGNED",
    "NOT_GRANTED",
    "NOT_OPENED_TO_YOU",
    "NOT_VERIFIED",
    "OPEN_PERMS",
    "REFERRAL_ROLES",
    "WRITE_NEEDS_ASSIGNMENT",
    "CaseListing",
    "active_break_glass",
    "assigned_caseworkers_of",
    "assignment_reason",
    "can_manage_assignment",
    "case_consents",
    "case_for",
    "case_list",
    "case_listing",
    "assignees_of",
    "case_find",
    "SORTS",
    "case_panels",
    "case_referrals",
    "case_search",
    "case_viewers",
    "cases_assigned_to",
    "cases_visible_to",
    "caseworkers_of",
    "granted_sections",
    "holds_location",
    "is_active_user",
    "is_assigned_caseworker",
    "is_owner_admin",
    "is_owner_member",
    "lawyers_of",
    "may_open_location",
    "list_rows",
    "live_grants",
    "live_referrals",
    "may_see_viewers",
    "memberships",
    "notices_for",
    "page_consents",
    "page_referrals",
    "partner_people",
    "readable_sections",
    "referral_for_receiver",
    "referral_members",
    "referrals_by",
    "referrals_to",
    "referrals_waiting",
    "row_values",
    "section_refusal",
    "section_refusals",
    "sections_open_to",
    "with_holders",
]
