"""SQL of the records the forms write: people and their pipeline steps, transfers, meetings,
activities, enterprise snapshots and mentor notes. Deletion is soft: a deleted record keeps its row for the
audit log and stops counting everywhere (every query here filters deleted_at IS NULL)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage import names
from storage.database import Queryable
from storage.models import from_db_time, to_db_time

# kind -> (table, the columns a form may write). Table and column names never come from users.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "person": (
        "people",
        ("full_name", "birth_year", "gender", "position", "youth_union", "helper1", "helper2", "note"),
    ),
    "step": (
        "pipeline_steps",
        ("person_id", "step", "on_date", "votes_for", "official_members", "decision_number", "note"),
    ),
    "transfer": (
        "transfers",
        (
            "direction",
            "kind",
            "study",
            "member_name",
            "on_date",
            "end_date",
            "letter_date",
            "done_on",
            "note",
        ),
    ),
    "meeting": (
        "meetings",
        (
            "on_date",
            "kind",
            "minutes",
            "total",
            "present",
            "absent_with_reason",
            "absent_without_reason",
            "topic",
        ),
    ),
    "activity": ("activities", ("on_date", "kind", "title", "participants", "note", "photo_file_id")),
    "enterprise": (
        "enterprise_snapshots",
        (
            "on_date",
            "name",
            "zone",
            "workers",
            "young_workers",
            "union_members",
            "youth_union_members",
            "members_elsewhere",
        ),
    ),
    # A note on a probationary member for one quarter of the probation (migration 0012).
    "mentor": ("mentor_notes", ("person_id", "quarter", "note")),
}


# A person's "source" step is written by the same form as the person: it is not a record of its own.
_OWN_ROWS = {"step": " AND step != 'source'"}


def _every_kind(columns: str, where: str) -> str:
    """Return the SQL selecting columns of the live records of every kind meeting a condition, as one
    UNION ALL ("{kind}" in columns names each kind); the condition and columns are this module's own."""
    return " UNION ALL ".join(
        f"SELECT {columns.format(kind=kind)} FROM {table} "
        f"WHERE {where} AND deleted_at IS NULL{_OWN_ROWS.get(kind, '')}"
        for kind, (table, _) in KINDS.items()
    )


@dataclass(frozen=True)
class Record:
    """A stored record of any kind, with its values by column."""

    kind: str
    id: int
    unit_id: int
    values: dict[str, Any]
    created_by: int | None
    created_at: datetime
    deleted: bool


def _record(kind: str, row: sqlite3.Row) -> Record:
    _, columns = KINDS[kind]
    return Record(
        kind=kind,
        id=row["id"],
        unit_id=row["unit_id"],
        values={c: row[c] for c in columns},
        created_by=row["created_by"],
        created_at=from_db_time(row["created_at"]),
        deleted=row["deleted_at"] is not None,
    )


def _columns(kind: str, values: dict[str, Any]) -> list[str]:
    _, allowed = KINDS[kind]
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"{kind}: unknown columns {sorted(unknown)}")
    return [c for c in allowed if c in values]


async def insert(
    db: Queryable, kind: str, unit_id: int, values: dict[str, Any], user_id: int | None, now: datetime
) -> int:
    """Store a new record and return its id."""
    table, _ = KINDS[kind]
    columns = _columns(kind, values)
    stamp = to_db_time(now)
    names = ", ".join([*columns, "unit_id", "created_by", "created_at", "updated_at"])
    marks = ", ".join("?" * (len(columns) + 4))
    return await db.insert(
        f"INSERT INTO {table} ({names}) VALUES ({marks})",
        [*(values[c] for c in columns), unit_id, user_id, stamp, stamp],
    )


async def get(db: Queryable, kind: str, record_id: int) -> Record | None:
    """Return a record (deleted or not)."""
    table, _ = KINDS[kind]
    row = await db.fetchone(f"SELECT * FROM {table} WHERE id = ?", (record_id,))
    return None if row is None else _record(kind, row)


