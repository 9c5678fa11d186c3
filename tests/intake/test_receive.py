"""Receiving through a channel: a new sender opens an intake, a known one joins it; the words
are sealed, the sender kept only as a blind index, flags set for triage."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from PIL import Image

from audit.models import AuditEvent
from casework.envelope import key_scope
from casework.models import Case, Document, LegalCategory, ServiceCategory, Status
from intake import services
from intake.models import Conversation, Direction, Message
from tests.intake.conftest import MARKER

pytestmark = pytest.mark.django_db


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (16, 16), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "MarkerCamera"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_new_sender_opens_an_intake_nobody_is_assigned_to(receive):
    conversation = receive(f"Я дезертировал {MARKER}")
    case = conversation.case
    assert case.status == Status.INTAKE
    assert case.legal_category == LegalCategory.UNKNOWN
    assert case.service_category == ServiceCategory.UNKNOWN
    assert not case.assigned_caseworkers.exists()
    assert case.person.pseudonym.startswith("TG-")
    assert MARKER not in case.person.pseudonym
    with key_scope():
        statement = case.testimonies.get()
        assert MARKER in case.envelope.open(statement, "text")
        message = conversation.messages.get()
        assert message.direction == Direction.INBOUND
        assert MARKER in case.envelope.open(message, "text")
    event = AuditEvent.objects.filter(action="intake.received").get()
    assert event.actor_id in (None, "") and event.object_id == str(case.pk)


def test_the_same_sender_joins_the_intake_and_another_opens_a_new_one(receive):
    first = receive("Первое сообщение")
    again = receive("Второе сообщение")
    other = receive("Другой человек", sender="2002")
    assert again.pk == first.pk
    assert list(first.messages.values_list("seq", flat=True)) == [1, 2]
    assert first.case.testimonies.count() == 1
    assert other.case_id != first.case_id
    assert Case.objects.filter(status=Status.INTAKE).count() == 2


def test_nothing_of_the_words_or_the_sender_is_stored_in_clear(receive):
    receive(f"Текст {MARKER}", sender="77001122", contact_handle=f"@handle{MARKER}")
    with connection.cursor() as cursor:
        for table in (
            "intake_conversation",
            "intake_message",
            "casework_person",
            "casework_testimony",
            "audit_auditevent",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            dump = repr(cursor.fetchall())
            assert MARKER not in dump, table
            assert "77001122" not in dump, table


def test_asking_for_routes_before_verification_flags_the_intake(receive):
    calm = receive("Здравствуйте, мне нужна помощь")
    assert not calm.asks_route and not calm.urgent
    asking = receive("Какой маршрут через границу лучше?", sender="3003")
    urgent = receive("Срочно, за мной придут", sender="4004")
    assert asking.asks_route and not asking.urgent
    assert urgent.urgent


def test_a_photo_is_stored_encrypted_without_its_exif(receive):
    from casework.envelope import read_document_file

    conversation = receive("Фото повестки", attachment=(_jpeg_with_exif(), "IMG_1.jpg"))
    document = Document.objects.get(case=conversation.case)
    with key_scope():
        data = read_document_file(case_id=conversation.case_id, document=document)
    assert b"MarkerCamera" not in data
    assert Image.open(io.BytesIO(data)).getexif().get(0x010F) is None


def test_a_refused_attachment_or_an_empty_message_stores_nothing(receive):
    with pytest.raises(ValidationError):
        receive("Файл", attachment=(b"not a picture at all", "x.exe"))
    with pytest.raises(ValidationError) as error:
        receive("   ")
    assert error.value.messages == [str(services.ERR_EMPTY_MESSAGE)]
    assert not Case.objects.exists()
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_an_edit_replaces_the_sealed_text_of_that_message(receive, getlost):
    index = services.external_index(
        organisation_id=getlost.pk, channel="telegram_bot", sender="1001", external_id="5"
    )
    conversation = receive("Ошибка в тексте", external_index=index)
    edited = services.conversation_message_edit(
        conversation=conversation, external_index=index, text=f"Исправлено {MARKER}"
    )
    assert edited is not None and edited.edited
    with key_scope():
        assert MARKER in conversation.case.envelope.open(Message.objects.get(), "text")
    assert AuditEvent.objects.filter(action="intake.edited").count() == 1
