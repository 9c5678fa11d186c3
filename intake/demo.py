"""Demo intakes: people who wrote to Get Lost's Telegram bot, waiting in its triage queue.
Idempotent: a demo sender already known is not written again."""

from __future__ import annotations

from accounts.models import Organisation
from casework.models import IntakeChannel
from intake.models import Conversation
from intake.services import channel_intake_receive, sender_index

# (sender, messages, contact): fictitious people; the second asks for routes before anyone
# verified him, which triage flags.
DEMO_TELEGRAM = (
    (
        "demo-telegram-1",
        [
            "Меня мобилизовали в 2022, сейчас я в отпуске после госпиталя. Возвращаться в часть "
            "не хочу. Что мне грозит и что делать?",
            "Повестки больше не приходили, но звонили из части.",
        ],
        "этот чат",
    ),
    (
        "demo-telegram-2",
        ["Подскажите маршрут, как перейти границу с Казахстаном без паспорта? Срочно."],
        "",
    ),
)


def seed_intakes(*, slug: str = "get-lost") -> int:
    """Telegram intakes in the organisation's triage queue; returns how many were new."""
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        return 0
    created = 0
    for sender, texts, contact in DEMO_TELEGRAM:
        index = sender_index(
            organisation_id=org.pk, channel=IntakeChannel.TELEGRAM_BOT, sender=sender
        )
        if Conversation.objects.filter(organisation=org, sender_index=index).exists():
            continue
        for number, text in enumerate(texts):
            channel_intake_receive(
                organisation=org,
                channel=IntakeChannel.TELEGRAM_BOT,
                sender_index=index,
                text=text,
                contact_handle=contact if number == 0 else "",
            )
        created += 1
    return created
