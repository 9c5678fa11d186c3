"""Intake from a partner's tool: an organisation's intake token posts what a person wrote;
it lands in that organisation's triage queue. Write-only: the answer says it was received and
nothing about the case (not even its reference)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as out
from api.intake import receive_intake
from api.permissions import IntakeToken, token_of


class IntakeCreate(APIView):
    permission_classes = [IntakeToken]

    @extend_schema(
        operation_id="intakes_create",
        summary="Send an intake to the organisation's triage queue (intake tokens only)",
        request=out.IntakeIn,
        responses={
            201: out.IntakeOut,
            400: OpenApiResponse(out.Detail, description="Refused input; nothing was stored."),
            401: OpenApiResponse(out.Detail, description="No valid credentials."),
            403: OpenApiResponse(out.Detail, description="Not an intake token."),
            429: OpenApiResponse(out.Detail, description="Too many requests with this token."),
        },
    )
    def post(self, request, version):
        given = out.IntakeIn(data=request.data)
        given.is_valid(raise_exception=True)
        token = token_of(request)
        assert token is not None  # IntakeToken let the request through
        receive_intake(organisation=token.organisation, token=token, **given.validated_data)
        return Response({"status": "received"}, status=status.HTTP_201_CREATED)
