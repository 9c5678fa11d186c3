from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from casework import services as casework_services
from casework.models import Article, Country
from deadlines import services
from deadlines.models import (
    Deadline,
    DeadlineSource,
    DeadlineStatus,
    Notification,
    NotificationPreference,
    OutboundEmail,
    ReminderClaim,
)
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 09:00:00+00:00"


def _deliver_all() -> int:
    pending = OutboundEmail.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)
    return services.emails_deliver(email_ids=list(pending))


def _add(case, by, kind, days, **kwargs):
    return services.deadline_create(
        case=case, by=by, kind=kind, due_date=timezone.now().date() + timedelta(days=days), **kwargs
    )


@time_machine.travel(NOW, tick=False)
def test_it_seals_the_note_under_the_notes_section(case_getlost, caseworker_getlost, kind):
    deadline = _add(case_getlost, caseworker_getlost, kind, 5, note="Встреча в консульстве")
    raw = bytes(Deadline.objects.get(pk=deadline.pk).note)
    assert "Встреча".encode() not in raw
    assert case_getlost.envelope.open(deadline, "note") == "Встреча в консульстве"


@time_machine.travel(NOW, tick=False)
def test_it_refuses_deadlines_from_a_caseworker_not_assigned(case_getlost, colleague_getlost, kind):
    with pytest.raises(PermissionDenied):
        _add(case_getlost, colleague_getlost, kind, 5)
    assert not Deadline.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_it_refuses_an_assignee_from_another_organisation(
    case_getlost, caseworker_getlost, outsider, kind
):
    with pytest.raises(ValidationError) as error:
        _add(case_getlost, caseworker_getlost, kind, 5, assignee=outsider)
    assert error.value.messages == [str(services.ERR_ASSIGNEE)]
    assert not Deadline.objects.exists()


def test_a_deadline_due_in_7_days_is_reminded_once_at_the_7_day_offset_and_not_before(
    case_getlost, caseworker_getlost, kind
):
    with time_machine.travel(NOW, tick=False):
        deadline = _add(case_getlost, caseworker_getlost, kind, 10)
        assert services.reminders_scan().claimed == 0  # the 14-day window opened before
    for day in (1, 2):
        with time_machine.travel(f"2026-03-1{day} 09:00:00+00:00", tick=False):
            assert services.reminders_scan().claimed == 0
    with time_machine.travel("2026-03-13 09:00:00+00:00", tick=False):
        first = services.reminders_scan()
        again = services.reminders_scan()
    assert (first.claimed, first.notifications, again.claimed) == (1, 1, 0)
    assert list(ReminderClaim.objects.values_list("deadline_id", "offset")) == [(deadline.pk, 7)]
    assert _deliver_all() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [caseworker_getlost.email]
    sent = AuditEvent.objects.get(action="reminder.sent")
    assert sent.data == {"count": 1, "target_user": str(caseworker_getlost.pk)}
    assert OutboundEmail.objects.get().sent_at is not None


@time_machine.travel(NOW, tick=False)
def test_one_digest_per_person_whatever_the_number_of_reminders(
    open_case, caseworker_getlost, kind
):
    for _ in range(3):
        case = open_case(by=caseworker_getlost)
        _add(case, caseworker_getlost, kind, 0)
        _add(case, caseworker_getlost, kind, 3)
    result = services.reminders_scan()
    assert (result.claimed, result.notifications) == (6, 6)
    assert OutboundEmail.objects.filter(user=caseworker_getlost).count() == 1
    assert _deliver_all() == 1
    assert Notification.objects.filter(user=caseworker_getlost, urgent=True).count() == 3


@time_machine.travel(NOW, tick=False)
def test_every_digest_is_byte_identical_and_free_of_case_content(
    open_case, caseworker_getlost, make_member, kind
):
    from tests.deadlines.conftest import MARKER

    other = make_member("get-lost")
    references = []
    for n, country in enumerate(("KZ", "AM", "GE")):
        case = open_case(
            by=caseworker_getlost,
            pseudonym=f"{MARKER}-p{n}",
            legal_name=f"{MARKER} name {n}",
            country=Country.objects.get(pk=country),
        )
        casework_services.case_assign(
            case=case, by=caseworker_getlost, caseworkers=[caseworker_getlost, other]
        )
        _add(case, caseworker_getlost, kind, n, note=f"{MARKER} note")
        references.append(case.reference)
    services.reminders_scan()
    assert _deliver_all() == 2
    shapes = {
        (m.subject, m.body, len(m.message().as_bytes().split(b"\n\n", 1)[1])) for m in mail.outbox
    }
    assert len(shapes) == 1
    for message in mail.outbox:
        raw = message.message().as_bytes().decode()
        for planted in (MARKER, "KZ", "Kazakhstan", *references, "2026", "3"):
            assert planted not in message.subject + message.body
        assert MARKER not in raw


