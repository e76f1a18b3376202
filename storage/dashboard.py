"""SQL of the dashboard, every query held to one viewer's part of the unit tree.

A `Scope` is the viewer's unit and every unit below it, read once per request with SUBTREE_CTE
(storage/units.py). The dashboard reads only through a Scope: each of its queries takes unit ids,
and `Scope.own` lets through only ids of the scope (a unit outside it raises OutOfScope, which the
page answers with 404), so no request can name its way into another subtree. People and records are
found by their unit, never by their own id alone. tests/unit/test_dashboard_scope.py reads every
route as a secretary of another cell and as a committee member of a sibling subtree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage import reviews
from storage.database import Queryable
from storage.digest_queries import (
    _STEP_COLUMNS,
    MEETING_KINDS,
    REGULAR_MEETING_KINDS,
    THEMATIC_MEETING_KINDS,
    cells_met_by_month,
    step_totals_by_unit,
)
from storage.models import from_db_time, to_db_time
from storage.reviews import Return
from storage.units import SUBTREE_CTE

_IN = "IN (SELECT value FROM json_each(:ids))"
# The meetings' kinds as the digest reads them (storage/digest_queries.py, after HD 42-HD/BTCTW): a
# thematic meeting on its own never is the month's regular meeting; a regular meeting with a thematic
# part in the same session ('both') is both. MEETING_KINDS names every kind: it lets SQLite seek each
# (unit, kind of meeting) to the months asked, where it would read every month of every kind.
REGULAR_KINDS = REGULAR_MEETING_KINDS
THEMATIC_KINDS = THEMATIC_MEETING_KINDS
# The columns of `pipelines` (migration 0006), one per step, as the digest reads them.
_PIPELINE_STEPS = _STEP_COLUMNS


class OutOfScope(LookupError):
    """A unit that is not in the viewer's part of the tree (or does not exist)."""


@dataclass(frozen=True)
class ScopeUnit:
    """A unit of the scope; a unit without children is a cell (the root committee never is one)."""

    id: int
    name: str
    parent_id: int | None
    is_cell: bool
    meeting_day: int
    created_at: datetime | None = None  # None: a unit as old as the deployment


def quarter_key(day: date) -> str:
    """Return how meetings_held names a day's quarter: '2026-4'."""
    return f"{day.year}-{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class MeetingsHeld:
    """The months in which a cell held its regular meeting, and the quarters in which it held a meeting
    with a thematic part."""

    months: frozenset[str]  # '2026-11'
    quarters: frozenset[str]  # quarter_key: '2026-4'


@dataclass(frozen=True)
class MeetingDates:
    """A cell's latest regular meeting and latest meeting with a thematic part in two ranges."""

    regular: date | None
    thematic: date | None


@dataclass(frozen=True)
class OpenAdmission:
    """A person of a cell whose admission is under way, with the dates of their steps."""

    person_id: int
    full_name: str
    steps: dict[str, date]


@dataclass(frozen=True)
class RecordLine:
    """One record of a cell: what kind, its date, a short description and its number."""

    kind: str  # 'meeting', 'activity', 'step', 'transfer', 'enterprise', 'person', 'mentor'
    id: int
    on_date: date | None  # None for a person and a mentor note, which have no date of their own
    what: str  # the meeting's kind, the activity's kind, the step, the transfer's kind:direction, the quarter
    subject: str  # a topic, a title, a person's or member's name, an enterprise
    number: int | None  # attendance, participants, workers...
    person_id: int | None = None  # the person of a step or a mentor note (and a person's own id)
    deleted: bool = False


@dataclass(frozen=True)
class ReturnLine:
    """A record of a cell sent back for revision: the return (its comment, its state) and the record."""

    returned: Return
    record: RecordLine | None  # None: the record was erased for good since
    returned_by: str | None  # the committee member's name
    resolved_by: str | None  # who corrected (or deleted) it