async def update(db: Queryable, kind: str, record_id: int, values: dict[str, Any], now: datetime) -> None:
    """Change the values of a live record."""
    table, _ = KINDS[kind]
    columns = _columns(kind, values)
    assignments = ", ".join(f"{c} = ?" for c in columns)
    await db.execute(
        f"UPDATE {table} SET {assignments}, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
        [*(values[c] for c in columns), to_db_time(now), record_id],
    )


async def soft_delete(db: Queryable, kind: str, record_id: int, now: datetime) -> bool:
    """Mark a record deleted; False when it was deleted already."""
    table, _ = KINDS[kind]
    changed = await db.execute(
        f"UPDATE {table} SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", (to_db_time(now), record_id)
    )
    if changed and kind == "person":
        # A deleted person's steps and mentor notes stop counting with them.
        for table in ("pipeline_steps", "mentor_notes"):
            await db.execute(
                f"UPDATE {table} SET deleted_at = ? WHERE person_id = ? AND deleted_at IS NULL",
                (to_db_time(now), record_id),
            )
    return changed == 1


async def recent_by_author(
    db: Queryable, user_id: int, since: datetime, limit: int, offset: int = 0
) -> list[Record]:
    """Return the live records a user entered since a moment, newest first."""
    rows = await db.fetchall(
        _every_kind("'{kind}' AS kind, id, created_at", "created_by = :user AND created_at >= :since")
        + " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
        {"user": user_id, "since": to_db_time(since), "limit": limit, "offset": offset},
    )
    result = []
    for row in rows:
        record = await get(db, row["kind"], row["id"])
        if record is not None:
            result.append(record)
    return result


async def recent_of_unit(db: Queryable, unit_id: int, limit: int, offset: int = 0) -> list[Record]:
    """Return a cell's live records, the last entered first (for a committee member browsing it)."""
    rows = await db.fetchall(
        _every_kind("'{kind}' AS kind, id, created_at", "unit_id = :unit")
        + " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
        {"unit": unit_id, "limit": limit, "offset": offset},
    )
    return [r for row in rows if (r := await get(db, row["kind"], row["id"])) is not None]


async def count_of_unit(db: Queryable, unit_id: int) -> int:
    """Return how many live records a cell has."""
    total = await db.fetchval(
        f"SELECT SUM(n) FROM ({_every_kind('COUNT(*) AS n', 'unit_id = :unit')})", {"unit": unit_id}
    )
    return int(total or 0)


async def count_recent_by_author(db: Queryable, user_id: int, since: datetime) -> int:
    """Return how many live records a user entered since a moment."""
    total = await db.fetchval(
        f"SELECT SUM(n) FROM ({_every_kind('COUNT(*) AS n', 'created_by = :user AND created_at >= :since')})",
        {"user": user_id, "since": to_db_time(since)},
    )
    return int(total or 0)


@dataclass(frozen=True)
class PersonSummary:
    """A person of a cell with the dates of their pipeline steps."""

    id: int
    unit_id: int
    full_name: str
    birth_year: int
    steps: dict[str, date]


async def people_of(db: Queryable, unit_id: int) -> list[PersonSummary]:
    """Return the live people of a cell with their steps, by name."""
    rows = await db.fetchall(
        """
        SELECT p.id, p.unit_id, p.full_name, p.birth_year, s.step, s.on_date
        FROM people p LEFT JOIN pipeline_steps s ON s.person_id = p.id AND s.deleted_at IS NULL
        WHERE p.unit_id = ? AND p.deleted_at IS NULL
        ORDER BY p.full_name COLLATE NOCASE, p.id
        """,
        (unit_id,),
    )
    people: dict[int, PersonSummary] = {}
    for row in rows:
        person = people.get(row["id"])
        if person is None:
            person = PersonSummary(row["id"], row["unit_id"], row["full_name"], row["birth_year"], {})
            people[row["id"]] = person
        if row["step"] is not None:
            person.steps[row["step"]] = date.fromisoformat(row["on_date"])
    return list(people.values())


async def person(db: Queryable, person_id: int) -> PersonSummary | None:
    """Return one live person with their steps."""
    row = await db.fetchone(
        "SELECT id, unit_id FROM people WHERE id = ? AND deleted_at IS NULL", (person_id,)
    )
    if row is None:
        return None
    for candidate in await people_of(db, row["unit_id"]):
        if candidate.id == person_id:
            return candidate
    return None


