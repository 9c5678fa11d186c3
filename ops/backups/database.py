"""The database in and out of an archive: pg_dump / pg_restore for PostgreSQL, a consistent
copy for SQLite, and scratch databases for restore drills."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.db import connection

POSTGRES_PART = "database.dump"
SQLITE_PART = "database.sqlite3"


class DatabaseToolError(Exception):
    """pg_dump or pg_restore failed; the message names the tool and its exit status only."""


def vendor() -> str:
    return connection.vendor


def _pg_settings() -> dict:
    return connection.settings_dict


def _pg_env() -> dict[str, str]:
    db = _pg_settings()
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(name: str) -> list[str]:
    db = _pg_settings()
    args = ["--dbname", name, "--no-password"]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _run(tool: str, args: list[str]) -> None:
    # stderr is not passed on: it may quote rows or names from the database.
    try:
        done = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
            [tool, *args], env=_pg_env(), capture_output=True, check=False
        )
    except OSError:
        raise DatabaseToolError(f"{tool} could not be started (is it installed?)") from None
    if done.returncode != 0:
        raise DatabaseToolError(f"{tool} exited with status {done.returncode}")


def dump_database(folder: Path) -> Path:
    """Writes a consistent copy of the default database into ``folder``; returns its path
    (named ``database.dump`` or ``database.sqlite3``)."""
    if vendor() == "postgresql":
        path = folder / POSTGRES_PART
        name = _pg_settings()["NAME"]
        _run(
            "pg_dump",
            [*_pg_args(name), "--format=custom", "--no-owner", "--no-privileges", "-f", str(path)],
        )
        return path
    path = folder / SQLITE_PART
    source = sqlite3.connect(str(_pg_settings()["NAME"]))
    target = sqlite3.connect(str(path))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return path


def database_url(name: str) -> str:
    """A DATABASE_URL for database ``name`` on the default database's server."""
    if vendor() != "postgresql":
        return f"sqlite:///{name}"
    db = _pg_settings()
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{quote(name)}"


def _admin_connection() -> psycopg.Connection:
    db = _pg_settings()
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def restore_scratch(part: Path, *, prefix: str = "") -> str:
    """Restores a database part into a new scratch database (PostgreSQL: named ``prefix``,
    by default the default database's name, then ``_drill_`` and a random suffix; SQLite: the
    restored file itself). Returns its name, for database_url and drop_scratch."""
    if part.name == SQLITE_PART:
        return str(part)
    name = f"{prefix or _pg_settings()['NAME']}_drill_{secrets.token_hex(4)}"
    with _admin_connection() as admin:
        admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    try:
        _run("pg_restore", [*_pg_args(name), "--no-owner", "--no-privileges", str(part)])
    except BaseException:
        drop_scratch(name)
        raise
    return name


def drop_scratch(name: str) -> None:
    # Only ever a scratch database of a drill, never the one in use.
    if vendor() != "postgresql" or "_drill_" not in name or name == _pg_settings()["NAME"]:
        return
    with _admin_connection() as admin:
        admin.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)
            )
        )