# How each kind of record reads as a line: its table (as r), then its date, what it is, about whom or
# what, a number, and the person it belongs to. Constants of this module, never user input.
_LINES: dict[str, tuple[str, str, str, str, str, str]] = {
    "meeting": ("meetings r", "r.on_date", "r.kind", "COALESCE(r.topic, '')", "r.present", "NULL"),
    "activity": ("activities r", "r.on_date", "r.kind", "r.title", "r.participants", "NULL"),
    "step": (
        "pipeline_steps r LEFT JOIN people p ON p.id = r.person_id",
        "r.on_date",
        "r.step",
        "COALESCE(p.full_name, '')",
        "NULL",
        "r.person_id",
    ),
    "transfer": ("transfers r", "r.on_date", "r.kind || ':' || r.direction", "r.member_name", "NULL", "NULL"),
    "enterprise": ("enterprise_snapshots r", "r.on_date", "r.zone", "r.name", "r.workers", "NULL"),
    "person": ("people r", "NULL", "'person'", "r.full_name", "NULL", "r.id"),
    "mentor": (
        "mentor_notes r LEFT JOIN people p ON p.id = r.person_id",
        "NULL",
        "CAST(r.quarter AS TEXT)",
        "COALESCE(p.full_name, '')",
        "NULL",
        "r.person_id",
    ),
}
DATED_KINDS = ("meeting", "activity", "step", "transfer", "enterprise")  # the records listed by date


def _lines(kinds: Iterable[str], where: str) -> str:
    """Return the SQL of the lines of records of some kinds meeting a condition on r ({kind} in it
    names each kind), as one UNION ALL."""
    parts = []
    for kind in kinds:
        table, on_date, what, subject, number, person = _LINES[kind]
        parts.append(
            f"SELECT '{kind}' AS kind, r.id AS id, {on_date} AS on_date, {what} AS what, "
            f"{subject} AS subject, {number} AS number, {person} AS person_id, "
            f"r.created_at AS created_at, r.deleted_at IS NOT NULL AS deleted "
            f"FROM {table} WHERE {where.format(kind=kind)}"
        )
    return " UNION ALL ".join(parts)


def _line(r: Any) -> RecordLine:
    return RecordLine(
        r["kind"],
        r["id"],
        date.fromisoformat(r["on_date"]) if r["on_date"] else None,
        r["what"],
        r["subject"],
        r["number"],
        r["person_id"],
        bool(r["deleted"]),
    )


def _json(ids: Iterable[int]) -> str:
    return json.dumps([int(i) for i in ids])


