"""Case files: the organisation's list (outline only) and a case with the sections the caller
may open, each read audited as on the case page (one case.viewed listing the sections)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as out
from api.content import section_content
from api.pagination import Pages
from api.permissions import Person
from api.views.base import case_membership, case_scope, paginated, within_token
from casework import selectors, services
from casework.envelope import SectionShredded
from casework.models import Case, Status
from casework.sections import SECTIONS
from casework.selectors import is_assigned_caseworker

REFUSED = {
    401: OpenApiResponse(out.Detail, description="No valid credentials."),
    403: OpenApiResponse(out.Detail, description="Not open to the caller."),
    404: OpenApiResponse(out.Detail, description="Not found, or outside the caller's reach."),
    429: OpenApiResponse(out.Detail, description="Too many requests with this credential."),
}


class CaseFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    page = serializers.IntegerField(min_value=1, required=False)


class CaseList(APIView):
    permission_classes = [Person]

    @extend_schema(
        operation_id="cases_list",
        summary="The organisation's cases (outline: no sealed content)",
        parameters=[CaseFilter],
        responses={200: paginated(out.CaseOutline), 400: out.Detail, **REFUSED},
    )
    def get(self, request, version):
        membership = case_membership(request)
        query = CaseFilter(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        cases = selectors.case_listing(
            user=request.user,
            organisation=membership.organisation,
            status=query.validated_data.get("status", ""),
        )
        pages = Pages()
        page = pages.paginate_queryset(cases, request, view=self)
        return pages.get_paginated_response(out.CaseOutline(page, many=True).data)


def _detail(request, case: Case, panels: dict) -> dict:
    sections = {
        section: section_content(case, section, panel)
        for section, panel in panels.items()
        if "content" in panel
    }
    erased = [section for section, panel in panels.items() if panel.get("shredded")]
    return {**out.CaseOutline(case).data, "sections": out.Sections(sections).data, "erased": erased}


class CaseDetail(APIView):
    permission_classes = [Person]

    @extend_schema(
        operation_id="cases_retrieve",
        summary="A case with the sections the caller may open (audited as a case view)",
        responses={200: out.CaseDetail, **REFUSED},
    )
    def get(self, request, version, reference):
        with case_scope(request):
            case = selectors.case_for(user=request.user, reference=reference)
            within_token(request, case)
            assigned = is_assigned_caseworker(user=request.user, case=case)
            panels, opened = selectors.case_panels(
                user=request.user, case=case, sections=SECTIONS, assigned=assigned
            )
            services.case_viewed(case=case, by=request.user, sections=opened)
            return Response(_detail(request, case, panels))


class CaseSection(APIView):
    permission_classes = [Person]

    @extend_schema(
        operation_id="cases_section_retrieve",
        summary="One section of a case (403 when not shared with the caller, 410 when erased)",
        parameters=[
            OpenApiParameter("section", str, OpenApiParameter.PATH, enum=list(SECTIONS)),
        ],
        responses={200: out.SectionOut, 410: out.Detail, **REFUSED},
    )
    def get(self, request, version, reference, section):
        if section not in SECTIONS:
            raise Http404
        with case_scope(request):
            case = selectors.case_for(user=request.user, reference=reference)
            within_token(request, case)
            refusal = selectors.section_refusal(
                user=request.user, case=case, section=section, write=False
            )
            if refusal is not None:
                raise PermissionDenied(str(refusal))
            assigned = is_assigned_caseworker(user=request.user, case=case)
            panels, opened = selectors.case_panels(
                user=request.user, case=case, sections=[section], assigned=assigned
            )
            if panels[section].get("shredded"):
                raise SectionShredded(section)
            services.case_viewed(case=case, by=request.user, sections=opened)
            content = section_content(case, section, panels[section])
            shown = out.SECTION_SERIALIZERS[section](content).data
            return Response({"section": section, "content": shown})