@time_machine.travel(NOW, tick=False)
def test_done_and_cancelled_deadlines_raise_no_reminders(case_getlost, caseworker_getlost, kind):
    done = _add(case_getlost, caseworker_getlost, kind, 0)
    cancelled = _add(case_getlost, caseworker_getlost, kind, 1)
    services.deadline_set_status(deadline=done, by=caseworker_getlost, status=DeadlineStatus.DONE)
    services.deadline_set_status(
        deadline=cancelled, by=caseworker_getlost, status=DeadlineStatus.CANCELLED
    )
    assert services.reminders_scan().claimed == 0
    with pytest.raises(ValidationError) as error:
        services.deadline_set_status(deadline=done, by=caseworker_getlost, status="done")
    assert error.value.messages == [str(services.ERR_NOT_OPEN)]


@time_machine.travel(NOW, tick=False)
def test_an_assignee_gets_the_reminder_instead_of_the_case_caseworkers(
    case_getlost, caseworker_getlost, make_member, kind
):
    other = make_member("get-lost")
    _add(case_getlost, caseworker_getlost, kind, 0, assignee=other)
    services.reminders_scan()
    assert list(Notification.objects.values_list("user_id", flat=True)) == [other.pk]


@time_machine.travel(NOW, tick=False)
def test_e_mail_off_still_gives_the_in_app_notification(case_getlost, caseworker_getlost, kind):
    services.preferences_update(
        user=caseworker_getlost, email_enabled=False, quiet_start=None, quiet_end=None
    )
    _add(case_getlost, caseworker_getlost, kind, 0)
    services.reminders_scan()
    assert Notification.objects.filter(user=caseworker_getlost).count() == 1
    assert not OutboundEmail.objects.exists()


def test_quiet_hours_hold_the_e_mail_until_they_end(case_getlost, caseworker_getlost, kind):
    with time_machine.travel("2026-03-10 23:00:00+00:00", tick=False):
        services.preferences_update(
            user=caseworker_getlost, email_enabled=True, quiet_start=time(22), quiet_end=time(7)
        )
        _add(case_getlost, caseworker_getlost, kind, 1)
        result = services.reminders_scan()
        assert (result.claimed, result.emails) == (1, 0)
    email = OutboundEmail.objects.get()
    assert email.not_before.isoformat() == "2026-03-11T07:00:00+00:00"
    with time_machine.travel("2026-03-11 07:05:00+00:00", tick=False):
        assert services.reminders_scan().emails == 1


def test_quiet_hours_need_both_ends(caseworker_getlost):
    with pytest.raises(ValidationError) as error:
        services.preferences_update(
            user=caseworker_getlost, email_enabled=True, quiet_start=time(22), quiet_end=None
        )
    assert error.value.messages == [str(services.ERR_QUIET_HOURS)]
    assert not NotificationPreference.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_scan_queues_each_digest_after_commit(
    case_getlost, caseworker_getlost, kind, django_capture_on_commit_callbacks
):
    _add(case_getlost, caseworker_getlost, kind, 0)
    with django_capture_on_commit_callbacks() as callbacks:
        services.reminders_scan()
    assert len(callbacks) == 1
    email = OutboundEmail.objects.get()
    assert email.queued_at is not None
    # The task is handed the e-mail's id and nothing else.
    assert (callbacks[0].args, callbacks[0].keywords) == (([email.pk],), {})


@time_machine.travel(NOW, tick=False)
def test_an_art337_absence_start_creates_three_threshold_deadlines_that_move_with_it(
    case_getlost, caseworker_getlost
):
    values = {
        "article": Article.A337_5,
        "during_mobilisation": True,
        "procedural_stage": "none",
        "wanted_level": "none",
        "exit_ban": False,
        "passport_confiscated": False,
        "details": "",
    }
    exposure = casework_services.exposure_add(
        case=case_getlost, by=caseworker_getlost, absence_start=date(2026, 1, 31), **values
    )
    dues = sorted(due_of(d) for d in Deadline.objects.filter(source=DeadlineSource.ART_337))
    assert dues == [date(2026, 2, 3), date(2026, 2, 11), date(2026, 3, 1)]
    casework_services.exposure_update(
        exposure=exposure, by=caseworker_getlost, absence_start=date(2026, 3, 8), **values
    )
    dues = sorted(due_of(d) for d in Deadline.objects.filter(source=DeadlineSource.ART_337))
    assert dues == [date(2026, 3, 11), date(2026, 3, 19), date(2026, 4, 9)]
    assert services.reminders_scan().claimed == 1  # the 2-day threshold, 1 day ahead


