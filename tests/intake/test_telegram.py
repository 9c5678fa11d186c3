"""The Telegram bot: recorded Update payloads posted to the webhook, its Bot API calls
answered by a local server that checks what was sent. Tasks run here (no worker)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from casework.envelope import key_scope, read_document_file
from casework.models import Case, Document, Person
from intake.models import BotSession, Conversation, Message, TelegramBot
from intake.services import conversation_reply, intake_take_on
from intake.telegram.script import DEFAULT_TEXTS
from tests.intake import botapi
from tests.intake.conftest import MARKER, run_tasks

pytestmark = pytest.mark.django_db

SENDER = 5550001


@pytest.fixture
def post(client, bot, bot_api, reference_data, django_capture_on_commit_callbacks):
    _bot, path, header = bot

    def send(update: dict, *, secret: str | None = None, path_secret: str | None = None):
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(
                reverse("intake:telegram_webhook", args=[path_secret or path]),
                data=json.dumps(update),
                content_type="application/json",
                HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=header if secret is None else secret,
            )
        if response.status_code == 200:
            run_tasks(callbacks)
        return response

    return send


def _through_consent(post, sender=SENDER, start=1):
    post(botapi.update(start, sender=sender, text="/start", message_id=start))
    post(botapi.update(start + 1, sender=sender, text="да", message_id=start + 1))


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (32, 24), (10, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "ExifMarkerCam"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_the_script_asks_consent_first_and_stores_nothing_before_it(post, bot_api):
    response = post(botapi.update(1, sender=SENDER, text=f"Привет {MARKER}"))
    assert response.status_code == 200
    assert bot_api.sent() == [{"chat_id": SENDER, "text": DEFAULT_TEXTS["intro"]}]
    assert not Case.objects.exists() and not Message.objects.exists()
    post(botapi.update(2, sender=SENDER, text="нет", message_id=2))
    assert bot_api.sent()[-1]["text"] == DEFAULT_TEXTS["declined"]
    assert not Case.objects.exists()


def test_the_whole_script_makes_one_intake_in_the_queue(post, bot_api):
    _through_consent(post)
    post(botapi.update(3, sender=SENDER, text=f"Я ушёл из части {MARKER}", message_id=3))
    post(botapi.update(4, sender=SENDER, text="@my_signal", message_id=4))
    post(botapi.update(5, sender=SENDER, text="да", message_id=5))
    post(botapi.update(6, sender=SENDER, text="Ещё одно сообщение", message_id=6))
    texts = [call["text"] for call in bot_api.sent()]
    assert texts == [
        DEFAULT_TEXTS[key] for key in ("intro", "ask_what", "ask_contact", "ask_urgency", "thanks")
    ]
    assert {call["chat_id"] for call in bot_api.sent()} == {SENDER}
    conversation = Conversation.objects.get()
    case = conversation.case
    assert case.status == "intake" and conversation.urgent
    with key_scope():
        assert MARKER in case.envelope.open(case.testimonies.get(), "text")
        handles = case.envelope.open(Person.objects.get(case=case), "contact_handles")
        assert handles == ["@my_signal"]
        assert case.envelope.open(conversation, "address") == str(SENDER)
    assert conversation.messages.count() == 4  # the consent answer and /start are not kept


def test_a_second_sender_gets_an_intake_of_their_own(post):
    _through_consent(post)
    post(botapi.update(3, sender=SENDER, text="Первый", message_id=3))
    _through_consent(post, sender=SENDER + 1, start=10)
    post(botapi.update(12, sender=SENDER + 1, text="Второй", message_id=12))
    assert Case.objects.count() == 2
    assert BotSession.objects.count() == 2


def test_an_edited_message_replaces_the_stored_text(post):
    _through_consent(post)
    post(botapi.update(3, sender=SENDER, text="Опечатка", message_id=3))
    post(botapi.edited(4, sender=SENDER, text=f"Исправлено {MARKER}", message_id=3))
    message = Message.objects.get()
    assert message.edited
    with key_scope():
        assert message.case.envelope.open(message, "text") == f"Исправлено {MARKER}"


def test_a_photo_is_fetched_and_stored_without_exif(post, bot_api):
    bot_api.files["photos/f1.jpg"] = _jpeg_with_exif()
    _through_consent(post)
    post(botapi.photo(3, sender=SENDER, caption="Повестка", message_id=3))
    assert bot_api.sent("getFile") == [{"file_id": "AgACAgLARGE"}]
    document = Document.objects.get()
    with key_scope():
        data = read_document_file(case_id=document.case_id, document=document)
    assert b"ExifMarkerCam" not in data
    assert Image.open(io.BytesIO(data)).size == (32, 24)


def test_a_wrong_secret_token_is_refused_and_changes_nothing(post, bot_api):
    response = post(botapi.update(1, sender=SENDER, text="Привет"), secret="wrong")
    assert response.status_code == 403 and response.content == b""
    missing = post(botapi.update(1, sender=SENDER, text="Привет"), secret="")
    assert missing.status_code == 403
    unknown = post(botapi.update(1, sender=SENDER, text="Привет"), path_secret="nope")
    assert unknown.status_code == 404
    assert bot_api.calls == [] and not BotSession.objects.exists()


def test_a_reply_from_the_case_page_goes_to_the_chat(post, bot_api, caseworker_getlost):
    _through_consent(post)
    post(botapi.update(3, sender=SENDER, text="Помогите", message_id=3))
    conversation = Conversation.objects.get()
    intake_take_on(
        case=conversation.case,
        by=caseworker_getlost,
        legal_category="deserter",
        service_category="contract_after",
        risk_level="high",
    )
    from intake.tasks import deliver_message_task

    message = conversation_reply(conversation=conversation, by=caseworker_getlost, text="Ответ")
    deliver_message_task.apply(args=[str(message.pk)], throw=True)
    assert bot_api.sent()[-1] == {"chat_id": SENDER, "text": "Ответ"}
    message.refresh_from_db()
    assert message.delivery == "sent"


def test_the_command_registers_and_deletes_the_webhook(bot_api, getlost, settings):
    settings.WAYPOINT_BASE_URL = "https://waypoint.example.org"
    call_command("telegram_webhook", "set", "--organisation", getlost.slug)
    (payload,) = bot_api.sent("setWebhook")
    bot = TelegramBot.objects.get(organisation=getlost)
    prefix = "https://waypoint.example.org/intake/telegram/"
    assert payload["url"].startswith(prefix)
    from intake.telegram.services import bot_for_path, secret_matches

    path_secret = payload["url"][len(prefix) :].rstrip("/")
    assert bot_for_path(path_secret) == bot
    assert secret_matches(bot, payload["secret_token"])
    call_command("telegram_webhook", "delete", "--organisation", getlost.slug)
    assert len(bot_api.sent("deleteWebhook")) == 1
    bot.refresh_from_db()
    assert bot.path_hash is None and bot_for_path(path_secret) is None


def test_a_failing_update_is_answered_503_without_logging_the_secret_path(
    post, bot, monkeypatch, caplog
):
    from intake.telegram import webhook

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(webhook, "update_receive", broken)
    caplog.set_level("DEBUG")
    response = post(botapi.update(1, sender=SENDER, text=f"Привет {MARKER}"))
    assert response.status_code == 503
    _bot, path, _header = bot
    assert "RuntimeError" in caplog.text
    assert path not in caplog.text and MARKER not in caplog.text
