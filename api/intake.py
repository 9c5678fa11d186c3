"""An intake posted with an organisation's intake token, handed to the intake app's channel
service: a case at status "intake" in the organisation's triage queue, channel "api", a
generated pseudonym, nobody assigned, the person's words sealed in the case's sections."""

from __future__ import annotations

from accounts.models import Organisation
from api.models import ApiToken


def receive_intake(
    *,
    organisation: Organisation,
    token: ApiToken,
    text: str,
    contact: str = "",
    language: str = "ru",
    urgent: bool = False,
) -> None:
    from intake.services import channel_intake_receive  # type: ignore[import-not-found]  # merged later

    channel_intake_receive(
        organisation=organisation,
        channel="api",
        sender_index=None,
        text=text,
        contact_handle=contact,
        urgent=urgent,
        language=language,
    )