def _list(values: Iterable[str]) -> str:
    """Return constant SQL text values (never user input) as an SQL list."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _month(d: date) -> str:
    return d.isoformat()[:7]


class Scope:
    """The units one viewer may see, and the dashboard's queries over them."""

    def __init__(self, root_id: int, units: Sequence[ScopeUnit]) -> None:
        self.root_id = root_id
        self._units = {u.id: u for u in units}
        self._children: dict[int, list[ScopeUnit]] = defaultdict(list)
        for unit in units:  # by name, so each unit's children are too
            if unit.parent_id in self._units and unit.id != root_id:
                self._children[unit.parent_id].append(unit)
        if root_id not in self._units:
            raise OutOfScope(root_id)

    @classmethod
    async def of(cls, db: Queryable, unit_id: int) -> Scope:
        """Return the scope of a viewer whose unit is unit_id: that unit and every unit below it."""
        rows = await db.fetchall(
            f"""
            {SUBTREE_CTE}
            SELECT u.id, u.name, u.parent_id, u.meeting_day, u.created_at
            FROM sub JOIN units u ON u.id = sub.id
            ORDER BY u.name COLLATE NOCASE, u.id
            """,
            {"unit": unit_id},
        )
        # A cell is a unit with no unit under it (the root committee never is one); every unit under
        # one of the scope is in the scope, so its parents say which units have children.
        parents = {r["parent_id"] for r in rows}
        units = [
            ScopeUnit(
                r["id"],
                r["name"],
                r["parent_id"],
                r["parent_id"] is not None and r["id"] not in parents,
                r["meeting_day"],
                from_db_time(r["created_at"]) if r["created_at"] else None,
            )
            for r in rows
        ]
        return cls(unit_id, units)

    # ----- the tree -------------------------------------------------------------------------------

    def own(self, ids: Iterable[int]) -> list[int]:
        """Return ids that are all in the scope; any other raises OutOfScope. Every query goes through it."""
        found = [int(i) for i in ids]
        for unit_id in found:
            if unit_id not in self._units:
                raise OutOfScope(unit_id)
        return found

    def unit(self, unit_id: int) -> ScopeUnit:
        """Return a unit of the scope."""
        self.own([unit_id])
        return self._units[unit_id]

    def children(self, unit_id: int) -> list[ScopeUnit]:
        """Return the units right under a unit of the scope, by name."""
        return list(self._children.get(self.unit(unit_id).id, []))

    def cells_under(self, unit_id: int) -> list[ScopeUnit]:
        """Return the cells of a unit's subtree (the unit itself when it is a cell), by name."""
        top = self.unit(unit_id)
        if top.is_cell:
            return [top]
        found: list[ScopeUnit] = []
        below = [top]
        while below:
            unit = below.pop()
            for child in self._children.get(unit.id, []):
                (found if child.is_cell else below).append(child)
        return sorted(found, key=lambda u: (u.name.casefold(), u.id))

    def below(self, unit_id: int) -> list[int]:
        """Return the ids of a unit and every unit below it."""
        found, pending = [], [self.unit(unit_id).id]
        while pending:
            current = pending.pop()
            found.append(current)
            pending += [c.id for c in self._children.get(current, [])]
        return found

    def path(self, unit_id: int) -> list[ScopeUnit]:
        """Return the units from the scope's root down to a unit of the scope."""
        chain = [self.unit(unit_id)]
        while chain[-1].id != self.root_id and chain[-1].parent_id is not None:
            chain.append(self._units[chain[-1].parent_id])
        return chain[::-1]

    # ----- figures per cell -------------------------------------------------------------------------

    async def members(self, db: Queryable, cell_ids: Iterable[int]) -> dict[int, int]:
        """Return each cell's members: the total of its latest live meeting (chibo keeps no member list)."""
        rows = await db.fetchall(
            """
            SELECT c.value AS unit_id,
                   (SELECT m.total FROM meetings m
                    WHERE m.unit_id = c.value AND m.deleted_at IS NULL
                    ORDER BY m.on_date DESC LIMIT 1) AS total
            FROM json_each(:ids) c
            """,
            {"ids": _json(self.own(cell_ids))},
        )
        return {r["unit_id"]: r["total"] for r in rows if r["total"] is not None}

    async def last_records(self, db: Queryable, cell_ids: Iterable[int]) -> dict[int, datetime]:
        """Return when each cell's latest live record was entered (kept on write, migration 0006)."""
        rows = await db.fetchall(
            f"SELECT unit_id, at FROM unit_last_record WHERE unit_id {_IN} AND at IS NOT NULL",
            {"ids": _json(self.own(cell_ids))},
        )
        return {r["unit_id"]: from_db_time(r["at"]) for r in rows}

    async def meetings_held(
        self, db: Queryable, cell_ids: Iterable[int], first: date, last: date
    ) -> dict[int, MeetingsHeld]:
        """Return, per cell that held any from the month of `first` to the month of `last`, the months
        with a regular meeting and the quarters with a meeting with a thematic part (one query, grouped
        in SQL: a city is 10,000 cells)."""
        rows = await db.fetchall(
            f"""
            SELECT unit_id,
                   GROUP_CONCAT(DISTINCT CASE WHEN key IN {_list(REGULAR_KINDS)} THEN month END) AS months,
                   GROUP_CONCAT(DISTINCT CASE WHEN key IN {_list(THEMATIC_KINDS)}
                                              THEN substr(month, 1, 5)
                                                   || ((CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3)
                                         END) AS quarters
            FROM record_counts
            WHERE unit_id {_IN} AND kind = 'meeting' AND key IN {_list(MEETING_KINDS)}
              AND month BETWEEN :lo AND :hi AND n > 0
            GROUP BY unit_id
            """,
            {"ids": _json(self.own(cell_ids)), "lo": _month(first), "hi": _month(last)},
        )
        return {
            r["unit_id"]: MeetingsHeld(
                frozenset((r["months"] or "").split(",")) - {""},
                frozenset((r["quarters"] or "").split(",")) - {""},
            )
            for r in rows
        }

    async def cells_met(
        self, db: Queryable, cell_ids: Iterable[int], first: date, last: date
    ) -> dict[str, int]:
        """Return, for each month from `first` to `last`, how many cells held a regular meeting."""
        return await cells_met_by_month(db, self.own(cell_ids), first, last)

    async def meeting_dates(
        self,
        db: Queryable,
        cell_ids: Iterable[int],
        regular: tuple[date, date],
        thematic: tuple[date, date],
    ) -> dict[int, MeetingDates]:
        """Return each cell's latest regular meeting in one range and thematic one in another."""
        rows = await db.fetchall(
            f"""
            SELECT unit_id,
                   MAX(CASE WHEN kind IN {_list(REGULAR_KINDS)} AND on_date BETWEEN :rs AND :re
                            THEN on_date END) AS regular,
                   MAX(CASE WHEN kind IN {_list(THEMATIC_KINDS)} AND on_date BETWEEN :ts AND :te
                            THEN on_date END) AS thematic
            FROM meetings
            WHERE unit_id {_IN} AND deleted_at IS NULL AND on_date BETWEEN :lo AND :hi
            GROUP BY unit_id
            """,
            {
                "ids": _json(self.own(cell_ids)),
                "rs": regular[0].isoformat(),
                "re": regular[1].isoformat(),
                "ts": thematic[0].isoformat(),
                "te": thematic[1].isoformat(),
                "lo": min(regular[0], thematic[0]).isoformat(),
                "hi": max(regular[1], thematic[1]).isoformat(),
            },
        )
        return {
            r["unit_id"]: MeetingDates(
                date.fromisoformat(r["regular"]) if r["regular"] else None,
                date.fromisoformat(r["thematic"]) if r["thematic"] else None,
            )
            for r in rows
        }

    async def open_returns(self, db: Queryable, cell_ids: Iterable[int]) -> dict[int, int]:
        """Return, per cell with any, its records sent back for revision and not corrected yet."""
        return await reviews.open_by_unit(db, self.own(cell_ids))

    async def step_totals(
        self, db: Queryable, unit_ids: Iterable[int], step: str, first: date, last: date
    ) -> dict[int, int]:
        """Return, per unit, the people of its whole branch who reached a step in the months given."""
        # record_counts holds each unit's whole branch (migration 0006): a district is one look-up.
        return await step_totals_by_unit(db, self.own(unit_ids), step, first, last)

    async def targets(self, db: Queryable, unit_ids: Iterable[int], year: int) -> dict[int, int]:
        """Return the admission targets set for a year, by unit."""
        rows = await db.fetchall(
            f"SELECT unit_id, admissions FROM targets WHERE year = :year AND unit_id {_IN}",
            {"ids": _json(self.own(unit_ids)), "year": year},
        )
        return {r["unit_id"]: r["admissions"] for r in rows}

    # ----- one cell ---------------------------------------------------------------------------------

    async def open_admissions(self, db: Queryable, cell_id: int) -> list[OpenAdmission]:
        """Return a cell's live people whose admission is under way, by name."""
        rows = await db.fetchall(
            f"""
            SELECT p.id, p.full_name, {", ".join(f"l.{c}" for c in _PIPELINE_STEPS)}
            FROM people p LEFT JOIN pipelines l ON l.person_id = p.id
            WHERE p.unit_id = :cell AND p.deleted_at IS NULL
              AND l.recognition IS NULL AND l.not_recognised IS NULL AND l.withdrew IS NULL
            ORDER BY p.full_name COLLATE NOCASE, p.id
            """,
            {"cell": self.own([cell_id])[0]},
        )
        return [
            OpenAdmission(
                r["id"],
                r["full_name"],
                {c: date.fromisoformat(r[c]) for c in _PIPELINE_STEPS if r[c] is not None},
            )
            for r in rows
        ]

    async def records(
        self, db: Queryable, cell_id: int, first: date, last: date, limit: int
    ) -> list[RecordLine]:
        """Return a cell's live records dated from `first` to `last`, the latest first."""
        rows = await db.fetchall(
            f"""
            SELECT * FROM ({
                _lines(
                    DATED_KINDS,
                    "r.unit_id = :cell AND r.deleted_at IS NULL AND r.on_date BETWEEN :first AND :last",
                )
            })
            ORDER BY on_date DESC, created_at DESC LIMIT :limit
            """,
            {
                "cell": self.own([cell_id])[0],
                "first": first.isoformat(),
                "last": last.isoformat(),
                "limit": limit,
            },
        )
        return [_line(r) for r in rows]

    async def returns(self, db: Queryable, cell_id: int, since: datetime, limit: int) -> list[ReturnLine]:
        """Return a cell's records sent back for revision: every one not corrected yet, and those sent
        back or closed since a moment; the open ones first, then the latest."""
        rows = await db.fetchall(
            """
            SELECT r.*, b.display_name AS returned_by_name, c.display_name AS resolved_by_name
            FROM record_returns r
            LEFT JOIN users b ON b.id = r.returned_by
            LEFT JOIN users c ON c.id = r.resolved_by
            WHERE r.unit_id = :cell
              AND (r.resolved_at IS NULL OR r.returned_at >= :since OR r.resolved_at >= :since)
            ORDER BY r.resolved_at IS NULL DESC, r.returned_at DESC, r.id DESC
            LIMIT :limit
            """,
            {"cell": self.own([cell_id])[0], "since": to_db_time(since), "limit": limit},
        )
        found = [(reviews.from_row(r), r["returned_by_name"], r["resolved_by_name"]) for r in rows]
        wanted: dict[str, list[int]] = defaultdict(list)
        for returned, _, _ in found:
            if returned.kind in _LINES:
                wanted[returned.kind].append(returned.record_id)
        lines: dict[tuple[str, int], RecordLine] = {}
        if wanted:
            # The record is the cell's: a return follows its record when cells are merged (migration 0012).
            where = "r.unit_id = :cell AND r.id IN (SELECT value FROM json_each(:{kind}))"
            params: dict[str, object] = {"cell": cell_id, **{k: _json(v) for k, v in wanted.items()}}
            for r in await db.fetchall(_lines(wanted, where), params):
                lines[(r["kind"], r["id"])] = _line(r)
        return [
            ReturnLine(returned, lines.get((returned.kind, returned.record_id)), by, fixer)
            for returned, by, fixer in found
        ]

    async def meetings_by_month(
        self, db: Queryable, cell_id: int, first: date, last: date
    ) -> dict[str, dict[str, int]]:
        """Return a cell's meetings in each month from `first` to `last`, by kind."""
        rows = await db.fetchall(
            """
            SELECT month, key, n FROM record_counts
            WHERE unit_id = :cell AND kind = 'meeting' AND month BETWEEN :first AND :last AND n > 0
            """,
            {"cell": self.own([cell_id])[0], "first": _month(first), "last": _month(last)},
        )
        found: dict[str, dict[str, int]] = defaultdict(dict)
        for r in rows:
            found[r["month"]][r["key"]] = r["n"]
        return found
