"""Two database roles: the owner runs migrations, the runtime role runs the application.

The owner (the role in the migrations' ``DATABASE_URL``) owns every table. Whoever owns the
audit table can switch its append-only triggers off, rewrite events and recompute the chain,
so the application must not connect as the owner. ``grant_runtime_role`` gives the runtime
role what the application needs and no more:

* every application table: SELECT, INSERT, UPDATE, DELETE (no TRUNCATE, no TRIGGER);
* the audit tables: SELECT and INSERT only (the chain's append function runs with the
  caller's rights, so it needs nothing else);
* sequences: USAGE and SELECT; functions: EXECUTE;
* default privileges, so tables and sequences the owner creates later get the same CRUD
  rights. A later migration that adds an audit table gets CRUD that way too: run
  ``grant_runtime_role`` again after every ``migrate`` (it is idempotent).

Only the owner can ALTER a table (and so DISABLE TRIGGER) or drop it; these grants never give
that. The checks refuse a role that would get round them: a superuser, the owner itself, a
member of the owner's role, or a role that owns a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

APP_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_TABLE_PRIVILEGES = "SELECT, INSERT"
SEQUENCE_PRIVILEGES = "USAGE, SELECT"

ERR_NOT_POSTGRESQL = "Database roles exist only on PostgreSQL; this database is {vendor}."
ERR_ROLE_NAME = "{role!r} is not a plain role name (letters, digits, _ and $; at most 63)."
ERR_NO_ROLE = (
    "There is no database role {role}. Create it first (as a superuser): "
    "CREATE ROLE {role} LOGIN PASSWORD '...';"
)
ERR_SUPERUSER = "{role} is a superuser: it could rewrite the audit log. Use a plain role."
ERR_OWNER = (
    "{role} is the role running this command, the owner of the tables. The runtime role "
    "must be a different one."
)
ERR_MEMBER_OF_OWNER = (
    "{role} is a member of the owner's role {owner} and shares its rights. "
    "Use a role that is not: REVOKE {owner} FROM {role};"
)
ERR_OWNS_TABLES = "{role} owns tables ({tables}): an owner can rewrite them. Reassign them first."

_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


class RoleError(ValueError):
    pass


@dataclass(frozen=True)
class Granted:
    role: str
    owner: str
    schema: str
    app_tables: int
    audit_tables: tuple[str, ...]
    sequences: int

    def summary(self) -> str:
        return (
            f"{self.role}: {self.app_tables} application tables ({APP_TABLE_PRIVILEGES}); "
            f"audit tables {', '.join(self.audit_tables)} ({AUDIT_TABLE_PRIVILEGES} only); "
            f"{self.sequences} sequences ({SEQUENCE_PRIVILEGES}); default privileges for "
            f"tables {self.owner} creates in {self.schema} later."
        )


def audit_tables() -> tuple[str, ...]:
    """The tables of the audit app: append-only, so never UPDATE or DELETE for the runtime."""
    models = apps.get_app_config("audit").get_models()
    return tuple(sorted(model._meta.db_table for model in models))


def _quote(name: str) -> str:
    # Names are checked against _ROLE_NAME (or come from the catalog) before they get here;
    # doubling quotes keeps even a catalog name with a quote in it one identifier.
    return '"' + name.replace('"', '""') + '"'


def _check_role(cursor: CursorWrapper, role: str) -> tuple[str, str]:
    """Refuses a role that does not exist or could get round the grants; returns (the
    owner running this, the schema)."""
    cursor.execute("SELECT current_user, current_schema()")
    owner, schema = cursor.fetchone()
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        raise RoleError(ERR_NO_ROLE.format(role=role))
    if row[0]:
        raise RoleError(ERR_SUPERUSER.format(role=role))
    if role == owner:
        raise RoleError(ERR_OWNER.format(role=role))
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
    if cursor.fetchone()[0]:
        raise RoleError(ERR_MEMBER_OF_OWNER.format(role=role, owner=owner))
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tableowner = %s "
        "ORDER BY tablename",
        [schema, role],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        raise RoleError(ERR_OWNS_TABLES.format(role=role, tables=", ".join(owned)))
    return owner, schema


def _count(cursor: CursorWrapper, sql: str, schema: str) -> int:
    cursor.execute(sql, [schema])
    return cursor.fetchone()[0]


def grant_runtime_role(*, role: str) -> Granted:
    """Grants ``role`` what the application needs, in one transaction; idempotent (it first
    revokes what the role held on the schema's tables and sequences). Run as the owner."""
    if connection.vendor != "postgresql":
        raise RoleError(ERR_NOT_POSTGRESQL.format(vendor=connection.vendor))
    if not _ROLE_NAME.match(role):
        raise RoleError(ERR_ROLE_NAME.format(role=role))
    audit = audit_tables()
    with transaction.atomic(), connection.cursor() as cursor:
        owner, schema = _check_role(cursor, role)
        r, s = _quote(role), _quote(schema)
        cursor.execute("SELECT current_database()")
        database = _quote(cursor.fetchone()[0])
        defaults = f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT"
        statements = [
            f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {r}",
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
            f"GRANT {APP_TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {s} TO {r}",
            *(f"REVOKE ALL ON {s}.{_quote(t)} FROM {r}" for t in audit),
            *(f"GRANT {AUDIT_TABLE_PRIVILEGES} ON {s}.{_quote(t)} TO {r}" for t in audit),
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
            f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {r}",
            f"{defaults} {APP_TABLE_PRIVILEGES} ON TABLES TO {r}",
            f"{defaults} {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {r}",
            f"{defaults} EXECUTE ON FUNCTIONS TO {r}",
        ]
        for statement in statements:
            cursor.execute(statement)
        tables = _count(cursor, "SELECT count(*) FROM pg_tables WHERE schemaname = %s", schema)
        sequences = _count(
            cursor, "SELECT count(*) FROM pg_sequences WHERE schemaname = %s", schema
        )
    return Granted(
        role=role,
        owner=owner,
        schema=schema,
        app_tables=tables - len(audit),
        audit_tables=audit,
        sequences=sequences,
    )
