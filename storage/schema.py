"""The schema a chibo database must have: what the migrations make, up to the file's own version.

A restore puts a file in the place of the database; a file with the right tables but one trigger
more (every new contact made a root admin) must be refused. So the whole schema of the file (tables
and their columns, indexes, triggers, views) is compared with that of an empty database the
migrations build up to the file's user_version, and every difference is named. SQLite's own tables
(sqlite_*) and those of Litestream, the replication tool (_litestream_*), are not differences.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache

from storage import names
from storage.database import migrations

# Objects that are not chibo's to judge: SQLite's own, and Litestream's (its tables and their indexes).
_FOREIGN = re.compile(r"^(sqlite_|_litestream_)")


@dataclass(frozen=True)
class SchemaObject:
    """A table, index, trigger or view: its kind, name, table, SQL and (for a table) its columns."""

    kind: str
    name: str
    table: str
    sql: str
    columns: tuple[tuple[object, ...], ...] = ()


Schema = dict[tuple[str, str], SchemaObject]


def _normal(sql: str | None) -> str:
    return " ".join((sql or "").split())


def read(conn: sqlite3.Connection) -> Schema:
    """Return the schema of an open database, without SQLite's and Litestream's objects."""
    found: Schema = {}
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    for kind, name, table, sql in rows.fetchall():
        if _FOREIGN.match(name) or _FOREIGN.match(table):
            continue
        columns: tuple[tuple[object, ...], ...] = ()
        if kind == "table":
            # name, type, not null, default, primary key, hidden: what the stored SQL says, read back.
            columns = tuple(tuple(r)[1:] for r in conn.execute(f'PRAGMA table_xinfo("{name}")'))
        found[(kind, name)] = SchemaObject(kind, name, table, _normal(sql), columns)
    return found


@cache
def expected(version: int) -> Schema:
    """Return the schema the migrations build, from the first up to `version`."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        names.register(conn)
        for number, _, sql in migrations():
            if number > version:
                break
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        return read(conn)
    finally:
        conn.close()


def differences(actual: Schema, version: int) -> list[str]:
    """Name every way a file's schema differs from what the migrations make at its version."""
    wanted = expected(version)
    found = []
    for key in sorted(wanted.keys() - actual.keys()):
        found.append(f"{key[0]} {key[1]} is missing")
    for key in sorted(actual.keys() - wanted.keys()):
        obj = actual[key]
        where = f" on {obj.table}" if obj.kind in ("index", "trigger") else ""
        found.append(f"{key[0]} {key[1]}{where} is not chibo's")
    for key in sorted(wanted.keys() & actual.keys()):
        mine, theirs = wanted[key], actual[key]
        if mine.columns != theirs.columns:
            mine_names = [c[0] for c in mine.columns]
            their_names = [c[0] for c in theirs.columns]
            extra = [c for c in their_names if c not in mine_names]
            gone = [c for c in mine_names if c not in their_names]
            detail = "; ".join(
                part
                for part in (
                    f"columns not chibo's: {', '.join(map(str, extra))}" if extra else "",
                    f"columns missing: {', '.join(map(str, gone))}" if gone else "",
                )
                if part
            )
            found.append(f"table {key[1]} has other columns ({detail or 'types or constraints differ'})")
        elif mine.sql != theirs.sql or mine.table != theirs.table:
            found.append(f"{key[0]} {key[1]} differs from chibo's")
    return found
