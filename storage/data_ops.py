"""SQL of the data commands that write: deletion on request (a user, a person), the scrubbing of
names it needs, and the import waiting for its confirmation.

Run these inside one transaction (pass its `tx`): a deletion is all or nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import escape

from storage import drafts, enterprises, invitations, names, records, reviews
from storage.database import Queryable, Transaction
from storage.export_queries import FORGOTTEN_PREFIX
from storage.models import to_db_time

# What stands where a deleted name was.
PLACEHOLDER = "—"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def records_entered_by(db: Queryable, user_id: int) -> int:
    """Return how many live records a user entered, ever."""
    return await records.count_recent_by_author(db, user_id, _EPOCH)


@dataclass(frozen=True)
class ForgetCounts:
    """What deleting a user's data did."""

    records_kept: int
    drafts_deleted: int
    messages_deleted: int


async def forget_user(db: Queryable, user_id: int, now: datetime) -> ForgetCounts:
    """Anonymise a user: no name, no account link, no role or access, no drafts, no pending messages.

    The records they entered stay (they keep counting) and point to the anonymous row.
    """
    row = await db.fetchone("SELECT display_name FROM users WHERE id = ?", (user_id,))
    if row is None:
        return ForgetCounts(0, 0, 0)
    name = str(row["display_name"])
    kept = await records_entered_by(db, user_id)
    drafts = await db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
    pending = await db.execute(
        "DELETE FROM outbox WHERE user_id = ? AND sent_at IS NULL AND failed_at IS NULL", (user_id,)
    )
    # Delivered messages keep their row (delivery counts), not their words.
    await db.execute(
        "UPDATE outbox SET text = '', caption = NULL, photo = NULL, buttons = NULL WHERE user_id = ?",
        (user_id,),
    )
    await db.execute("DELETE FROM kv WHERE key = ?", (pending_import_key(user_id),))
    await db.execute("DELETE FROM delivery_holds WHERE user_id = ?", (user_id,))
    await db.execute("DELETE FROM uploads WHERE user_id = ?", (user_id,))
    # Their enterprises go back to the admin to assign (the contacts they logged stay, unnamed).
    await enterprises.unassign_user(db, user_id, now)
    # Links they handed out die with their access (a forgotten admin's link made an admin again).
    await invitations.revoke_created_by(db, user_id, now)
    await db.execute(
        """
        UPDATE users SET display_name = ?, external_id = ?, role = NULL, unit_id = NULL, language = NULL,
                         active = 0, menu_hash = NULL, updated_at = ?
        WHERE id = ?
        """,
        (PLACEHOLDER, f"{FORGOTTEN_PREFIX}{user_id}", to_db_time(now), user_id),
    )
    if name and name != PLACEHOLDER:
        await scrub_names(db, [name])
    return ForgetCounts(kept, drafts, pending)


def is_forgotten(external_id: str) -> bool:
    """Tell whether a user's external id is the mark of deleted data."""
    return external_id.startswith(FORGOTTEN_PREFIX)


async def erase_person(db: Queryable, person_id: int) -> int | None:
    """Delete a person and their steps for good, and what the audit and drafts held of them.

    Return the number of steps deleted, or None when there is no such person.
    """
    row = await db.fetchone("SELECT full_name, unit_id FROM people WHERE id = ?", (person_id,))
    if row is None:
        return None
    step_ids = [
        r["id"] for r in await db.fetchall("SELECT id FROM pipeline_steps WHERE person_id = ?", (person_id,))
    ]
    note_ids = [
        r["id"] for r in await db.fetchall("SELECT id FROM mentor_notes WHERE person_id = ?", (person_id,))
    ]
    # Their records' returns (migration 0012): a committee member's comment may name them.
    records_of = [("person", [person_id]), ("step", step_ids), ("mentor", note_ids)]
    return_ids = [
        r["id"]
        for kind, ids in records_of
        for r in await db.fetchall(
            "SELECT id FROM record_returns WHERE kind = ? AND record_id IN (SELECT value FROM json_each(?))",
            (kind, json.dumps(ids)),
        )
    ]
    subjects = [f"person:{person_id}", *(f"step:{s}" for s in step_ids)]
    subjects += [f"mentor:{n}" for n in note_ids] + [f"return:{r}" for r in return_ids]
    # The audit keeps that something happened, not what the person's values were.
    await db.execute(
        """
        UPDATE audit_log SET old_value = NULL, new_value = NULL
        WHERE subject IN (SELECT value FROM json_each(?))
        """,
        (json.dumps(subjects),),
    )
    # Every draft that names the person: correcting them or a step of theirs, recording a step of
    # theirs, or an open form of their cell whose answers hold their name (a second /candidate...).
    doomed = {d.id for d in await drafts.naming_person(db, person_id, step_ids)}
    key = names.name_key(str(row["full_name"]))
    for draft in await drafts.open_drafts(db):
        same_cell = draft.unit_id == row["unit_id"]
        if same_cell and any(isinstance(v, str) and names.name_key(v) == key for v in draft.answers.values()):
            doomed.add(draft.id)
    await drafts.delete(db, sorted(doomed))
    await db.execute(
        """
        DELETE FROM drafts
        WHERE (form = 'mentor' AND CAST(json_extract(answers, '$.person') AS INTEGER) = :person)
           OR (form = 'mentor' AND record_id IN (SELECT value FROM json_each(:notes)))
           OR (form = 'return' AND json_extract(answers, '$.record') IN (SELECT value FROM json_each(:refs)))
        """,
        {
            "person": person_id,
            "notes": json.dumps(note_ids),
            "refs": json.dumps([reviews.record_ref(kind, i) for kind, ids in records_of for i in ids]),
        },
    )
    await db.execute(
        "DELETE FROM record_returns WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(return_ids),)
    )
    await db.execute("DELETE FROM mentor_notes WHERE person_id = ?", (person_id,))
    await db.execute("DELETE FROM pipeline_steps WHERE person_id = ?", (person_id,))
    await db.execute("DELETE FROM people WHERE id = ?", (person_id,))
    await scrub_names(db, [str(row["full_name"])])
    return len(step_ids)