async def count_namesakes(
    db: Queryable, unit_id: int | None, full_name: str, birth_year: int, but: int
) -> int:
    """Count the live people of a cell with this name and birth year, other than the person `but`.

    Names are compared by their key (storage.names): "NGUYỄN VĂN AN", "Nguyễn Văn An" and the same
    typed in decomposed Unicode, or "Thủy" and "Thuỷ", are one name.
    """
    rows = await db.fetchall(
        """
        SELECT full_name FROM people
        WHERE unit_id = ? AND birth_year = ? AND deleted_at IS NULL AND id != ?
        """,
        (unit_id, birth_year, but),
    )
    key = names.name_key(full_name)
    return sum(1 for r in rows if names.name_key(str(r["full_name"])) == key)


async def step_date(db: Queryable, person_id: int, step: str) -> str | None:
    """Return the ISO date of a person's live step, or None."""
    value = await db.fetchval(
        "SELECT on_date FROM pipeline_steps WHERE person_id = ? AND step = ? AND deleted_at IS NULL",
        (person_id, step),
    )
    return None if value is None else str(value)


async def set_step_date(db: Queryable, person_id: int, step: str, on_date: str) -> None:
    """Move the date of a person's live step."""
    await db.execute(
        "UPDATE pipeline_steps SET on_date = ? WHERE person_id = ? AND step = ? AND deleted_at IS NULL",
        (on_date, person_id, step),
    )


async def retire_step(db: Queryable, person_id: int, step: str, now: datetime) -> None:
    """Keep a person's live step in the history only (a renewed certificate replaces it)."""
    await db.execute(
        "UPDATE pipeline_steps SET deleted_at = ? WHERE person_id = ? AND step = ? AND deleted_at IS NULL",
        (to_db_time(now), person_id, step),
    )


async def person_unit(db: Queryable, person_id: int) -> int | None:
    """Return the cell of a person (live or removed from the list), or None when there is none."""
    value = await db.fetchval("SELECT unit_id FROM people WHERE id = ?", (person_id,))
    return None if value is None else int(value)


