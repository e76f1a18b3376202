"""SQL of the mentor log (migration 0012): each probationary member's quarterly notes, written by the
cell. The notes themselves are records like the others (storage/records.KINDS["mentor"])."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from storage.database import Queryable
from storage.export_queries import user_name
from storage.models import to_db_time


async def quarters_noted(db: Queryable, person_id: int) -> dict[int, int]:
    """Return a person's live notes as {quarter: note id}."""
    rows = await db.fetchall(
        "SELECT quarter, id FROM mentor_notes WHERE person_id = ? AND deleted_at IS NULL", (person_id,)
    )
    return {int(r["quarter"]): int(r["id"]) for r in rows}


@dataclass(frozen=True)
class OnProbation:
    """A live probationary member (ceremony held, not recognised, not withdrawn) and their notes."""

    person_id: int
    unit_id: int
    full_name: str
    ceremony: date
    noted: frozenset[int]  # the quarters with a note


async def on_probation(db: Queryable, ceremony_from: date, ceremony_to: date) -> list[OnProbation]:
    """Return the probationary members whose ceremony falls in a range, with the quarters noted."""
    # pipelines (migration 0006) holds each person's step dates; pipelines_open_ceremony finds the range.
    rows = await db.fetchall(
        """
        SELECT l.person_id, l.unit_id, p.full_name, l.ceremony,
               (SELECT json_group_array(n.quarter) FROM mentor_notes n
                WHERE n.person_id = l.person_id AND n.deleted_at IS NULL) AS noted
        FROM pipelines l JOIN people p ON p.id = l.person_id AND p.deleted_at IS NULL
        WHERE l.ceremony BETWEEN ? AND ?
          AND l.recognition IS NULL AND l.not_recognised IS NULL AND l.withdrew IS NULL
        ORDER BY l.person_id
        """,
        (ceremony_from.isoformat(), ceremony_to.isoformat()),
    )
    return [
        OnProbation(
            int(r["person_id"]),
            int(r["unit_id"]),
            str(r["full_name"]),
            date.fromisoformat(r["ceremony"]),
            frozenset(int(q) for q in json.loads(r["noted"] or "[]")),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ExportedNote:
    """A live mentor note as the Excel export lists it."""

    id: int
    unit_id: int
    person_id: int
    full_name: str
    ceremony: date | None
    quarter: int
    note: str
    author: str | None  # None: a user whose data was deleted on request
    created_at: str


async def in_units(
    db: Queryable, ids: Iterable[int], since: datetime | None, before: datetime | None
) -> list[ExportedNote]:
    """Return the live notes of these units written from `since` to just `before` (open ends: any)."""
    rows = await db.fetchall(
        """
        SELECT n.id, n.unit_id, n.person_id, p.full_name, l.ceremony, n.quarter, n.note, n.created_at,
               u.external_id AS author_external, u.display_name AS author_name
        FROM mentor_notes n
        JOIN people p ON p.id = n.person_id AND p.deleted_at IS NULL
        LEFT JOIN pipelines l ON l.person_id = n.person_id
        LEFT JOIN users u ON u.id = n.created_by
        WHERE n.deleted_at IS NULL AND n.unit_id IN (SELECT value FROM json_each(?))
          AND n.created_at >= ? AND n.created_at < ?
        ORDER BY n.unit_id, p.full_name COLLATE NOCASE, n.person_id, n.quarter
        """,
        (
            json.dumps([int(i) for i in ids]),
            to_db_time(since) if since else "",
            to_db_time(before) if before else "9999",
        ),
    )
    return [
        ExportedNote(
            int(r["id"]),
            int(r["unit_id"]),
            int(r["person_id"]),
            str(r["full_name"]),
            date.fromisoformat(r["ceremony"]) if r["ceremony"] else None,
            int(r["quarter"]),
            str(r["note"]),
            user_name(r["author_external"], r["author_name"]),
            str(r["created_at"]),
        )
        for r in rows
    ]
