"""The caller's deadlines, referrals waiting for the caller's organisation (and answering
them, through the same services as the referrals page), and statistics releases."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as out
from api.pagination import Pages
from api.permissions import Person
from api.views.base import membership_of, paginated, token_organisation_id
from api.views.cases import REFUSED
from audit.services import record
from casework import selectors, services
from deadlines import selectors as deadline_selectors
from stats import selectors as stats_selectors
from stats.selectors import StatsForbidden

NOT_FOR_ROLE = _("Statistics are open to coordinators and organisation admins only.")


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False)


def _page(view: APIView, request, items: list, item: type[serializers.Serializer]) -> Response:
    query = PageQuery(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    pages = Pages()
    page = pages.paginate_queryset(items, request, view=view)
    return pages.get_paginated_response(item(page, many=True).data)


class Deadlines(APIView):
    permission_classes = [Person]

    @extend_schema(
        operation_id="deadlines_list",
        summary="The caller's open deadlines, soonest first (the day only where it may open)",
        parameters=[PageQuery],
        responses={200: paginated(out.DeadlineOut), 400: out.Detail, **REFUSED},
    )
    def get(self, request, version):
        groups = deadline_selectors.my_deadlines(user=request.user)
        items = groups.overdue + groups.this_week + groups.later + groups.information
        org = token_organisation_id(request)
        if org is not None:
            items = [d for d in items if d.case.organisation_id == org]
        return _page(self, request, items, out.DeadlineOut)


class Referrals(APIView):
    permission_classes = [Person]

    @extend_schema(
        operation_id="referrals_list",
        summary="Referrals to the caller's organisation waiting for an answer",
        parameters=[PageQuery],
        responses={200: paginated(out.ReferralOut), 400: out.Detail, **REFUSED},
    )
    def get(self, request, version):
        membership = membership_of(request)
        waiting = selectors.referrals_waiting(
            user=request.user, organisation=membership.organisation
        )
        return _page(self, request, list(waiting[:100]), out.ReferralOut)


REFERRAL_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ANSWER_RESPONSES = {
    200: out.ReferralOut,
    400: OpenApiResponse(out.Detail, description="Not pending any more, or its consent lapsed."),
    **REFUSED,
}


class ReferralAnswer(APIView):
    """POST only; the service checks the caller may answer (403) and the state (400)."""

    permission_classes = [Person]
    answer = staticmethod(services.referral_accept)

    def post(self, request, version, pk):
        membership_of(request)
        try:
            pk = uuid.UUID(pk)
        except ValueError:
            raise Http404 from None
        referral = selectors.referral_for_receiver(user=request.user, pk=pk)
        referral = self.answer(referral=referral, by=request.user)
        return Response(out.ReferralOut(referral).data)


class ReferralAccept(ReferralAnswer):
    answer = staticmethod(services.referral_accept)

    @extend_schema(
        operation_id="referrals_accept",
        summary="Accept a referral",
        request=None,
        parameters=[REFERRAL_ID],
        responses=ANSWER_RESPONSES,
    )
    def post(self, request, version, pk):
        return super().post(request, version, pk)


class ReferralDecline(ReferralAnswer):
    answer = staticmethod(services.referral_decline)

    @extend_schema(
        operation_id="referrals_decline",
        summary="Decline a referral",
        request=None,
        parameters=[REFERRAL_ID],
        responses=ANSWER_RESPONSES,
    )
    def post(self, request, version, pk):
        return super().post(request, version, pk)


def _scope(request):
    try:
        return stats_selectors.scope_for(request._request)
    except StatsForbidden:
        raise PermissionDenied(str(NOT_FOR_ROLE)) from None


class Releases(APIView):
    permission_classes = [Person]

    @extend_schema(
        operation_id="stats_releases_list",
        summary="Statistics releases, newest first (coordinators; org admins: their own)",
        parameters=[PageQuery],
        responses={200: paginated(out.ReleaseOut), 400: out.Detail, **REFUSED},
    )
    def get(self, request, version):
        scope = _scope(request)
        releases = [summary.release for summary in stats_selectors.release_summaries(scope)]
        return _page(self, request, releases, out.ReleaseOut)


class ReleaseDetail(APIView):
    permission_classes = [Person]

    @extend_schema(
        operation_id="stats_releases_retrieve",
        summary="One release's tables as published in the caller's scope (audited as an export)",
        parameters=[OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: out.ReleaseDetailOut, **REFUSED},
    )
    def get(self, request, version, number):
        scope = _scope(request)
        release = stats_selectors.release_numbered(number)
        tables = list(stats_selectors.tables_in(release, scope).order_by("breakdown", "period"))
        record(
            "stats.exported",
            actor=request.user,
            org=scope.organisation,
            section=f"release-{number}",
            count=len(tables),
            target_org=scope.code,
        )
        data = out.ReleaseOut(release).data
        return Response(
            {**data, "scope": scope.code, "tables": out.PublishedTableOut(tables, many=True).data}
        )
