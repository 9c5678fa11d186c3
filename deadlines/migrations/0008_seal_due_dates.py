"""Step 2 of 3 of sealing the due date (issue 14): every deadline's day is sealed into the
section of the date it derives from, its month kept in clear, and ``due_date`` emptied; the
deadline reminders' notifications keep only the month they went out in.

Why a data migration and not a command run later: the plaintext column goes in the same
deploy, with no step to forget, and each of the three migrations is one transaction on
PostgreSQL (a failure here leaves ``due_date`` as it was and nothing half-sealed). It runs
with the application's keyring, in a key scope without a user, and seals through
casework.envelope as it is today, on the historical model (the associated data names the
model, field, row and section, which a historical model has alike). Without a keyring, with
deadlines to seal, it stops: nothing is lost, and it runs again once the keyring is there.
A section already erased (crypto-shredded) cannot take the day: the month stays, the day goes
with the section. Reversing opens the days again into ``due_date`` (the first of the month
where the day is gone).
"""

from django.db import migrations
from django.db.models.functions import TruncMonth

# The section of the date a deadline derives from, as the code decided it when this
# migration was written (deadlines.services.computed and evacuation.services.visas).
BY_SOURCE = {"art337": "legal", "transit_stay": "location", "manual": "notes"}
FIELDS = {"legal": "due_legal", "location": "due_location", "notes": "due_notes"}


def section_of(source: str, kind_code: str) -> str:
    if source == "visa":
        return "location" if kind_code == "consulate_appointment" else "legal"
    return BY_SOURCE.get(source, "notes")


def seal_due_dates(apps, schema_editor):
    from casework import envelope

    Deadline = apps.get_model("deadlines", "Deadline")
    Notification = apps.get_model("deadlines", "Notification")
    rows = Deadline.objects.filter(due_month__isnull=True, due_date__isnull=False)
    with envelope.key_scope():
        for deadline in rows.select_related("kind").iterator(chunk_size=1000):
            section = section_of(deadline.source, deadline.kind.code)
            field = FIELDS[section]
            values = {
                "due_month": deadline.due_date.replace(day=1),
                "due_section": section,
                "due_date": None,
            }
            try:
                envelope.Envelope(deadline.case_id).seal(deadline, field, deadline.due_date)
            except envelope.SectionShredded:
                pass
            else:
                values[field] = getattr(deadline, field)
            Deadline.objects.filter(pk=deadline.pk).update(**values)
    Notification.objects.filter(kind="deadline").update(created_at=TruncMonth("created_at"))


def open_due_dates(apps, schema_editor):
    from casework import envelope

    Deadline = apps.get_model("deadlines", "Deadline")
    with envelope.key_scope():
        for deadline in Deadline.objects.filter(due_date__isnull=True).iterator(chunk_size=1000):
            try:
                day = envelope.Envelope(deadline.case_id).open(
                    deadline, FIELDS[deadline.due_section]
                )
            except envelope.SectionShredded:
                day = None
            Deadline.objects.filter(pk=deadline.pk).update(
                due_date=day or deadline.due_month, due_month=None
            )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0007_sealed_due_date_fields")]

    operations = [migrations.RunPython(seal_due_dates, open_due_dates)]