async def latest(
    db: Queryable,
    kind: str,
    unit_id: int,
    *,
    having: str | None = None,
    of_kinds: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    """Return the values of a cell's latest record of a dated kind (a meeting, a snapshot), or None;
    having: only records where that column has a value (the latest vote's official members);
    of_kinds: only records whose own `kind` is one of these (a regular meeting, not a thematic one)."""
    table, columns = KINDS[kind]
    if having is not None and having not in columns:
        raise ValueError(f"{kind} has no column {having}")
    if of_kinds and "kind" not in columns:
        raise ValueError(f"{kind} has no column kind")
    where = f" AND {having} IS NOT NULL" if having else ""
    where += f" AND kind IN ({', '.join('?' * len(of_kinds))})" if of_kinds else ""
    row = await db.fetchone(
        f"""
        SELECT * FROM {table} WHERE unit_id = ? AND deleted_at IS NULL{where}
        ORDER BY on_date DESC, id DESC LIMIT 1
        """,
        (unit_id, *of_kinds),
    )
    return None if row is None else {k: row[k] for k in columns}


async def dated_between(
    db: Queryable, kind: str, unit_id: int, first: date, last: date, *, but: int | None = None
) -> list[Record]:
    """Return a cell's live records of a dated kind from one day to another (one record left out)."""
    table, _ = KINDS[kind]
    rows = await db.fetchall(
        f"""
        SELECT * FROM {table} WHERE unit_id = ? AND on_date BETWEEN ? AND ? AND deleted_at IS NULL
        AND id != ? ORDER BY on_date, id
        """,
        (unit_id, first.isoformat(), last.isoformat(), but or 0),
    )
    return [_record(kind, row) for row in rows]


async def latest_enterprise_id(db: Queryable, unit_id: int) -> int | None:
    """Return the id of a cell's latest live enterprise snapshot, or None."""
    value = await db.fetchval(
        """
        SELECT id FROM enterprise_snapshots WHERE unit_id = ? AND deleted_at IS NULL
        ORDER BY on_date DESC, id DESC LIMIT 1
        """,
        (unit_id,),
    )
    return None if value is None else int(value)


async def latest_meeting_total(db: Queryable, unit_id: int) -> int | None:
    """Return the members a cell counted at its latest live meeting, or None before any meeting."""
    value = await db.fetchval(
        """
        SELECT total FROM meetings WHERE unit_id = ? AND deleted_at IS NULL
        ORDER BY on_date DESC, id DESC LIMIT 1
        """,
        (unit_id,),
    )
    return None if value is None else int(value)


async def live_people_keys(db: Queryable) -> list[tuple[int, str, int]]:
    """Return (cell, name, birth year) of every live person."""
    rows = await db.fetchall("SELECT unit_id, full_name, birth_year FROM people WHERE deleted_at IS NULL")
    return [(int(r["unit_id"]), str(r["full_name"]), int(r["birth_year"])) for r in rows]


@dataclass(frozen=True)
class PersonWithSteps:
    """A person (live or removed from the list) with the dates of their live steps."""

    id: int
    unit_id: int
    full_name: str
    birth_year: int
    removed: bool
    cell: str
    steps: dict[str, date]


async def people_with_steps(db: Queryable, unit_id: int | None) -> list[PersonWithSteps]:
    """Return the people of a cell (of every cell when unit_id is None) with their steps, by name."""
    where, params = ("", []) if unit_id is None else ("WHERE p.unit_id = ?", [unit_id])
    rows = await db.fetchall(
        f"""
        SELECT p.id, p.unit_id, p.full_name, p.birth_year, p.deleted_at, u.name AS cell,
               (SELECT json_group_object(s.step, s.on_date) FROM pipeline_steps s
                WHERE s.person_id = p.id AND s.deleted_at IS NULL) AS steps
        FROM people p JOIN units u ON u.id = p.unit_id
        {where}
        ORDER BY p.full_name COLLATE NOCASE, p.id
        """,
        params,
    )
    return [
        PersonWithSteps(
            int(r["id"]),
            int(r["unit_id"]),
            str(r["full_name"]),
            int(r["birth_year"]),
            r["deleted_at"] is not None,
            str(r["cell"]),
            {k: date.fromisoformat(v) for k, v in json.loads(r["steps"] or "{}").items()},
        )
        for r in rows
    ]


# The columns of each kind that hold what people typed (names, notes, titles), as opposed to
# choices, numbers and dates: where an ID number could have slipped in.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "person": ("full_name", "helper1", "helper2", "note"),
    "step": ("decision_number", "note"),
    "transfer": ("member_name", "note"),
    "meeting": ("topic",),
    "activity": ("title", "note"),
    "enterprise": ("name", "zone"),
}


@dataclass(frozen=True)
class TextValue:
    """One free-text value of a record (live or deleted), with where it is."""

    kind: str
    record_id: int
    unit_id: int
    column: str
    value: str
    on_date: str | None  # the record's date, or the day it was entered
    deleted: bool


async def free_texts(
    db: Queryable, kind: str, after_id: int, limit: int
) -> tuple[list[TextValue], int | None]:
    """Return the free-text values of `limit` records of a kind after id `after_id`, and the last id read.

    The last id is None when no record is left: a page of records without text still moves on.
    """
    table, columns = KINDS[kind]
    texts = FREE_TEXT[kind]
    day = "on_date" if "on_date" in columns else "substr(created_at, 1, 10)"
    rows = await db.fetchall(
        f"""
        SELECT id, unit_id, {", ".join(texts)}, {day} AS day, deleted_at IS NOT NULL AS deleted
        FROM {table} WHERE id > ? ORDER BY id LIMIT ?
        """,
        (after_id, limit),
    )
    values = [
        TextValue(kind, r["id"], r["unit_id"], c, r[c], r["day"], bool(r["deleted"]))
        for r in rows
        for c in texts
        if r[c]
    ]
    return values, (int(rows[-1]["id"]) if rows else None)
