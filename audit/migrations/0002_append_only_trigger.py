"""Append-only in the database: on PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE of
audit events, whoever the client is (the application, a psql session, a script).

SQLite has no TRUNCATE and no way to switch a trigger off for maintenance, so there the ORM
guard in audit.models is the only barrier; the migration does nothing on other databases.

TRUNCATE of an *empty* table is let through: it destroys nothing, and it lets Django's test
runner flush the database after transactional tests (they empty the log first with the
trigger disabled, which needs the table owner's rights, as dropping the trigger would).
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- TRUNCATE holds ACCESS EXCLUSIVE before BEFORE TRUNCATE triggers fire, so no row
        -- can be added between this check and the truncation.
        IF NOT EXISTS (SELECT 1 FROM audit_auditevent) THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();

CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_refuse_change();
"""


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # A plain cursor: the SQL holds "%" (RAISE format) and takes no parameters.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