def _pattern(name: str) -> re.Pattern[str]:
    # A whole name only: deleting "Lan" must not touch "Lang".
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def _unicode_forms(name: str) -> list[str]:
    return [name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)]


async def scrub_names(db: Queryable, names_: list[str]) -> int:
    """Replace names in the audit values (a whole JSON string) and in queued or sent messages."""
    changed = 0
    # As stored now, and as an older chibo may have written it in the audit (decomposed, migration 0009).
    forms = [form for name in names_ for form in dict.fromkeys(_unicode_forms(name))]
    for name in forms:
        quoted = json.dumps(name, ensure_ascii=False)
        for column in ("old_value", "new_value"):
            changed += await db.execute(
                f"UPDATE audit_log SET {column} = replace({column}, ?, ?) WHERE instr({column}, ?) > 0",
                (quoted, json.dumps(PLACEHOLDER, ensure_ascii=False), quoted),
            )
        escaped = str(escape(name))  # as the name stands in an HTML message
        for form in dict.fromkeys([name, escaped]):
            pattern = _pattern(form)
            rows = await db.fetchall(
                "SELECT id, text, caption FROM outbox WHERE instr(text, ?) > 0 OR instr(caption, ?) > 0",
                (form, form),
            )
            for r in rows:
                text = pattern.sub(PLACEHOLDER, r["text"] or "")
                caption = pattern.sub(PLACEHOLDER, r["caption"]) if r["caption"] is not None else None
                changed += await db.execute(
                    "UPDATE outbox SET text = ?, caption = ? WHERE id = ?", (text, caption, r["id"])
                )
    return changed


# ----- many records at once (an import) ---------------------------------------------------------------


async def insert_many(
    tx: Transaction, kind: str, rows: list[tuple[int, dict[str, Any]]], user_id: int | None, now: datetime
) -> list[int]:
    """Store many new records of a kind, (unit id, values) each, in one statement; return their ids.

    Inside the write transaction nobody else inserts, so the ids are the next ones in order.
    """
    if not rows:
        return []
    table, columns = records.KINDS[kind]
    start = int(await tx.fetchval(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))
    ids = list(range(start + 1, start + 1 + len(rows)))
    stamp = to_db_time(now)
    names = ", ".join(["id", *columns, "unit_id", "created_by", "created_at", "updated_at"])
    marks = ", ".join("?" * (len(columns) + 5))
    await tx.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({marks})",
        [
            [new_id, *(values.get(c) for c in columns), unit_id, user_id, stamp, stamp]
            for new_id, (unit_id, values) in zip(ids, rows, strict=True)
        ],
    )
    return ids


# ----- an import waiting for its confirmation -------------------------------------------------------


def pending_import_key(user_id: int) -> str:
    """Return the kv key of a user's import waiting for confirmation."""
    return f"import:{user_id}"


async def set_pending_import(db: Queryable, user_id: int, value: dict[str, str]) -> None:
    """Remember the file a user may confirm importing (the newest replaces an older one)."""
    await db.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (pending_import_key(user_id), json.dumps(value)),
    )


async def pending_import(db: Queryable, user_id: int) -> dict[str, str] | None:
    """Return the file a user may confirm importing."""
    raw = await db.fetchval("SELECT value FROM kv WHERE key = ?", (pending_import_key(user_id),))
    return None if raw is None else dict(json.loads(raw))


async def take_pending_import(db: Queryable, user_id: int, token: str) -> bool:
    """Use up a confirmation once: True the first time for this token, False after (or for another)."""
    current = await pending_import(db, user_id)
    if current is None or current.get("token") != token:
        return False
    await db.execute("DELETE FROM kv WHERE key = ?", (pending_import_key(user_id),))
    return True


async def drop_pending_import(db: Queryable, user_id: int) -> None:
    """Forget a user's import waiting for confirmation."""
    await db.execute("DELETE FROM kv WHERE key = ?", (pending_import_key(user_id),))
