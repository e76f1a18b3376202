"""SQL of the kept photos: one row per photo file in the photo folder, marked when its file is deleted."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.database import Queryable
from storage.models import from_db_time, to_db_time

KEPT = "kept:"  # how an activity refers to a kept photo (activities.photo_file_id)


@dataclass(frozen=True)
class Photo:
    """A kept photo: its file in the photo folder and what it is."""

    id: int
    user_id: int | None
    file: str
    bytes: int
    content_type: str
    sha256: str
    created_at: datetime
    deleted_at: datetime | None


def _photo(row: sqlite3.Row) -> Photo:
    return Photo(
        id=row["id"],
        user_id=row["user_id"],
        file=row["file"],
        bytes=row["bytes"],
        content_type=row["content_type"],
        sha256=row["sha256"],
        created_at=from_db_time(row["created_at"]),
        deleted_at=from_db_time(row["deleted_at"]) if row["deleted_at"] else None,
    )


def kept_id(file_id: object) -> int | None:
    """Return the id of the kept photo an activity refers to, or None (a Telegram file id, a URL)."""
    if isinstance(file_id, str) and file_id.startswith(KEPT) and file_id[len(KEPT) :].isdecimal():
        return int(file_id[len(KEPT) :])
    return None


async def add(
    db: Queryable, user_id: int | None, file: str, size: int, content_type: str, sha256: str, now: datetime
) -> int:
    """Record a kept photo file; return its id."""
    await db.execute(
        """
        INSERT INTO photos (user_id, file, bytes, content_type, sha256, created_at)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        (user_id, file, size, content_type, sha256, to_db_time(now)),
    )
    return int(await db.fetchval("SELECT last_insert_rowid()"))


async def get(db: Queryable, photo_id: int) -> Photo | None:
    """Return a kept photo (deleted or not)."""
    row = await db.fetchone("SELECT * FROM photos WHERE id = ?", (photo_id,))
    return None if row is None else _photo(row)


async def live_bytes(db: Queryable) -> int:
    """Return the size of every photo file kept now."""
    return int(await db.fetchval("SELECT COALESCE(SUM(bytes), 0) FROM photos WHERE deleted_at IS NULL"))


async def to_delete(db: Queryable, older_than: datetime, orphan_before: datetime) -> list[tuple[Photo, str]]:
    """Return the kept photos whose file must go, with why: past the retention period, their activity
    deleted, or taken by no activity (a form dropped or corrected) for a while."""
    # One pass over the activities that refer to a kept photo (their partial index), not one per photo.
    rows = await db.fetchall(
        """
        WITH used AS (
            SELECT CAST(substr(photo_file_id, 6) AS INTEGER) AS photo_id, MAX(deleted_at IS NULL) AS live
            FROM activities WHERE photo_file_id LIKE 'kept:%'
            GROUP BY photo_id
        )
        SELECT p.*, CASE
            WHEN p.created_at < :old THEN 'retention'
            WHEN u.live = 1 THEN NULL
            WHEN u.live = 0 THEN 'record deleted'
            WHEN p.created_at < :orphan THEN 'not used'
        END AS why
        FROM photos p LEFT JOIN used u ON u.photo_id = p.id
        WHERE p.deleted_at IS NULL
        """,
        {"old": to_db_time(older_than), "orphan": to_db_time(orphan_before)},
    )
    return [(_photo(r), str(r["why"])) for r in rows if r["why"] is not None]


async def mark_deleted(db: Queryable, photo_id: int, now: datetime, why: str) -> None:
    """Record that a photo's file is gone."""
    await db.execute(
        "UPDATE photos SET deleted_at = ?, deleted_why = ? WHERE id = ? AND deleted_at IS NULL",
        (to_db_time(now), why, photo_id),
    )


async def of_activities(db: Queryable, activity_ids: list[int]) -> dict[int, Photo]:
    """Return the live kept photo of each of these activities that has one."""
    if not activity_ids:
        return {}
    marks = ",".join("?" * len(activity_ids))
    rows = await db.fetchall(
        f"""
        SELECT a.id AS activity_id, p.* FROM activities a
        JOIN photos p ON a.photo_file_id = 'kept:' || p.id
        WHERE a.id IN ({marks}) AND p.deleted_at IS NULL
        """,
        activity_ids,
    )
    return {int(r["activity_id"]): _photo(r) for r in rows}


async def live_files(db: Queryable) -> set[str]:
    """Return the names of the photo files that should be in the folder."""
    rows = await db.fetchall("SELECT file FROM photos WHERE deleted_at IS NULL")
    return {str(r["file"]) for r in rows}
