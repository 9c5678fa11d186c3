"""On PostgreSQL, one function appends an event: it takes the chain lock, reads the head,
computes the hash and inserts the row, in a single round trip from the application.

The caller (audit.services.record) passes the canonical encoding of the event without its
sequence number; the function prepends ``[<seq>,`` (the canonical encoding is a JSON list
that starts with the sequence number), so the hash is exactly the one that
audit.verification recomputes in Python. As a VOLATILE function, each statement in it takes
a fresh snapshot: the head it reads after the lock is the one the previous holder committed.
The lock key is audit.services.CHAIN_LOCK.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION audit_event_append(
    p_at timestamptz,
    p_actor_id uuid,
    p_organisation_id uuid,
    p_action varchar,
    p_object_type varchar,
    p_object_id varchar,
    p_request_id varchar,
    p_data jsonb,
    p_payload_tail text
) RETURNS TABLE (event_id bigint, event_seq bigint, event_prev_hash varchar, event_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_seq bigint;
    v_prev varchar;
    v_hash varchar;
    v_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(1463900496);
    SELECT e.seq, e.hash INTO v_seq, v_prev
        FROM audit_auditevent e ORDER BY e.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        v_seq := 0;
        v_prev := repeat('0', 64);
    END IF;
    v_seq := v_seq + 1;
    v_hash := encode(
        sha256(convert_to(v_prev || E'\n[' || v_seq::text || ',' || p_payload_tail, 'UTF8')),
        'hex'
    );
    INSERT INTO audit_auditevent (
        seq, at, actor_id, organisation_id, action, object_type, object_id, request_id,
        data, prev_hash, hash
    ) VALUES (
        v_seq, p_at, p_actor_id, p_organisation_id, p_action, p_object_type, p_object_id,
        p_request_id, p_data, v_prev, v_hash
    ) RETURNING audit_auditevent.id INTO v_id;
    RETURN QUERY SELECT v_id, v_seq, v_prev, v_hash;
END;
$$;
"""

BACKWARD = r"""
DROP FUNCTION IF EXISTS audit_event_append(
    timestamptz, uuid, uuid, varchar, varchar, varchar, varchar, jsonb, text
);
"""


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