@time_machine.travel(NOW, tick=False)
def test_the_kazakhstan_stay_limit_follows_the_stay_expiry_date(case_getlost, caseworker_getlost):
    casework_services.case_verify(case=case_getlost, by=caseworker_getlost)
    kz = Country.objects.get(pk="KZ")

    def stay(expires):
        casework_services.location_update(
            case=case_getlost,
            by=caseworker_getlost,
            country=kz,
            legal_basis="visa_free",
            region="",
            stay_expires=expires,
            route_notes="",
        )
        return Deadline.objects.get(source=DeadlineSource.TRANSIT_STAY)

    # No expiry given: 90 days from the first day of the month of entry (the earliest).
    entered = case_getlost.location.since_month
    assert due_of(stay(None)) == entered + timedelta(days=89)
    assert due_of(stay(date(2026, 4, 30))) == date(2026, 4, 30)
    assert Deadline.objects.filter(source=DeadlineSource.TRANSIT_STAY).count() == 1


def test_e_mail_retries_back_off_exponentially_up_to_the_cap(settings):
    from deadlines.tasks import backoff

    settings.WAYPOINT_EMAIL_RETRY_BASE = 30
    settings.WAYPOINT_EMAIL_RETRY_MAX = 1800
    assert [backoff(n) for n in range(8)] == [30, 60, 120, 240, 480, 960, 1800, 1800]


@time_machine.travel(NOW, tick=False)
def test_send_reminders_runs_one_scan_and_prints_counts_only(
    case_getlost, caseworker_getlost, kind, capsys
):
    from django.core.management import call_command

    _add(case_getlost, caseworker_getlost, kind, 0)
    call_command("send_reminders")
    out = capsys.readouterr().out
    assert out.strip() == "claimed 1 reminders, 1 notifications, 1 e-mails queued"
    assert ReminderClaim.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_cancelled_computed_deadline_stays_cancelled_until_its_date_moves(
    case_getlost, caseworker_getlost
):
    values = {
        "article": Article.A337_5,
        "during_mobilisation": True,
        "procedural_stage": "none",
        "wanted_level": "none",
        "exit_ban": False,
        "passport_confiscated": False,
    }
    exposure = casework_services.exposure_add(
        case=case_getlost,
        by=caseworker_getlost,
        absence_start=date(2026, 3, 1),
        details="",
        **values,
    )
    first = min(Deadline.objects.filter(source=DeadlineSource.ART_337), key=due_of)
    services.deadline_set_status(deadline=first, by=caseworker_getlost, status="cancelled")
    casework_services.exposure_update(
        exposure=exposure,
        by=caseworker_getlost,
        absence_start=date(2026, 3, 1),
        details="x",
        **values,
    )
    first.refresh_from_db()
    assert first.status == DeadlineStatus.CANCELLED
    casework_services.exposure_update(
        exposure=exposure,
        by=caseworker_getlost,
        absence_start=date(2026, 3, 2),
        details="x",
        **values,
    )
    first.refresh_from_db()
    assert (first.status, due_of(first)) == (DeadlineStatus.OPEN, date(2026, 3, 5))


@time_machine.travel(NOW, tick=False)
def test_a_batch_skips_digests_already_sent_so_a_retry_never_sends_twice(
    open_case, caseworker_getlost, make_member, kind
):
    from deadlines.tasks import send_digest_emails_task

    other = make_member("get-lost")
    for user in (caseworker_getlost, other):
        case = open_case(by=user)
        _add(case, user, kind, 0)
    services.reminders_scan()
    ids = sorted(OutboundEmail.objects.values_list("pk", flat=True))
    assert services.emails_deliver(email_ids=ids[:1]) == 1
    assert send_digest_emails_task.apply(args=[ids]).get() == 1
    assert send_digest_emails_task.apply(args=[ids]).get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([caseworker_getlost.email, other.email])
