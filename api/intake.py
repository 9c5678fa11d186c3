"""An intake posted with an organisation's intake token, handed to the intake app's channel
service (intake.services.channel_intake_receive): a case at status "intake" in the
organisation's triage queue, channel "api", a generated pseudonym, nobody assigned, the
person's words sealed in the case's sections, the event intake.received (ids only).

A partner may name the person by its own opaque id (``sender``, e.g. its ticket number): later
intakes with the same id from the same token join that conversation. The id is kept only as a
keyed hash (vault HMAC per organisation and channel), bound to the token."""

from __future__ import annotations

from accounts.models import Organisation
from api.models import ApiToken
from casework.models import IntakeChannel
from intake import services


def receive_intake(
    *,
    organisation: Organisation,
    token: ApiToken,
    text: str,
    contact: str = "",
    language: str = "ru",
    urgent: bool = False,
    sender: str = "",
) -> None:
    index = (
        services.sender_index(
            organisation_id=organisation.pk,
            channel=IntakeChannel.API,
            sender=f"{token.pk}:{sender}",
        )
        if sender
        else None
    )
    services.channel_intake_receive(
        organisation=organisation,
        channel=IntakeChannel.API,
        sender_index=index,
        text=text,
        contact_handle=contact,
        urgent=urgent,
        language=language,
    )
